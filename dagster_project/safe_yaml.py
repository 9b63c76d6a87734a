"""The one YAML loader for every file the project reads from seeds/ (catalogue and defaults, scenarios, forecast
settings, talent criteria).

PyYAML's safe loader builds only plain types, but it still expands anchors and aliases: a "billion laughs" of
a few hundred bytes becomes gigabytes once loaded or walked. This loader refuses anchors, aliases and merge keys
outright (no file in seeds/ needs them), refuses a key given twice in one mapping (YAML would keep the last one
silently), and bounds the file size and the nesting depth before anything is built. Every refusal is a
YamlRefused naming the file and the line, in Chinese.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 512 * 1024  # the largest file in seeds/ is 64 KB
MAX_DEPTH = 32  # nesting of mappings and lists; seeds/ files use 6


class YamlRefused(ValueError):
    """A YAML file that is too large, malformed, or uses a refused construct; the message names file and line."""


class _Refusal(yaml.YAMLError):
    def __init__(self, mark: yaml.Mark | None, problem: str):
        super().__init__(problem)
        self.mark, self.problem = mark, problem


class _Loader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases, merge keys or duplicate keys, and with a nesting limit."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refusal(event.start_mark, f"不允许使用 YAML 别名（*{event.anchor}）；请把内容直接写出")
        if getattr(event, "anchor", None) is not None:
            raise _Refusal(event.start_mark, f"不允许使用 YAML 锚点（&{event.anchor}）；请把内容直接写出")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refusal(event.start_mark, f"嵌套超过 {MAX_DEPTH} 层")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Refusal(key_node.start_mark, "不允许使用 YAML 合并键（<<）；请把字段直接写出")
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the base constructor refuses it with its own message
                continue
            if duplicate:
                raise _Refusal(key_node.start_mark, f"键 {key!r} 在同一层出现了两次（YAML 只会保留后一个）；请删去一个")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_bytes(path: Path, where: str | None = None, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, refused before they are all read if there are more than `max_bytes`."""
    where = where or str(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise YamlRefused(f"{where}：无法读取文件（{exc.strerror or exc}）") from exc
    if len(data) > max_bytes:
        raise YamlRefused(f"{where}：文件超过 {max_bytes:,} 字节的上限；请拆分成几个文件")
    return data


def load(path: Path, where: str | None = None, max_bytes: int = MAX_BYTES) -> Any:
    """The file's YAML content, or YamlRefused naming `where` (default: the path) and the line."""
    where = where or str(path)
    return parse(read_bytes(path, where, max_bytes), where)


def parse(data: bytes, where: str) -> Any:
    """UTF-8 YAML bytes -> plain Python values, with the same refusals as `load`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlRefused(f"{where}：不是 UTF-8 编码（第 {exc.start} 字节）；请以 UTF-8 保存") from exc
    return loads(text, where)


def loads(text: str, where: str) -> Any:
    """YAML text -> plain Python values, with the same refusals as `load`."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except _Refusal as exc:
        raise YamlRefused(f"{where}：第 {_line(exc.mark)} 行：{exc.problem}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlRefused(f"{where}：第 {_line(mark)} 行：YAML 格式错误（{problem}）") from exc
    except RecursionError as exc:
        raise YamlRefused(f"{where}：嵌套过深") from exc
    finally:
        loader.dispose()


def _line(mark: yaml.Mark | None) -> str:
    return str(mark.line + 1) if mark is not None else "?"
