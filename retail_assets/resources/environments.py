"""The one place RETAIL_ENV picks backends; resource keys are the same in every environment."""

from typing import Any

from retail_assets.resources.athena import LocalAthena
from retail_assets.resources.catalog import LocalCrawler
from retail_assets.resources.glue import LocalGlueJobs
from retail_assets.resources.lake import LocalLake
from retail_assets.resources.warehouse import LocalWarehouse
from retail_assets.settings import Settings


def local_resources(settings: Settings) -> dict[str, Any]:
    """Every backend on this machine: directories, local Spark, DuckDB and a real PostgreSQL."""
    return {
        "lake": LocalLake(landing_root=str(settings.landing_root), lake_root=str(settings.lake_root)),
        "glue": LocalGlueJobs(),
        "crawler": LocalCrawler(catalog_path=str(settings.catalog_path)),
        "athena": LocalAthena(catalog_path=str(settings.catalog_path)),
        "warehouse": LocalWarehouse(retail_home=str(settings.home)),
    }


RESOURCES_BY_ENV = {"local": local_resources}


def resources_for(settings: Settings) -> dict[str, Any]:
    """The resources of settings.env."""
    return RESOURCES_BY_ENV[settings.env](settings)
