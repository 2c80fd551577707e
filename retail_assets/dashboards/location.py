"""Where the dashboard file lives: the lake's reports/dashboard/ folder, locally and on S3 alike."""

import uuid

from retail_assets.defs.resources.lake import Lake
from retail_assets.defs.resources.report_exports import EXPORTS_PREFIX

DASHBOARD_FILE = "sales.html"


def dashboard_path(lake: Lake) -> str:
    """Filesystem path of the dashboard page."""
    return f"{lake.lake_base()}/{EXPORTS_PREFIX}/dashboard/{DASHBOARD_FILE}"


def write_dashboard(lake: Lake, page: bytes) -> str:
    """Write the page (whole, then renamed into place: a reader never opens half of it); return its URI."""
    path = dashboard_path(lake)
    filesystem = lake.filesystem()
    folder = path.rsplit("/", 1)[0]
    filesystem.create_dir(folder)
    partial = f"{folder}/_partial-{uuid.uuid4().hex}.html"
    with filesystem.open_output_stream(partial) as stream:
        stream.write(page)
    filesystem.move(partial, path)
    return lake.uri(path)
