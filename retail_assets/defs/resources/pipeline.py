"""The pipeline's own settings as a resource, so that checks and models get them through a field, not at run time."""

import dagster as dg

# The key under which a checked frame carries the business time zone to the pandera models (DataFrame.attrs).
BUSINESS_TIMEZONE_ATTR = "business_timezone"


class PipelineSettings(dg.ConfigurableResource):
    """What a business day is, and how much quarantine blocks a day; the same in every environment."""

    business_timezone: str
    quarantine_error_rate: float
