"""Where things live and the run's tunable parameters, read once from the environment.

Every path defaults to a folder under the repository so `make run` needs no configuration;
operators override them with NMG_* environment variables (see docs/operations.md, "Settings"). Inside a Dagster
run the assets get them from the resource pipeline.NightSettings, which gives each one as run config.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"
SQL_DIR = REPO_ROOT / "sql"
STATIC_DIR = REPO_ROOT / "assets"
# The policy text every citation's line numbers refer to, vendored byte-identical from ../shared/seeds
# (seeds/source/README.md: origin and SHA-256), so a clone alone has it.
SOURCE_TEXT = SEEDS_DIR / "source" / "000_acf4c8df6a851f9c.txt"


def _path(text: str) -> Path:
    return Path(text).resolve()


def _flag(text: str) -> bool:
    return text == "1"


def _names(text: str) -> tuple[str, ...]:
    return tuple(r.strip() for r in text.split(",") if r.strip())


class SettingError(ValueError):
    """A setting's text cannot be read (an NMG_* variable, or the run config of the same name)."""


def _read(env: Mapping[str, str], var: str, parse: Callable[[str], Any], default: str | None) -> Any:
    text = env.get(var, default)
    try:
        return None if text is None else parse(text)
    except ValueError as exc:
        raise SettingError(f"设置 {var} 的值 {text!r} 无法读取（{exc}）：请按 docs/operations.md 的“Settings”一节"
                           "改正环境变量或运行配置后重新运行。") from None


def _env(var: str, parse: Callable[[str], Any] = str, default: str | None = None, **kw: Any) -> Any:
    """A setting read from the environment variable `var` (`default`, as text, when it is unset; no default:
    None). The variable's name, parser and default stay on the field, for Settings.from_env and the Dagster
    resource (pipeline.NightSettings) that gives each setting as run config."""
    return field(default_factory=lambda: _read(os.environ, var, parse, default),
                 metadata={"env": var, "parse": parse, "default": default}, **kw)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = _env("NMG_DATA_DIR", _path, str(REPO_ROOT / "data"))
    dashboards_dir: Path = _env("NMG_DASHBOARDS_DIR", _path, str(REPO_ROOT / "dashboards"))
    # Synthetic registry size and seed (the default input: no real registry data is public).
    enterprises: int = _env("NMG_ENTERPRISES", int, "20000")
    seed: int = _env("NMG_SEED", int, "20240121")
    bad_row_share: float = _env("NMG_BAD_ROW_SHARE", float, "0.01")
    # The asset check fails when more than this share of a registry's rows is quarantined.
    max_quarantine_share: float = _env("NMG_MAX_QUARANTINE_SHARE", float, "0.05")
    # Use files already in the landing folder instead of generating synthetic ones.
    use_landing_as_is: bool = _env("NMG_USE_LANDING", _flag, "0")
    # DuckDB's memory ceiling for the build (it spills to build/tmp beyond it); the default of 80% of RAM
    # would let the ledger and forecast SQL take the whole server at a few million enterprises.
    duckdb_memory: str = _env("NMG_DUCKDB_MEMORY", str, "4GB")
    # Registries are validated in parts of about this many rows (split by key, so duplicates meet in one part).
    validate_chunk_rows: int = _env("NMG_VALIDATE_CHUNK_ROWS", int, "2000000")
    # A registry whose accepted rows fall by more than this share against the last published run is held for a
    # person to confirm; NMG_CONFIRM_DROP=talents,projects (registry names) confirms the drop for one run.
    max_row_drop_share: float = _env("NMG_MAX_ROW_DROP_SHARE", float, "0.3")
    confirmed_drops: tuple[str, ...] = _env("NMG_CONFIRM_DROP", _names, "")
    keep_snapshots: int = _env("NMG_KEEP_SNAPSHOTS", int, "7")
    # Seconds a run waits for another run on the same data folder to finish before it gives up (0: refuse at once).
    lock_wait_seconds: float = _env("NMG_LOCK_WAIT", float, "0")
    # Model fits are cached here (None: <data>/cache, see cache_dir).
    cache_root: Path | None = _env("NMG_CACHE_DIR", _path)
    # Processes for the driver model fits (None: one per core).
    forecast_workers: int | None = _env("NMG_FORECAST_WORKERS", int)
    # The night a run computes (None: the date in Asia/Shanghai when the run starts; see pipeline.NightSettings).
    as_of: date | None = _env("NMG_AS_OF", date.fromisoformat)
    # The pseudonym secret given from outside (None: this installation's secret file; see pseudonym_salt).
    salt: str | None = _env("NMG_PSEUDONYM_SALT", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """The settings `env` gives (variable name -> text), the documented defaults for the rest."""
        return cls(**{f.name: _read(env, f.metadata["env"], f.metadata["parse"], f.metadata["default"])
                      for f in fields(cls)})

    @property
    def landing_dir(self) -> Path:
        """Where real registry exports are dropped (read when NMG_USE_LANDING=1; never modified)."""
        return self.data_dir / "landing"

    @property
    def synthetic_dir(self) -> Path:
        """Where the synthetic generator writes (cleared and rewritten by every synthetic run)."""
        return self.data_dir / "synthetic"

    @property
    def input_dir(self) -> Path:
        return self.landing_dir if self.use_landing_as_is else self.synthetic_dir

    @property
    def cache_dir(self) -> Path:
        """Results that are a pure function of their inputs (driver model fits), keyed by a hash of them."""
        return self.cache_root or self.data_dir / "cache"

    @property
    def build_db(self) -> Path:
        """The working DuckDB file a run writes; never opened by auditors."""
        return self.data_dir / "build" / "warehouse_build.duckdb"

    @property
    def staging_dir(self) -> Path:
        """Landing files as text (Parquet behind the staging.* views) and validation's parts; never published."""
        return self.build_db.parent / "staging"

    @property
    def duckdb_config(self) -> dict[str, str]:
        """Connection settings of every writing DuckDB connection of a run."""
        return {"memory_limit": self.duckdb_memory, "temp_directory": str(self.build_db.parent / "tmp")}

    @property
    def published_db(self) -> Path:
        """The published snapshot auditors open read-only; replaced atomically by each good run."""
        return self.data_dir / "warehouse" / "warehouse.duckdb"

    @property
    def snapshots_dir(self) -> Path:
        return self.data_dir / "warehouse" / "snapshots"

    @property
    def run_log(self) -> Path:
        """One JSON line per run event (started, failed, published …) beside the warehouse, readable by auditors."""
        return self.data_dir / "warehouse" / "runs.jsonl"

    @property
    def lock_file(self) -> Path:
        """Held (flock) by the one run that writes this data folder; names that run."""
        return self.data_dir / ".run.lock"

    @property
    def salt_file(self) -> Path:
        """This installation's pseudonym secret, made on first use (0600) unless NMG_PSEUDONYM_SALT is set."""
        return self.data_dir / "secrets" / "pseudonym_salt"

    @property
    def pseudonym_salt(self) -> str:
        """The secret keying person_key: NMG_PSEUDONYM_SALT, else this installation's secret file."""
        if self.salt is not None:
            return _checked_salt(self.salt, "环境变量 NMG_PSEUDONYM_SALT", self.salt_file)
        return _installation_salt(self.salt_file)


def to_env(settings: Settings) -> dict[str, str]:
    """The inverse of Settings.from_env: the text of every setting that is not its default, by variable."""
    defaults = Settings.from_env({})
    return {f.metadata["env"]: _text(getattr(settings, f.name)) for f in fields(Settings)
            if getattr(settings, f.name) != getattr(defaults, f.name)}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)  # paths, dates, numbers: str() reads back to the same value


DEV_SALT = "nmg-fiscal-dev"  # the default of earlier versions, public in the repository's history: refused
MIN_SALT_CHARS = 16


class SaltError(RuntimeError):
    """The pseudonym secret is public, too short or readable by other accounts."""


def _checked_salt(value: str, source: str, salt_file: Path) -> str:
    if value.strip() == DEV_SALT or len(value.strip()) < MIN_SALT_CHARS:
        raise SaltError(f"{source} 的假名化密钥是开发用的公开值或少于 {MIN_SALT_CHARS} 个字符，用它生成的 person_key "
                        f"可被逆推出身份证号：删除这项设置（运行会在 {salt_file} 生成本机专用的随机密钥），"
                        "或改为至少 32 个随机字符的密钥后重新运行。")
    return value.strip()


def _installation_salt(path: Path) -> str:
    """Read this installation's secret, creating it (random, 0600, in a 0700 folder) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, (secrets.token_hex(32) + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # never replaces a secret another process made first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise SaltError(f"假名化密钥文件 {path} 的权限是 {mode:o}，其他账户可以读取：执行 chmod 600 {path} "
                        "后重新运行。")
    return _checked_salt(path.read_text(encoding="utf-8"), f"密钥文件 {path}", path)


def get_settings() -> Settings:
    return Settings()
