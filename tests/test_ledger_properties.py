"""Ledger mechanics: stacking (就高不重复) and, for any amounts, shares and instalments, exact reconciliation."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import enterprise, lines
from tests.test_rules import project, talent

A = "91150602AAAAAAAAA1"


def catalogue_with(tmp_path: Path, rules: list[dict], level: str = "city") -> Path:
    """A catalogue folder holding only the given rules (plus the real defaults)."""
    folder = tmp_path / "seeds" / "catalogue"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "defaults.yaml").write_text(
        (Path(__file__).parent.parent / "seeds/catalogue/defaults.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    doc = {"document": "TEST", "title": "test", "level": level, "source_lines": [1, 10000], "rules": rules}
    (folder / "TEST.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def settle(rule_id: str, amount: int, group: str | None = "g") -> dict:
    return {"id": rule_id, "title": rule_id, "citation": {"item": "1", "lines": [1, 2], "quote": "test"},
            "status": "costed", "beneficiary": "talent", "amount": amount, "shares": {"city": 1},
            "valid": {"from": "2024-01-01"}, "stacking_group": group}


def test_stacking_pays_only_the_highest_award_in_a_group(tmp_path, ledger_from):
    folder = catalogue_with(tmp_path, [settle("X-LOW", 2_000_000), settle("X-HIGH", 3_000_000),
                                       settle("X-OTHER", 500_000, group=None)])
    conn = ledger_from({"enterprises": [enterprise(A)], "talents": [talent("T1", "B", "2024-03-15")]}, folder)
    assert lines(conn, "X-HIGH") == [("T1", 2024, "city", "150600", "3000000.00")]
    assert lines(conn, "X-LOW") == []
    assert lines(conn, "X-OTHER") == [("T1", 2024, "city", "150600", "500000.00")]  # not in the group: paid too
    outcome = conn.execute("SELECT outcome FROM ledger.awards WHERE rule_id = 'X-LOW'").fetchone()[0]
    assert outcome == "stacked_out: X-HIGH"


LEVELS = ("central", "region", "city", "banner")


@st.composite
def shares(draw) -> dict[str, str]:
    """Shares with up to 6 decimals that sum to exactly 1 over a random subset of levels."""
    chosen = draw(st.lists(st.sampled_from(LEVELS), min_size=1, max_size=4, unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, 1_000_000), min_size=len(chosen) - 1, max_size=len(chosen) - 1)))
    bounds = [0, *cuts, 1_000_000]
    return {lvl: str(Decimal(bounds[i + 1] - bounds[i]) / Decimal(1_000_000)) for i, lvl in enumerate(chosen)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    investments=st.lists(st.decimals(min_value=0, max_value=10**10, places=2), min_size=1, max_size=6),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=1, places=4),
    split=shares(),
    weights=st.lists(st.integers(1, 9), min_size=1, max_size=5),
)
def test_levels_and_instalments_reconcile_to_the_fen(tmp_path_factory, ledger_from, investments, rate, split, weights):
    rule = {"id": "P-PROP", "title": "p", "citation": {"item": "1", "lines": [1, 2], "quote": "q"},
            "status": "costed", "beneficiary": "project", "amount": f"{rate} * equipment_investment_yuan",
            "caps": {"per_award": 123456789}, "schedule": {"instalments": weights, "lag_years": 1},
            "shares": split, "valid": {"from": "2024-01-01"}}
    folder = catalogue_with(tmp_path_factory.mktemp("cat"), [rule])
    projects = [project(f"P{i}", "energy", "2024-06-01", str(v), uscc=A) for i, v in enumerate(investments)]
    conn = ledger_from({"enterprises": [enterprise(A)], "projects": projects}, folder)  # asserts reconciliation
    awards = conn.execute("SELECT object_id, award_fen FROM ledger.awards ORDER BY 1").fetchall()
    for (pid, fen), inv in zip(awards, investments, strict=True):
        expected = min(rate * inv, Decimal(123456789)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert Decimal(fen) / 100 == expected, pid
    booked = conn.execute("SELECT object_id, sum(amount_yuan), min(amount_yuan) FROM ledger.liabilities "
                          "GROUP BY 1 ORDER BY 1").fetchall()
    paid = {pid: Decimal(fen) / 100 for pid, fen in awards if fen > 0}
    assert {pid: total for pid, total, _ in booked} == paid
    assert all(low >= 0 for _, _, low in booked)
    # lag 1: instalments fall in the years after completion (2024), never before or beyond the schedule
    years = {y for (y,) in conn.execute("SELECT DISTINCT payment_year FROM ledger.liabilities").fetchall()}
    assert years <= set(range(2025, 2025 + len(weights)))
