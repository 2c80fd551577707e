"""Resource fields that say where data lives keep the values the definitions gave them: run config cannot move them."""

import os
from typing import Any, ClassVar

import dagster as dg

from retail_assets.redaction import redact


class PinnedFieldError(ValueError):
    """Run config gave a pinned resource field a value other than the settings' one."""


class PinnedFields(dg.ConfigurableResource):
    """A resource whose `pinned` fields (paths, buckets, addresses) come from the settings, never from run config.

    Dagster offers every field of a resource in the Launchpad, with the definitions' value as the default; a run
    config can replace it. These fields decide where a run reads and writes (and where the warehouse URL or a CA
    bundle points), so a run whose config moves one is refused before any step runs.
    """

    pinned: ClassVar[tuple[str, ...]] = ()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        refuse_moved_fields(self, context)
        super().setup_for_execution(context)


def refuse_moved_fields(resource: PinnedFields, context: dg.InitResourceContext) -> None:
    """Raise PinnedFieldError naming each pinned field whose value is not the one the definitions gave."""
    try:
        definition = context.resource_def
    except dg.DagsterInvariantViolationError:
        # Set up outside a run (the CLI's warehouse-url, build_init_resource_context): no run config to refuse.
        return
    # A nested resource (the lake inside the crawler) is set up under its parent's definition and always with
    # the values it was built with: run config cannot reach it, and the parent's defaults are not its own.
    if getattr(definition, "configurable_resource_cls", None) is not type(resource):
        return
    schema = definition.config_schema
    given = schema.default_value if schema.default_provided else {}
    key = _resource_key(context)
    moved = []
    for name in resource.pinned:
        expected = _resolved(given[name]) if name in given else type(resource).model_fields[name].default
        actual = getattr(resource, name)
        if actual != expected:
            moved.append(f"{key}.{name} is {_shown(expected)} in the settings, run config gave {_shown(actual)}")
    if moved:
        raise PinnedFieldError(
            "run config may not change where a run reads or writes: "
            + "; ".join(moved)
            + ". Remove these fields from the run config (they come from RETAIL_* settings)."
        )


def _resolved(value: Any) -> Any:
    """A code-given config value as the resource sees it: an EnvVar ({'env': NAME}) is the variable's value."""
    if isinstance(value, dict) and set(value) == {"env"}:
        return os.environ.get(value["env"])
    return value


def _resource_key(context: dg.InitResourceContext) -> str:
    """The resource key this definition is bound to in the run, for the message."""
    keys = [key for key, definition in context.all_resource_defs.items() if definition is context.resource_def]
    return keys[0] if keys else type(context.resource_def).__name__


def _shown(value: Any) -> str:
    """A value for an error message, with any connection-string password hidden."""
    return redact(repr(value))
