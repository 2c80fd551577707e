"""The code location loads offline, starts nothing, and has exactly DESIGN.md's lineage."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

from retail_assets.settings import PROJECT_ROOT

DESIGN_EDGES = {
    ("landing/sales", "raw/sales"),
    ("landing/api_sales", "raw/sales"),  # the sales API source (README, "Sources"): external until configured
    ("raw/sales", "cleaned/sales"),
    ("raw/sales", "quarantine/sales"),
    ("cleaned/sales", "final/daily_sales"),
    ("final/daily_sales", "aurora/daily_sales"),
}
# Purchase propensity (issue 15), its own code location: features and the model from cleaned, scores from the
# accepted model.
PROPENSITY_EDGES = {
    ("cleaned/sales", "features/customer_features"),
    ("cleaned/sales", "models/purchase_propensity"),
    ("models/purchase_propensity", "models/purchase_propensity_accepted"),
    ("features/customer_features", "aurora/customer_propensity"),
    ("models/purchase_propensity_accepted", "aurora/customer_propensity"),
}
# Below final and Aurora (issue 13): the report tables and the dashboard.
REPORT_EDGES = {
    ("cleaned/sales", "final/sales_by_day"),
    *(("final/daily_sales", f"final/{dimension}_sales_monthly") for dimension in ("brand", "category", "store")),
    ("final/daily_sales", "final/top_products_monthly"),
    ("aurora/daily_sales", "dashboards/sales"),
    ("final/sales_by_day", "dashboards/sales"),
    ("final/brand_sales_monthly", "dashboards/sales"),
}

# Loads the definitions in a fresh interpreter where opening a socket or starting a process raises.
# dagster itself is imported first: its vendored croniter runs `getconf` at import, which is not ours.
NO_SIDE_EFFECTS = """
import os, socket, subprocess
import dagster as dg
def refuse(*args, **kwargs):
    raise AssertionError("definitions touched the network or started a process")
socket.socket.connect = refuse
socket.create_connection = refuse
subprocess.Popen.__init__ = refuse
os.fork = refuse
os.posix_spawn = refuse
from retail_assets.definitions import defs
dg.Definitions.validate_loadable(defs)
defs.resolve_job_def("sales_pipeline")
defs.resolve_implicit_global_asset_job_def()
print("loaded", len(list(defs.resolve_asset_graph().get_all_asset_keys())))
from retail_assets.propensity_definitions import defs as propensity
dg.Definitions.validate_loadable(propensity)
propensity.resolve_job_def("propensity_pipeline")
print("propensity", len(list(propensity.resolve_asset_graph().get_all_asset_keys())))
"""


def test_definitions_load_without_network_or_processes(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "RETAIL_HOME": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", NO_SIDE_EFFECTS], check=False, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT
    )
    assert result.returncode == 0, result.stderr
    assert "loaded 13" in result.stdout  # main's twelve and landing/api_sales, the external source upstream of raw
    assert "propensity 5" in result.stdout  # its four assets, and cleaned/sales as its upstream
    assert not any(tmp_path.iterdir()), "loading definitions wrote under RETAIL_HOME"


def test_local_definitions_do_not_import_the_model_or_aws_libraries(tmp_path):
    # Every run and `dagster` command loads them: xgboost, scikit-learn and dagster-aws cost it about 1.6 s.
    probe = (
        "import sys\nfrom retail_assets.definitions import defs\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'xgboost', 'sklearn', 'dagster_aws'}))"
    )
    env = {"PATH": "/usr/bin:/bin", "RETAIL_HOME": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", probe], check=False, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@contextmanager
def loaded_workspace() -> Iterator:
    """The code location as `dagster dev` loads it through workspace.yaml (a code server process)."""
    with (
        dg.instance_for_test() as instance,
        WorkspaceProcessContext(
            instance, WorkspaceFileTarget(paths=[str(PROJECT_ROOT / "workspace.yaml")])
        ) as workspace,
    ):
        yield workspace.create_request_context()


def test_workspace_graph_has_exactly_the_design_edges():
    with loaded_workspace() as request:
        assert request.get_code_location_error("retail_assets.definitions") is None
        assert request.get_code_location_error("retail_assets.propensity_definitions") is None
        graph = request.asset_graph
        edges = {
            (parent.to_user_string(), key.to_user_string())
            for key in graph.get_all_asset_keys()
            for parent in graph.get(key).parent_keys
        }
        checks = {key.to_user_string() for key in graph.asset_check_keys}
    assert edges == DESIGN_EDGES | REPORT_EDGES | PROPENSITY_EDGES
    assert {"cleaned/sales:rows_conserved", "raw/sales:landing_day_has_objects"} <= checks


# final/daily_sales's columns and the cleaned/sales columns each is computed from, as DESIGN.md defines them.
FINAL_LINEAGE = {
    **{name: {name} for name in ("store_id", "product_id", "product_name", "category", "brand", "business_date")},
    "units_sold": {"quantity"},
    "units_returned": {"quantity"},
    "gross_revenue": {"quantity", "line_amount"},
    "returns_amount": {"quantity", "line_amount"},
    "net_revenue": {"line_amount"},
    "transactions": {"transaction_id"},
    "customers": {"customer_id"},
}
SALES_ASSETS = {edge for pair in DESIGN_EDGES for edge in pair}


def test_workspace_assets_carry_zone_kinds_owners_description_and_code_reference():
    with loaded_workspace() as request:
        graph = request.asset_graph
        nodes = {key.to_user_string(): graph.get(key) for key in graph.get_all_asset_keys()}
    sales = {name: node for name, node in nodes.items() if name in SALES_ASSETS}
    assert set(sales) == SALES_ASSETS
    for name, node in nodes.items():
        kinds = [tag for tag in node.tags if tag.startswith("dagster/kind/")]  # how Dagster stores kinds
        assert node.group_name and kinds and node.description, name
        assert len(node.description.splitlines()) == 1, name
        (reference,) = node.metadata["dagster/code_references"].code_references
        source = Path(reference.file_path)
        assert source.is_file() and PROJECT_ROOT in source.parents, name
    for name, node in sales.items():
        assert node.group_name == name.split("/")[0] and node.owners, name  # the zone is the group
    lineage = nodes["final/daily_sales"].metadata["dagster/column_lineage"].value
    assert {
        column: {dep.column_name for dep in deps} for column, deps in lineage.deps_by_column.items()
    } == FINAL_LINEAGE
    assert {dep.asset_key for deps in lineage.deps_by_column.values() for dep in deps} == {
        dg.AssetKey(["cleaned", "sales"])
    }


def test_dagster_cli_validates_the_workspace(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        check=False,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dg_checks_and_lists_the_definitions(tmp_path):
    # The project is a dg project too ([tool.dg] in pyproject.toml): dg loads the same code location.
    dg_cli = str(Path(sys.executable).parent / "dg")
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "NO_COLOR": "1"}
    checked = subprocess.run(
        [dg_cli, "check", "defs"], check=False, capture_output=True, text=True, cwd=PROJECT_ROOT, env=env
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All definitions loaded successfully" in checked.stdout
    listed = subprocess.run(
        [dg_cli, "list", "defs", "--json"], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, check=True
    )
    found = json.loads(listed.stdout)
    edges = {(parent, asset["asset_key"]) for asset in found["assets"] for parent in asset["dependency_keys"]}
    assert edges == DESIGN_EDGES | REPORT_EDGES
    assert sorted(job["name"] for job in found["jobs"]) == [
        "daily_reports",
        "monthly_reports",
        "sales_dashboard",
        "sales_pipeline",
    ]
    assert {sensor["name"] for sensor in found["sensors"]} == {
        "landing_sensor",
        "run_failure_alert",
        "report_automation",
        "heal_blocked_ranges",
        "daily_sales_deadline_alert",
    }
    assert [schedule["name"] for schedule in found["schedules"]] == ["daily_at_0800"]
