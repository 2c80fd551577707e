"""The propensity assets on a local lake and a real PostgreSQL: train, gate, accept, score; a bad model is blocked."""

import shutil
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retail_assets.defs.assets.customer_propensity import AURORA_CUSTOMER_PROPENSITY, aurora_customer_propensity
from retail_assets.defs.assets.propensity import (
    ACCEPTED_MODEL,
    PROPENSITY_MODEL,
    accepted_propensity_model,
    customer_features_snapshot,
    purchase_propensity_model,
)
from retail_assets.defs.checks.propensity_checks import customer_propensity_reconciles, propensity_model_passes_gate
from retail_assets.defs.resources.local.model_trainer import LocalModelTrainer
from retail_assets.defs.resources.local.warehouse import LocalWarehouse
from retail_assets.defs.resources.pipeline import PipelineSettings
from retail_assets.defs.resources.propensity import PropensitySettings
from retail_assets.propensity.features import FEATURES
from retail_assets.propensity.model import predict
from retail_assets.propensity.storage import ACCEPTED, CANDIDATE, FEATURES_KEY, PropensityStore
from retail_assets.tables import CUSTOMER_FEATURES_TABLE, CUSTOMER_PROPENSITY_TABLE
from retail_assets.warehouse.migrate import migrate
from retail_assets.warehouse.propensity_scores import stored_scores
from retail_assets_tests.support.constants import BUSINESS_TIMEZONE
from retail_assets_tests.support.lake_builders import lake_at
from retail_assets_tests.support.shopper_history import shopper_history, write_cleaned

ASSETS = [
    customer_features_snapshot,
    purchase_propensity_model,
    accepted_propensity_model,
    aurora_customer_propensity,
    propensity_model_passes_gate,
    customer_propensity_reconciles,
]


@pytest.fixture
def home(tmp_path, postgres_url):
    """A lake under tmp_path and the test database, with an empty scores table."""
    migrate(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DELETE FROM retail.customer_propensity")
    return tmp_path


def run(home: Path, database_url: str, selection=None) -> dg.ExecuteInProcessResult:
    """Materialize the propensity assets (and their checks) on the lake under home."""
    resources = {
        "lake": lake_at(home),
        "warehouse": LocalWarehouse(retail_home=str(home), database_url=database_url),
        "model_trainer": LocalModelTrainer(),
        "pipeline": PipelineSettings(business_timezone=BUSINESS_TIMEZONE, quarantine_error_rate=0.2),
        "propensity": PropensitySettings(),
    }
    return dg.materialize(ASSETS, resources=resources, selection=selection, raise_on_error=False)


def check_passed(result: dg.ExecuteInProcessResult, name: str) -> bool:
    """Whether the named check passed in the run."""
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == name]
    return evaluation.passed


def table_without_time(url: str) -> pd.DataFrame:
    """retail.customer_propensity without scored_at, by customer."""
    return pd.DataFrame(stored_scores(url)).drop(columns="scored_at")


def test_train_gate_accept_score_then_a_shuffled_model_is_blocked(home, postgres_url):
    lake = lake_at(home)
    write_cleaned(lake, shopper_history(customers=400, days=240, seed=7))
    first = run(home, postgres_url)
    assert first.success
    assert check_passed(first, "propensity_model_passes_gate")
    assert check_passed(first, "customer_propensity_reconciles")
    store = PropensityStore(lake)
    accepted = store.pointer(ACCEPTED)
    assert accepted == store.pointer(CANDIDATE)
    model_metadata = first.asset_materializations_for_node("models__purchase_propensity")[0].metadata
    assert model_metadata["roc_auc"].value > model_metadata["baseline_roc_auc"].value + 0.02
    assert {row.data["feature"] for row in model_metadata["feature_importances"].value.records} == set(FEATURES)
    assert Path(lake.lake_base(), "models/purchase_propensity", accepted, "features.json").exists()
    snapshot = pq.read_schema(Path(lake.lake_base(), FEATURES_KEY))
    assert snapshot.remove_metadata() == CUSTOMER_FEATURES_TABLE.file_schema()

    # The table holds the accepted model's prediction for every featured customer, each once.
    features = store.read_features()
    table = table_without_time(postgres_url)
    assert list(table["customer_id"]) == sorted(features.index)
    expected = predict(store.model_file(accepted), features.loc[table["customer_id"], FEATURES])
    np.testing.assert_allclose(table["score"], expected, rtol=0, atol=1e-9)
    assert set(table["model_version"]) == {accepted}
    assert table.groupby("decile")["score"].min().is_monotonic_decreasing
    assert sorted(table["decile"].unique()) == list(range(1, 11))

    # A rerun on the same data: the same version, the same table.
    assert run(home, postgres_url).success
    assert store.pointer(ACCEPTED) == accepted
    pd.testing.assert_frame_equal(table_without_time(postgres_url), table)

    # Labels shuffled: the gate blocks, nothing downstream runs, the accepted model and its scores stay.
    shutil.rmtree(lake.table_path("cleaned", "sales"))
    write_cleaned(lake, shopper_history(customers=400, days=240, seed=7, shuffled=True))
    blocked = run(home, postgres_url)
    assert not check_passed(blocked, "propensity_model_passes_gate")
    assert store.pointer(CANDIDATE) != accepted
    assert store.pointer(ACCEPTED) == accepted
    materialized = {event.asset_key for event in blocked.get_asset_materialization_events()}
    assert PROPENSITY_MODEL in materialized
    assert not {ACCEPTED_MODEL, AURORA_CUSTOMER_PROPENSITY} & materialized
    pd.testing.assert_frame_equal(table_without_time(postgres_url), table)

    # Accepting the failed candidate on its own is refused too.
    alone = run(home, postgres_url, selection=[ACCEPTED_MODEL])
    assert not alone.success
    assert store.pointer(ACCEPTED) == accepted


POSTGRES_TYPES = {
    pa.string(): "text",
    pa.float64(): "double precision",
    pa.int16(): "smallint",
    pa.timestamp("us", tz="UTC"): "timestamp with time zone",
}


def test_the_scores_table_is_its_declaration(postgres_url):
    migrate(postgres_url)
    with psycopg.connect(postgres_url) as connection:
        found = connection.execute(
            "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
            "WHERE table_schema = 'retail' AND table_name = 'customer_propensity' ORDER BY ordinal_position"
        ).fetchall()
        key = connection.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'retail.customer_propensity'::regclass AND i.indisprimary"
        ).fetchall()
    declared = [(c.name, POSTGRES_TYPES[c.type], c.nullable) for c in CUSTOMER_PROPENSITY_TABLE.columns]
    assert found == declared
    assert tuple(name for (name,) in key) == CUSTOMER_PROPENSITY_TABLE.key
