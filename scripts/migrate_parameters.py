"""One-off migration (issue 20): every amount, rate, threshold, cap, tier bound, split and budget written as a number
in a costed catalogue entry becomes a named, dated parameter in its file's `parameters` block, with the date the
entry took effect and a citation to the line of the text where the number is written (the entry's own citation when
it is not found there). `valid.from` then comes from those dates; a yearly list's period (NMG2024, ORD2024: from the
issue date to 31 December) moves into the document header, where a later list can continue it; a clause's own end
date stays in `valid.to`. Comments and layout of the files are kept: only the edited values change.

Run once: `python scripts/migrate_parameters.py` (rewrites seeds/catalogue/*.yaml); kept for the record and for the
test that nothing was left behind. 0 and 1 in formulas stay literals (a default, an event count, a whole share).
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from sqlglot.tokens import Tokenizer, TokenType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from dagster_project.settings import SOURCE_TEXT  # noqa: E402

CATALOGUE = ROOT / "seeds" / "catalogue"
KEEP = {"0", "1"}
LEVEL_ZH = {"central": "中央", "region": "自治区", "city": "盟市", "banner": "旗区"}
CAP_ZH = {"per_award": "单项上限", "per_beneficiary_year": "每户年度上限", "per_beneficiary": "每户累计上限"}
TEXT = SOURCE_TEXT.read_text(encoding="utf-8").splitlines() if SOURCE_TEXT.exists() else []


def slug(rule_id: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", rule_id.lower()).strip("_")


def forms(value: Decimal) -> list[tuple[str, str]]:
    """How the text may write a number, as (digits, unit): 1.4亿元, 500 万元, 200 元, 50%, 0.5元."""
    out = []
    if value < 1:
        out.append((f"{(value * 100).normalize():f}", "[%％]"))
    for scale, unit in ((10 ** 8, "亿"), (10 ** 4, "万")):
        if value >= scale and (value / scale) == (value / scale).quantize(Decimal("0.0001")):
            out.append((f"{(value / scale).normalize():f}", unit))
    out.append((f"{value.normalize():f}", ""))
    return out


def locate(value: Decimal, lines: list[int]) -> tuple[list[int], str] | None:
    """The first line in the cited range where the number is written (the text puts spaces around numbers: 200 元,
    100 万元), with that line as the quote."""
    for digits, unit in forms(value):
        tail = rf"\s*{unit}" if unit else r"(?![\d.]\d)(?!\s*[万亿%％])"  # 10 is not the 10 of 10 万吨
        pattern = re.compile(rf"(?<![\d.]){re.escape(digits)}{tail}")
        for n in range(lines[0], lines[1] + 1):
            if 0 < n <= len(TEXT) and (hit := pattern.search(TEXT[n - 1])):
                quote = TEXT[n - 1].strip()
                if len(quote) > 200:
                    at = max(0, hit.start() - len(TEXT[n - 1]) + len(TEXT[n - 1].lstrip()))
                    quote = quote[max(0, at - 90):at + 110]
                return [n, n], quote
    return None


def numbers(formula: str) -> list[tuple[int, int, str]]:
    """(start, end exclusive, text) of each numeric literal in a formula."""
    return [(t.start, t.end + 1, t.text) for t in Tokenizer().tokenize(formula)
            if t.token_type == TokenType.NUMBER and t.text not in KEEP]


def list_periods(folder: Path) -> dict[str, tuple[date, date]]:
    """Yearly policy lists: documents most of whose costed entries end on 31 December of their issue year. The
    list's period (from the earliest start of those entries to that day) goes into the document header (`valid`),
    where a later list can continue it."""
    ends: dict[str, list[date | None]] = {}
    year_ends: dict[str, date] = {}
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name == "defaults.yaml" or not doc.get("issued"):
            continue
        year_end = year_ends[doc["document"]] = date(doc["issued"].year, 12, 31)
        for r in doc.get("rules") or []:
            if r.get("status") == "costed":
                valid = r.get("valid") or {}
                ends.setdefault(doc["document"], []).append(valid.get("from") if valid.get("to") == year_end
                                                            else None)
    return {d: (min(s for s in starts if s), year_ends[d])
            for d, starts in ends.items() if sum(s is not None for s in starts) * 2 >= len(starts)}


class Migration:
    def __init__(self, path: Path, periods: dict[str, tuple[date, date]]) -> None:
        self.path, self.text, self.periods = path, path.read_text(encoding="utf-8"), periods
        self.edits: list[tuple[int, int, str]] = []
        self.params: list[tuple[str, str, str, str, dict]] = []  # name, title, unit, value text, rule context

    def run(self) -> int:
        root = yaml.compose(self.text)
        top = {k.value: v for k, v in root.value}
        doc = yaml.safe_load(self.text)
        if "rules" not in top:
            return 0
        for node, raw in zip(top["rules"].value, doc.get("rules") or [], strict=True):
            if raw.get("status") == "costed":
                self.rule({k.value: v for k, v in node.value}, raw, doc)
        if not self.params:
            return 0
        self.apply(top["rules"])
        return len(self.params)

    def rule(self, nodes: dict, raw: dict, doc: dict) -> None:
        ctx = {"raw": raw, "doc": doc, "base": slug(raw["id"]), "count": 0}
        for fld in ("eligibility", "amount"):
            if fld in nodes:
                self.formula(nodes[fld], ctx, "amount" if fld == "amount" else "elig", fld)
        if "tiers" in nodes:
            tiers = {k.value: v for k, v in nodes["tiers"].value}
            self.formula(tiers["by"], ctx, "by", "分档依据")
            for i, b in enumerate(tiers["brackets"].value, 1):
                bracket = {k.value: v for k, v in b.value}
                equals = str(bracket["equals"].value) if "equals" in bracket else ""
                slot = f"tier_{slug(equals)}" if re.fullmatch(r"[A-Za-z0-9]{1,8}", equals) else f"tier_{i}"
                label = str(bracket["label"].value) if "label" in bracket else f"第{i}档"
                self.formula(bracket["amount"], ctx, f"{slot}_amount", f"{label}金额")
                for key, zh in (("min", "下限"), ("max", "上限")):
                    if key in bracket:
                        self.number(bracket[key], ctx, f"{slot}_{key}", f"{label}{zh}", "")
        for key, zh in CAP_ZH.items():
            caps = {k.value: v for k, v in nodes["caps"].value} if "caps" in nodes else {}
            if key in caps:
                self.number(caps[key], ctx, f"cap_{key}", zh, "元")
        shares = {k.value: v for k, v in nodes["shares"].value} if "shares" in nodes else {}
        if len(shares) > 1:  # a whole share (one level pays all) is not an amount the text sets
            for level, node in shares.items():
                self.number(node, ctx, f"share_{level}", f"{LEVEL_ZH[level]}分担比例", "比例")
        if "expected_share" in nodes:
            self.number(nodes["expected_share"], ctx, "expected_share", "预计兑现比例", "比例")
        if "programme" in nodes:
            for line in nodes["programme"].value:
                fields = {k.value: v for k, v in line.value}
                self.number(fields["amount"], ctx, f"budget_{fields['year'].value}", f"{fields['year'].value}年预算",
                            "元")
        if ctx["count"]:
            self.validity(nodes, raw, doc["document"])

    def name(self, ctx: dict, slot: str) -> str:
        name = f"{ctx['base']}_{slot}"
        taken = {p[0] for p in self.params}
        k = 2
        while name in taken:
            name, k = f"{ctx['base']}_{slot}_{k}", k + 1
        return name

    def add(self, ctx: dict, slot: str, label: str, unit: str, value: str) -> str:
        name = self.name(ctx, slot)
        self.params.append((name, f"{ctx['raw']['title']}：{label}", unit, value, ctx))
        ctx["count"] += 1
        return name

    def formula(self, node: yaml.Node, ctx: dict, slot: str, label: str) -> None:
        text = str(node.value)
        found = numbers(text)
        if not found:
            return
        label = {"amount": "金额参数", "elig": "条件参数", "by": "分档参数"}.get(slot, label)
        unit_hint = "元" if slot.endswith("_amount") else ""
        names: dict[str, str] = {}
        for k, (_, _, lit) in enumerate(found, 1):
            if lit not in names:
                unit = "比例" if Decimal(lit) < 1 else unit_hint if len(found) == 1 else ""
                slot_k = slot if len({f[2] for f in found}) == 1 else f"{slot}_{len(names) + 1}"
                names[lit] = self.add(ctx, slot_k, f"{label}{'' if slot_k == slot else len(names) + 1}", unit, lit)
            del k
        out, last = [], 0
        for start, end, lit in found:
            out += [text[last:start], names[lit]]
            last = end
        new = "".join(out + [text[last:]])
        self.edits.append((node.start_mark.index, node.end_mark.index, self.scalar(new, node)))

    def scalar(self, text: str, node: yaml.Node) -> str:
        if node.style in (">", "|"):
            indent = " " * (node.start_mark.column + 2)
            end_text = self.text[node.start_mark.index:node.end_mark.index]
            lines = textwrap.wrap(text, 110, break_long_words=False, break_on_hyphens=False)
            return ">-\n" + "\n".join(indent + line for line in lines) + ("\n" if end_text.endswith("\n") else "")
        return json.dumps(text, ensure_ascii=False)

    def number(self, node: yaml.Node, ctx: dict, slot: str, label: str, unit: str) -> None:
        name = self.add(ctx, slot, label, unit, str(node.value))
        self.edits.append((node.start_mark.index, node.end_mark.index, name))

    def validity(self, nodes: dict, raw: dict, document: str) -> None:
        """valid.from moves into the parameters' dates; an entry running over its yearly list's period leaves its
        end to the document header; a clause's own end date (valid.to) stays, as do cohorts_from and
        earlier_payments."""
        valid = nodes["valid"]
        period = self.periods.get(document)
        if period is not None and raw["valid"].get("to") != period[1]:
            return  # a clause with a period of its own inside a yearly list: it keeps it
        drop = ("from", "to") if period else ("from",)
        rest = {k.value: v.value for k, v in valid.value if k.value not in drop}
        line_start = self.text.rfind("\n", 0, valid.start_mark.index) + 1
        line_end = self.text.index("\n", valid.end_mark.index) + 1
        if rest:
            body = ", ".join(f"{k}: {v}" for k, v in rest.items())
            self.edits.append((valid.start_mark.index, valid.end_mark.index, "{" + body + "}"))
        else:
            self.edits.append((line_start, line_end, ""))

    def block(self) -> str:
        out = ["parameters:",
               "  # Named, dated parameters (docs/catalogue.md, \"Parameters\"): each value with the date it took",
               "  # effect and the clause it comes from. A later list adds a dated value (or a null to end a measure)."]
        for name, title, unit, value, ctx in self.params:
            raw, doc = ctx["raw"], ctx["doc"]
            cit = raw["citation"]
            valid = raw.get("valid") or {}
            start = valid.get("from") or date(min(p["year"] for p in raw["programme"]), 1, 1)
            lines, quote = locate(Decimal(value), cit["lines"]) or (cit["lines"], cit["quote"])
            citation = (f"{{document: {doc['document']}, item: {json.dumps(str(cit['item']))}, "
                        f"lines: [{lines[0]}, {lines[1]}], quote: {json.dumps(quote, ensure_ascii=False)}}}")
            out += [f"  {name}:", f"    title: {json.dumps(title, ensure_ascii=False)}"]
            if unit:
                out.append(f"    unit: {unit}")
            out += ["    values:", f"      - from: {start}", f"        value: {value}", f"        citation: {citation}"]
        return "\n".join(out) + "\n"

    def apply(self, rules_node: yaml.Node) -> None:
        text = self.text
        for start, end, new in sorted(self.edits, reverse=True):
            text = text[:start] + new + text[end:]
        doc = yaml.safe_load(self.text)
        if doc["document"] in self.periods:  # the yearly list's period, in every file of the document
            start, end = self.periods[doc["document"]]
            at = text.index("\n", text.index("\nsource_lines:") + 1) + 1
            text = text[:at] + f"valid: {{from: {start}, to: {end}}}\n" + text[at:]
        at = text.index("\nrules:") + 1
        self.path.write_text(text[:at] + self.block() + text[at:], encoding="utf-8")
        del rules_node


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else CATALOGUE
    periods = list_periods(folder)
    print("yearly lists:", periods)
    total = 0
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "defaults.yaml":
            continue
        n = Migration(path, periods).run()
        total += n
        print(f"{path.name}: {n} parameters")
    print(f"total: {total}")


if __name__ == "__main__":
    main()
