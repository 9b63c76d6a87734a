"""The worked example of docs/catalogue.md, "A new year's list" (issue 20): a (fictional) 2025 list continues the
2024 one, changes two amounts and ends one measure, as dated values only. Its files (docs/examples/NMG2025/) are
added to a copy of the catalogue exactly as the guide says; the hand-worked cases (cases.yaml, the format of
tests/cases/) then show the 2024 awards under the 2024 values and the 2025 awards under the 2025 values."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from dagster_project import catalogue, safe_yaml
from dagster_project.catalogue import CATALOGUE_DIR
from tests.test_cases import build, ledger_lines, lines_diff, read_file, registries

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "NMG2025"


def with_the_2025_list(tmp_path: Path) -> Path:
    """seeds/catalogue/NMG2024.yaml + defaults + the example's NMG2025.yaml, with added_values.yaml appended to
    the parameters' values (what the analyst types into NMG2024.yaml); no rule touched."""
    folder = tmp_path / "seeds" / "catalogue"
    folder.mkdir(parents=True)
    shutil.copy(CATALOGUE_DIR / "defaults.yaml", folder)
    shutil.copy(EXAMPLE / "NMG2025.yaml", folder)
    data = safe_yaml.load(CATALOGUE_DIR / "NMG2024.yaml", "NMG2024.yaml")
    added = safe_yaml.load(EXAMPLE / "added_values.yaml", "added_values.yaml")
    rules_before = yaml.safe_dump(data["rules"])
    for name, values in added.items():
        data["parameters"][name]["values"] += values
    assert yaml.safe_dump(data["rules"]) == rules_before
    (folder / "NMG2024.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def example_catalogue(tmp_path_factory) -> catalogue.Catalogue:
    return catalogue.load(with_the_2025_list(tmp_path_factory.mktemp("list2025")))


@pytest.mark.parametrize("case", read_file(EXAMPLE / "cases.yaml"), ids=lambda c: c.name)
def test_each_award_is_booked_under_its_list(case, example_catalogue):
    conn = build(example_catalogue, registries(case))
    for rule, rows in case.spec["expected"].items():
        expected, actual = [tuple(r) for r in rows], ledger_lines(conn, rule)
        assert actual == expected, lines_diff(rule, expected, actual)


def test_the_2025_list_changes_only_dated_values(example_catalogue):
    added = safe_yaml.load(EXAMPLE / "added_values.yaml", "added_values.yaml")
    assert len(added) == 3 and sum(v["value"] is None for vs in added.values() for v in vs) == 1
    assert example_catalogue.periods["NMG2024"][1][0].isoformat() == "2025-01-20"
    ended = example_catalogue.rule("NMG2024-10")
    assert ended.valid_to.isoformat() == "2024-12-31" and ended.ended_by_parameter
    assert not example_catalogue.rule("NMG2024-11A").ended_by_parameter
