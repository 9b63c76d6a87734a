"""The bad-input corpus (tests/bad_inputs/, expectations in expected.yaml): every file gets a clear message naming
file, row and field, and loses nothing — rows in = accepted + quarantined, or the whole file refused with the
reason. Also: a file over the size limit, and fuzzed registry rows that must never break validation."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from dagster_project import ingest, validate
from dagster_project.contract import ENTERPRISES, REGISTRIES

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
TODAY = date(2026, 11, 27)
# Enterprises the corpus's child rows belong to (its own good codes and the employers/owners it names).
PARENTS = pl.Series([b + uscc.calc_check_digit(b) for b in ("91150622MA0000001", "91150602MA0000002",
                                                            "91150603MA0000003")]
                    + ["911506035Q9JHTJ6NR", "911506023JPJ7F67WH", "911507279MX9J8HKJL"])


def test_every_corpus_file_has_an_expectation():
    assert {p.name for p in CORPUS.iterdir() if p.name != "expected.yaml"} == set(EXPECTED)


def landing_with(tmp_path: Path, name: str) -> ingest.LandingFile:
    shutil.copy(CORPUS / name, tmp_path / name)
    (lf,) = ingest.discover(tmp_path)
    return lf


def read_and_validate(lf: ingest.LandingFile, scratch: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(accepted rows, quarantine): the reader's rejects and validation's failures, as the nightly run keeps them."""
    frame, rejects = ingest.read_text(lf, scratch)
    spec = REGISTRIES[lf.registry]
    ctx = validate.Context.build(TODAY, PARENTS if spec.parent else None)
    accepted, quarantine = validate.validate(frame, spec, ctx)
    return accepted, pl.concat([rejects.select(quarantine.columns), quarantine])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_gets_a_clear_message_and_loses_nothing(tmp_path, name):
    want = EXPECTED[name]
    lf = landing_with(tmp_path, name)
    if "refused" in want:
        with pytest.raises(ingest.FileRefused) as err:
            ingest.read_text(lf, tmp_path / "scratch")
        assert str(err.value).startswith(f"{name}: ") and want["refused"] in str(err.value)
        assert "infer_schema_length" not in str(err.value)  # the reader's tuning tips are not for people
        return
    accepted, quarantine = read_and_validate(lf, tmp_path / "scratch")
    for key in ("encoding", "delimiter", "header_row", "extra_columns", "blank_rows", "sheets"):
        if key in want:
            assert getattr(lf, key) == want[key], key
    if "skipped_sheets" in want:  # each sheet not read, with the start of its reason
        assert len(lf.skipped_sheets) == len(want["skipped_sheets"])
        assert all(got.startswith(w) for got, w in zip(lf.skipped_sheets, want["skipped_sheets"], strict=True))
    bad_rows = quarantine.select("_sheet", "_row").unique().height
    assert (lf.rows_in, accepted.height) == (want["rows_in"], want["accepted"])
    assert lf.rows_in == accepted.height + bad_rows  # nothing lost, against the independent count
    got = set(quarantine.select("_row", "field", "reason").rows())
    for row, field, reason in want["quarantined"]:  # the reason as written, or the start of a longer one
        assert any(r == row and f == field and why.startswith(reason) for r, f, why in got), (row, field, reason, got)
    assert {r for r, *_ in got} == {q[0] for q in want["quarantined"]}  # no other row is blamed
    assert (quarantine["_file"] == name).all()  # every message names the file
    if "accepted_rows" in want:  # the rows a person finds the accepted records on
        assert sorted(accepted["_row"]) == want["accepted_rows"]
    for column, values in want.get("accepted_values", {}).items():  # values read exactly as the export holds them
        assert sorted(accepted[column].to_list()) == sorted(values), column


def test_a_file_too_large_to_hold_is_refused_with_what_to_do(tmp_path, monkeypatch):
    # NMG_MAX_FILE_BYTES (default 4 GiB) guards memory; here the limit is lowered instead of writing gigabytes.
    monkeypatch.setattr(ingest, "MAX_FILE_BYTES", 100)
    lf = landing_with(tmp_path, "enterprises_gbk.csv")
    with pytest.raises(ingest.FileRefused, match=r"enterprises_gbk.csv: 264 字节，超过 100 字节的上限"
                                                 r"（NMG_MAX_FILE_BYTES）；请把导出拆分"):
        ingest.read_text(lf, tmp_path / "scratch")


CELL = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(
    ["150622", "159999", "14", "99", "2015-03-01", "2023-02-30", "1800-01-01", "民营", "国有", "private", "-1", " "]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({"uscc": st.one_of(CELL, st.sampled_from(list(PARENTS))),
                                            "name": CELL, "region_code": CELL, "industry_code": CELL,
                                            "registered_on": CELL, "ownership": CELL}), max_size=12))
def test_fuzzed_enterprise_rows_are_all_accepted_or_quarantined(rows):
    """Whatever a row holds, validation neither fails nor loses it, and every quarantine names row and field."""
    frame = pl.DataFrame(rows, schema={c.name: pl.String for c in ENTERPRISES.columns}).with_columns(
        pl.int_range(2, len(rows) + 2, dtype=pl.Int64).alias("_row"), pl.lit("fuzz.csv").alias("_file"))
    accepted, quarantine = validate.validate(frame, ENTERPRISES, validate.Context.build(TODAY))
    assert accepted.height + quarantine.select("_row").n_unique() == len(rows)
    assert quarantine["field"].null_count() == 0 and quarantine["reason"].null_count() == 0
    assert set(accepted["_row"]).isdisjoint(set(quarantine["_row"]))
