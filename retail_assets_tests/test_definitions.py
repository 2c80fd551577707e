"""The code location loads offline, starts nothing, and has exactly DESIGN.md's lineage."""

import json
import os
import subprocess
import sys
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


def test_workspace_graph_has_exactly_the_design_edges():
    with (
        dg.instance_for_test() as instance,
        WorkspaceProcessContext(
            instance, WorkspaceFileTarget(paths=[str(PROJECT_ROOT / "workspace.yaml")])
        ) as workspace,
    ):
        request = workspace.create_request_context()
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
    }
    assert [schedule["name"] for schedule in found["schedules"]] == ["daily_at_0800"]
