"""Run config (the Launchpad's) cannot point a resource's paths, buckets or URLs anywhere the settings did not."""

import dagster as dg
import pytest

from retail_assets.defs.resources.aws.clients import AwsClients
from retail_assets.defs.resources.aws.lake import S3Lake
from retail_assets.defs.resources.local.athena import LocalAthena
from retail_assets.defs.resources.local.crawler import LocalCrawler
from retail_assets.defs.resources.local.glue import LocalGlueJobs
from retail_assets.defs.resources.local.lake import LocalLake
from retail_assets.defs.resources.local.report_exports import LocalReportExports
from retail_assets.defs.resources.local.warehouse import LocalWarehouse
from retail_assets.defs.resources.pinned import PinnedFieldError
from retail_assets.settings import get_settings

ELSEWHERE = "/var/tmp/elsewhere"


def local_backends(home) -> dict:
    """The local resources as local_resources builds them, rooted in home."""
    lake = LocalLake(landing_root=str(home / "landing"), lake_root=str(home / "lake"))
    catalog = str(home / "catalog.duckdb")
    crawler = LocalCrawler(catalog_path=catalog, lake=lake)
    return {
        "lake": lake,
        "crawler": crawler,
        "athena": LocalAthena(catalog_path=catalog, lake=lake, crawler=crawler),
        "report_exports": LocalReportExports(catalog_path=catalog, lake=lake),
        "warehouse": LocalWarehouse(retail_home=str(home), database_url=dg.EnvVar("RETAIL_DATABASE_URL")),
        "glue": LocalGlueJobs(business_timezone="America/New_York"),
    }


def scaffold(home) -> dict:
    """The run config the Launchpad scaffolds for these resources: every field at the definitions' value."""
    catalog = {"catalog_path": str(home / "catalog.duckdb")}
    return {
        "lake": {"landing_root": str(home / "landing"), "lake_root": str(home / "lake")},
        "crawler": catalog,
        "athena": catalog,
        "report_exports": catalog,
        "warehouse": {"retail_home": str(home), "database_url": {"env": "RETAIL_DATABASE_URL"}},
        "glue": {"business_timezone": "America/New_York"},
    }


def using(key: str) -> dg.AssetsDefinition:
    """An asset that needs the resource key and reports the paths the resource would use."""

    @dg.asset(name=f"uses_{key}", required_resource_keys={key})
    def uses(context: dg.AssetExecutionContext) -> dict:
        return getattr(context.resources, key).model_dump(exclude={"lake", "crawler"})

    return uses


HOSTILE = [
    ("lake", "lake_root", ELSEWHERE),
    ("lake", "landing_root", "/"),
    ("crawler", "catalog_path", f"{ELSEWHERE}/catalog.duckdb"),
    ("athena", "catalog_path", f"{ELSEWHERE}/catalog.duckdb"),
    ("report_exports", "catalog_path", f"{ELSEWHERE}/catalog.duckdb"),
    ("warehouse", "retail_home", ELSEWHERE),
    ("warehouse", "database_url", "postgresql://thief:stolen-secret@203.0.113.9/loot"),
    ("glue", "business_timezone", "Asia/Tokyo"),
]


@pytest.mark.parametrize(("key", "field", "value"), HOSTILE, ids=[f"{key}.{field}" for key, field, _ in HOSTILE])
def test_a_run_config_moving_a_pinned_field_is_refused(tmp_path, monkeypatch, key, field, value):
    monkeypatch.setenv("RETAIL_DATABASE_URL", "postgresql://retail@127.0.0.1:1/retail")
    run_config = {"resources": {key: {"config": {**scaffold(tmp_path)[key], field: value}}}}
    with dg.instance_for_test() as instance:
        with pytest.raises(dg.DagsterResourceFunctionError) as refused:
            dg.materialize([using(key)], resources=local_backends(tmp_path), run_config=run_config, instance=instance)
        assert instance.get_runs()[0].status == dg.DagsterRunStatus.FAILURE
        assert instance.get_latest_materialization_event(dg.AssetKey(f"uses_{key}")) is None
    cause = refused.value.__cause__
    assert isinstance(cause, PinnedFieldError)
    assert f"{key}.{field} is " in str(cause) and "run config gave" in str(cause)
    assert "stolen-secret" not in str(cause)


def test_the_launchpads_scaffold_no_config_and_the_tunable_field_all_run(tmp_path):
    backends = local_backends(tmp_path)
    del backends["warehouse"]  # its setup connects to PostgreSQL; its fields are pinned the same way
    assets = [using(key) for key in backends]
    launchpad = {
        "resources": {key: {"config": config} for key, config in scaffold(tmp_path).items() if key in backends}
    }
    for run_config in (launchpad, None):
        result = dg.materialize(assets, resources=backends, run_config=run_config)
        assert result.output_for_node("uses_lake")["lake_root"] == str(tmp_path / "lake")
        assert result.output_for_node("uses_athena")["catalog_path"] == str(tmp_path / "catalog.duckdb")
        assert result.output_for_node("uses_glue")["spark_driver_memory"] == "2g"
    # spark_driver_memory is pinned by its pattern, not by the settings: run config may size the driver.
    launchpad["resources"]["glue"]["config"]["spark_driver_memory"] = "3g"
    result = dg.materialize(assets, resources=backends, run_config=launchpad)
    assert result.output_for_node("uses_glue")["spark_driver_memory"] == "3g"


def test_an_s3_lake_bucket_cannot_be_moved_by_run_config():
    lake = S3Lake(clients=AwsClients(region="us-east-1"), landing_bucket="retail-landing", lake_bucket="retail-lake")
    launchpad = {"landing_bucket": "retail-landing", "lake_bucket": "someone-elses-bucket"}
    run_config = {"resources": {"lake": {"config": launchpad}}}
    with pytest.raises(dg.DagsterResourceFunctionError) as refused:
        dg.materialize([using("lake")], resources={"lake": lake}, run_config=run_config)
    assert "lake.lake_bucket is 'retail-lake' in the settings, run config gave 'someone-elses-bucket'" in str(
        refused.value.__cause__
    )


def test_the_sales_pipeline_refuses_a_moved_lake_before_any_step_runs(tmp_path):
    from retail_assets.definitions import defs

    job = defs.resolve_job_def("sales_pipeline")
    settings = get_settings()
    moved = {"landing_root": str(settings.landing_root), "lake_root": ELSEWHERE}
    run_config = {"resources": {"lake": {"config": moved}}}
    with dg.instance_for_test() as instance:
        result = job.execute_in_process(
            run_config=run_config, partition_key="2024-03-05", instance=instance, raise_on_error=False
        )
        assert not result.success
        assert instance.get_latest_materialization_event(dg.AssetKey(["raw", "sales"])) is None
    # The resources are set up before the first step: nothing started, and the failure names the field.
    assert not [event for event in result.all_events if event.event_type_value == "STEP_START"]
    (failure,) = [event for event in result.all_events if event.event_type_value == "RESOURCE_INIT_FAILURE"]
    assert f"lake.lake_root is '{settings.lake_root}' in the settings, run config gave '{ELSEWHERE}'" in (
        failure.event_specific_data.error.message
    )
