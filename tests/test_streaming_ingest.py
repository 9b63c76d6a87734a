"""Ingestion and generation in slices of rows (issue 21): the slice sizes change memory, never what is read or
written. Every test runs the same input with slices of a few rows and compares with one slice for everything."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from dagster_project import csv_reader, ingest, synthetic

BAD_INPUTS = Path(__file__).parent / "bad_inputs"


def _tiny_slices(monkeypatch, rows: int = 3) -> None:
    monkeypatch.setattr(csv_reader, "SLICE_RECORDS", rows)
    monkeypatch.setattr(csv_reader, "FRAME_ROWS", rows)
    monkeypatch.setattr(csv_reader, "HEAD_MARKS", 2)  # the body's start is then found among the slices' marks
    monkeypatch.setattr(ingest, "SLICE_ROWS", rows)


def _read_all(landing: Path, scratch: Path) -> dict[str, tuple]:
    """Per file: (text rows, reader rejects, the file's record) or the refusal's message."""
    out = {}
    for lf in ingest.discover(landing):
        if lf.status != "pending":
            continue
        try:
            frame, rejects = ingest.read_text(lf, scratch)
            out[lf.path.name] = (frame, rejects, lf.record())
        except ingest.FileRefused as exc:
            out[lf.path.name] = (str(exc), lf.record())
    return out


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """The bad-input corpus (ragged rows, twin columns, blank lines, stray quotes, refusals …) beside a small
    generated registry."""
    folder = tmp_path_factory.mktemp("landing")
    synthetic.write_landing(folder, 5, 300, 0.05)
    for path in BAD_INPUTS.iterdir():
        if path.suffix in (".csv", ".txt", ".xlsx", ".parquet"):
            shutil.copy(path, folder / path.name)
    return folder


def test_slices_of_a_few_rows_read_what_one_slice_reads(landing, tmp_path, monkeypatch):
    whole = _read_all(landing, tmp_path / "a")
    _tiny_slices(monkeypatch)
    sliced = _read_all(landing, tmp_path / "b")
    assert whole.keys() == sliced.keys()
    for name, want in whole.items():
        got = sliced[name]
        assert len(got) == len(want), name
        if isinstance(want[0], str):  # refused: the same message and the same record of the file
            assert got == want, name
            continue
        assert got[0].equals(want[0]), name
        assert got[1].equals(want[1]), name
        assert got[2] == want[2], name
    read = [w for w in whole.values() if not isinstance(w[0], str)]
    assert sum(w[1].height for w in read) >= 4  # reader rejects (ragged rows, twin columns) were among them
    assert any(w[2]["blank_rows"] for w in read)


def test_polars_disagreeing_mid_file_starts_the_file_again(tmp_path, monkeypatch):
    """A blank line in the third slice: polars drops it, the count does not; the csv module then reads the file
    from its start and what the first slices gave is void."""
    _tiny_slices(monkeypatch, 2)
    path = tmp_path / "enterprises.csv"
    rows = [f"91150602MA0{i:06d}X,合成{i},150602,C13,2020-01-0{i % 9 + 1},private" for i in range(7)]
    path.write_text("uscc,name,region_code,industry_code,registered_on,ownership\n"
                    + "\n".join(rows[:5]) + "\n\n" + "\n".join(rows[5:]) + "\n", encoding="utf-8")
    lf = next(f for f in ingest.discover(tmp_path) if f.path == path)
    sink = ingest._Frames()
    given: list[int] = []
    real_write = sink.write
    sink.write = lambda frame: (given.append(frame.height), real_write(frame))
    ingest.stage_text(lf, tmp_path / "scratch", sink)
    assert sum(given) > 7  # slices before the blank line were given, then everything again
    frame = pl.concat(sink.frames)
    assert frame["_row"].to_list() == [2, 3, 4, 5, 6, 8, 9] and lf.blank_rows == 1 and lf.rows_in == 7


def test_staged_parquet_holds_the_rows_read_text_gives(landing, tmp_path, monkeypatch):
    _tiny_slices(monkeypatch)
    staged: dict[str, list[Path]] = {}
    wanted: dict[str, list[pl.DataFrame]] = {}
    for i, lf in enumerate(ingest.discover(landing)):
        if lf.status != "pending":
            continue
        out = tmp_path / f"{lf.registry}.file-{i}.parquet"
        try:
            ingest.stage_file(lf, tmp_path / "scratch", out)
        except ingest.FileRefused:
            assert not out.exists()  # a refused file leaves nothing behind
            continue
        staged.setdefault(lf.registry, []).append(out)
        wanted.setdefault(lf.registry, []).append(ingest.read_text(lf, tmp_path / "scratch")[0])
    assert any(len(paths) > 1 for paths in staged.values())  # several files of one registry are joined
    for name, paths in staged.items():
        combined = tmp_path / f"{name}.parquet"
        ingest.combine(paths, combined, ingest.REGISTRIES[name])
        assert pl.read_parquet(combined).equals(pl.concat(wanted[name]))
        assert not any(p.exists() for p in paths if p != combined)


def test_the_count_marks_where_records_start(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "SLICE_RECORDS", 3)
    monkeypatch.setattr(csv_reader, "HEAD_MARKS", 2)
    monkeypatch.setattr(csv_reader, "WINDOW", 16)
    text = '\ufeffa,b\r\n1,"x\r\ny"\r\n\r\n2,"""q"""\n3,z\r4,w\n5,v'
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode())
    count = csv_reader.count_records(path, ",")
    data = path.read_bytes()
    # records: 0 the header (after the BOM), 1 a quoted line break, 2 blank, 3 doubled quotes, 4 ends in a lone CR,
    # 5, 6 without a line ending; marked: the first two, then every third
    want = {0: 3, 1: data.index(b'1,"x'), 3: data.index(b'2,"""'), 6: data.index(b"5,v")}
    assert count.marks == want and len(count.blank) == 7


def test_metrics_drawn_and_written_in_slices_are_the_same_rows(tmp_path, monkeypatch):
    whole = tmp_path / "whole"
    synthetic.write_landing(whole, 7, 400, 0.05)
    formats = {"enterprises": "csv", "enterprise_metrics": "csv-gbk", "projects": "xlsx", "talents": "csv-gbk"}
    synthetic.write_landing(tmp_path / "whole_csv", 7, 400, 0.05, formats)
    monkeypatch.setattr(synthetic, "METRIC_SLICE_FIRMS", 17)
    monkeypatch.setattr(synthetic, "METRIC_WRITE_ROWS", 500)
    monkeypatch.setattr(synthetic, "METRIC_WHOLE_ROWS", 0)
    sliced = tmp_path / "sliced"
    synthetic.write_landing(sliced, 7, 400, 0.05)
    synthetic.write_landing(tmp_path / "sliced_csv", 7, 400, 0.05, formats)
    want, got = (pl.read_parquet(p / "enterprise_metrics.parquet") for p in (whole, sliced))
    assert want.height > 2_000 and got.equals(want)
    assert pq_row_groups(sliced / "enterprise_metrics.parquet") > 1
    for name in ("enterprise_metrics_gbk.csv", "enterprises.csv", "talents_gbk.csv", "projects.xlsx"):
        assert (tmp_path / "sliced_csv" / name).read_bytes() == (tmp_path / "whole_csv" / name).read_bytes(), name
    assert not [p for p in sliced.iterdir() if p.name.startswith(".")]  # the work folder is removed


def test_bad_rows_drawn_once_corrupt_slices_as_the_whole(monkeypatch):
    text = pl.DataFrame({"uscc": [f"91150602MA0{i:06d}X" for i in range(1_000)], "year": ["2024"] * 1_000,
                         "metric": ["m"] * 1_000, "value": [str(i) for i in range(1_000)], "unit": ["元"] * 1_000})
    whole = synthetic.inject_bad_rows(text, "enterprise_metrics", 0.05, 3)
    bad = synthetic._bad_rows(text.height, "enterprise_metrics", 0.05, 3)
    parts = [synthetic._corrupt(text.slice(a, 97), bad, a) for a in range(0, text.height, 97)]
    assert pl.concat(parts).equals(whole.head(text.height))
    assert whole.tail(len(bad.duplicates)).equals(text[bad.duplicates])
    assert np.unique([r for r, _, _ in bad.changes] + bad.duplicates).size == 50


def pq_row_groups(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_row_groups
