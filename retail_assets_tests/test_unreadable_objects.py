"""A landing object that cannot be read fails only itself: quarantined whole, named, while its range loads."""

import gzip
from datetime import date
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from glue_scripts import clean_sales, ingest_sales
from glue_scripts.reading_rules import column_names
from retail_assets.defs.checks.models import QUARANTINE_CHECKED, QuarantineSales
from retail_assets.defs.checks.pandera_check import checked_frame, validate
from retail_assets.defs.checks.raw_checks import integrity_problems
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.warehouse.loader import daily_totals
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE
from retail_assets_tests.support.dagster_cli import materialize

HEADER = "transaction_id,sold_at,store_id,product_id,quantity,unit_price\n"
DAYS = ["2024-03-01", "2024-03-02", "2024-03-03"]
GOOD_ROWS = 30
SALES_PIPELINE = "raw/sales,cleaned/sales,quarantine/sales,final/daily_sales,aurora/daily_sales"
REPEATED = pa.table({"sold_at": [f"{DAYS[1]} 10:00:00"], "quantity": ["1"], "Quantity": ["2"]})


def good_csv(day: str) -> str:
    """GOOD_ROWS valid lines of one day, at noon UTC (the same business day in BUSINESS_TIMEZONE and UTC)."""
    return HEADER + "".join(f"{day}-{n},{day} 12:00:00,S1,P{n % 3},1,2.50\n" for n in range(GOOD_ROWS))


def land(root: Path, unreadable: dict[str, dict[str, bytes]]) -> None:
    """A good CSV on every day of DAYS, and the given unreadable objects by day."""
    for day in DAYS:
        folder = root / "sales" / day
        folder.mkdir(parents=True)
        (folder / "good.csv").write_text(good_csv(day))
        for name, data in unreadable.get(day, {}).items():
            (folder / name).write_bytes(data)


def truncated_gzip(day: str) -> bytes:
    """A .csv.gz cut short: its first lines decompress, its end does not."""
    return gzip.compress(good_csv(day).replace(day + "-", "cut-").encode() * 40)[:-200]


def repeated_columns_parquet() -> bytes:
    """A Parquet file whose columns collide once lower-cased (land refuses it with the same message)."""
    sink = pa.BufferOutputStream()
    pq.write_table(REPEATED, sink)
    return sink.getvalue().to_pybytes()


UNREADABLE = {
    DAYS[0]: {"cut.csv.gz": truncated_gzip(DAYS[0])},
    DAYS[1]: {
        "utf16.csv": good_csv(DAYS[1]).encode("utf-16"),
        "garbage.parquet": b"PAR1 these bytes were never Parquet PAR1",
        "twice.parquet": repeated_columns_parquet(),
    },
}
PROBLEMS = {
    "cut.csv.gz": "truncated gzip",
    "utf16.csv": "not UTF-8 (UTF-16",
    "garbage.parquet": "not a readable Parquet file",
    "twice.parquet": "appear twice",
}


@pytest.fixture(scope="module")
def ranged_jobs(spark, tmp_path_factory):
    """One ingest and one clean run over the three days, two of which hold unreadable objects."""
    tmp = tmp_path_factory.mktemp("unreadable")
    land(tmp / "landing", UNREADABLE)
    uris = {zone: str(tmp / "lake" / zone / "sales") for zone in ("raw", "cleaned", "quarantine")}
    days = {"start_date": DAYS[0], "end_date": DAYS[-1]}
    ingested = ingest_sales.run(spark, {"landing_uri": str(tmp / "landing"), "raw_uri": uris["raw"], **days})
    counts = clean_sales.run(
        spark,
        {
            "raw_uri": uris["raw"],
            "cleaned_uri": uris["cleaned"],
            "quarantine_uri": uris["quarantine"],
            "business_timezone": BUSINESS_TIMEZONE,
            **days,
        },
    )
    lake = LocalLake(landing_root=str(tmp / "landing"), lake_root=str(tmp / "lake"))
    return lake, ingested, counts, pq.read_table(uris["quarantine"]).to_pylist()


def test_each_unreadable_object_is_named_with_its_problem(ranged_jobs):
    _, ingested, _, _ = ranged_jobs
    named = {Path(entry["object"]).name: entry["problem"] for entry in ingested["unreadable"]}
    assert set(named) == set(PROBLEMS)
    for name, problem in PROBLEMS.items():
        assert problem in named[name], named[name]
    # Land's rule, word for word: one set of reading rules for both sides.
    with pytest.raises(ValueError) as land_rule:
        column_names(REPEATED.column_names, "x")
    assert named["twice.parquet"] == str(land_rule.value).removeprefix("x: ")


def test_an_unreadable_object_is_one_quarantined_row_and_the_rest_of_the_range_loads(ranged_jobs):
    lake, ingested, counts, quarantine = ranged_jobs
    counts.check_every_row_once()
    assert counts.cleaned == dict.fromkeys(DAYS, GOOD_ROWS)
    assert counts.reasons == {
        DAYS[0]: {"unreadable_object": 1},
        DAYS[1]: {"unreadable_object": 2, "invalid_encoding": 1},
        DAYS[2]: {},
    }
    rows = {Path(row["_source_object"]).name: row for row in quarantine}
    for name, problem in PROBLEMS.items():
        reason = "invalid_encoding" if name == "utf16.csv" else "unreadable_object"
        assert rows[name]["reason"] == reason and rows[name]["_line_number"] == 0
        assert problem in rows[name]["_unparsed_line"]
    frame = checked_frame(pa.Table.from_pylist(quarantine).select(list(QUARANTINE_CHECKED)))
    assert validate(QuarantineSales, frame, dg.AssetCheckSeverity.ERROR).passed
    # The objects were read whole (their bytes are in raw's lineage): integrity holds on every day.
    assert [(day, integrity_problems(lake, day)) for day in DAYS if integrity_problems(lake, day)] == []
    assert ingested["rows_by_day"] == {DAYS[0]: GOOD_ROWS + 1, DAYS[1]: GOOD_ROWS + 3, DAYS[2]: GOOD_ROWS}


def test_a_ranged_run_with_an_unreadable_day_loads_every_day_into_postgres(tmp_path, postgres_url):
    land(tmp_path / "landing", {DAYS[0]: {"cut.csv.gz": truncated_gzip(DAYS[0])}})
    materialize(tmp_path, "UTC", postgres_url, DAYS[0], DAYS[-1], select=SALES_PIPELINE)
    totals = daily_totals(postgres_url, [date.fromisoformat(day) for day in DAYS])
    assert {day.isoformat(): row["units_sold"] for day, row in totals.items()} == dict.fromkeys(DAYS, GOOD_ROWS)
    lake = LocalLake(landing_root=str(tmp_path / "landing"), lake_root=str(tmp_path / "lake"))
    (quarantined,) = lake.read_days("quarantine", "sales", DAYS, columns=["_source_object", "reason"]).to_pylist()
    assert quarantined["_source_object"].endswith("/cut.csv.gz") and quarantined["reason"] == "unreadable_object"
