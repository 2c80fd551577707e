"""The mapping steps of a recipe: one record's source fields as the landing contract's columns.

Steps run in order: format (the record parsed), columns.<name> (rename, constant, concat, divide, map; decimal
comma), timestamps (sold_at as ISO 8601), returns (the sign convention). The first step that cannot map a record
names the failure; the cleaning quarantines the row with a reason naming the recipe and that step. A value that
maps but breaks a cleaning rule (an empty store_id, a negative price) is left for the cleaning to judge.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from glue_scripts.recipes.loader import Recipe
from glue_scripts.recipes.records import Record, field_key, field_value, landed_text, read_records
from glue_scripts.recipes.schema import ColumnRule, JsonLinesFormat, ParquetFormat, RecipeSpec
from glue_scripts.recipes.timestamps import TimestampError, to_iso
from glue_scripts.sales_contract import CONTRACT_COLUMN_NAMES

NUMERIC_COLUMNS = ("quantity", "unit_price", "discount")
FORMAT_STEP, TIMESTAMPS_STEP, RETURNS_STEP = "format", "timestamps", "returns"


class StepError(ValueError):
    """A record a step cannot map; the message says why, the step where."""

    def __init__(self, step: str, message: str):
        self.step = step
        super().__init__(message)


@dataclass(frozen=True)
class MappedRecord:
    """A record with its contract values, or the step that failed and why (then values are all None)."""

    line_number: int
    source_record: str
    values: dict[str, str | None]
    failed_step: str | None = None
    failure: str | None = None


def map_object(recipe: Recipe, data: bytes) -> Iterator[MappedRecord]:
    """Every record of a landing object mapped by the recipe, in order."""
    missing = None
    for record in read_records(recipe.spec, data):
        if missing is None and record.fields is not None:
            missing = missing_fields(recipe.spec, record)  # the first parsed record shows the file's columns
        yield map_record(recipe.spec, record, missing or [])


def missing_fields(spec: RecipeSpec, record: Record) -> list[str]:
    """Source columns the recipe reads that a tabular file does not have (nested formats: none can be missing)."""
    if _nested(spec):
        return []
    wanted = [field for rule in spec.columns.values() for field in rule.source_fields()]
    wanted += spec.returns.source_fields() if spec.returns else []
    return sorted({field for field in wanted if field_key(field) not in record.fields})


def map_record(spec: RecipeSpec, record: Record, missing: list[str] = ()) -> MappedRecord:
    """One record through every step; the first failure stops it."""
    text = landed_text(record.text)
    try:
        if record.error is not None:
            raise StepError(FORMAT_STEP, record.error)
        if missing:
            raise StepError(FORMAT_STEP, f"the file has no column {', '.join(missing)}")
        values = {name: None for name in CONTRACT_COLUMN_NAMES}
        for name, rule in spec.columns.items():
            values[name] = _column(spec, record, name, rule)
        values["sold_at"] = _timestamp(spec, values["sold_at"])
        if spec.returns is not None and _is_return(spec, record):
            values["quantity"] = _negated(values["quantity"])
    except StepError as error:
        return MappedRecord(record.line_number, text, dict.fromkeys(CONTRACT_COLUMN_NAMES), error.step, str(error))
    return MappedRecord(record.line_number, text, values)


def sold_at_of(spec: RecipeSpec, record: Record) -> str | None:
    """The record's sold_at as ISO 8601 (None when empty): the only steps its business day depends on."""
    if record.error is not None:
        raise StepError(FORMAT_STEP, record.error)
    return _timestamp(spec, _column(spec, record, "sold_at", spec.columns["sold_at"]))


def _timestamp(spec: RecipeSpec, value: str | None) -> str | None:
    """sold_at through the timestamps step; an empty one stays empty for the cleaning (missing_sold_at)."""
    if value is None or not value.strip():
        return value
    try:
        return to_iso(value, spec.timestamps)
    except TimestampError as error:
        raise StepError(TIMESTAMPS_STEP, str(error)) from error


def _nested(spec: RecipeSpec) -> bool:
    """Whether `from` is a dotted path into nested values rather than a column name."""
    return isinstance(spec.format, (JsonLinesFormat, ParquetFormat))


def _field(spec: RecipeSpec, record: Record, step: str, reference: str) -> str | None:
    """A source field's text; StepError naming step when it is not a plain value."""
    try:
        return field_value(record, reference, _nested(spec))
    except (ValueError, TypeError) as error:
        raise StepError(step, str(error)) from error


def _column(spec: RecipeSpec, record: Record, name: str, rule: ColumnRule) -> str | None:
    """One contract column's value by its rule (step columns.<name>)."""
    step = f"columns.{name}"
    if rule.constant is not None:
        value = rule.constant
    elif rule.from_ is not None:
        value = _field(spec, record, step, rule.from_)
    elif rule.concat is not None:
        parts = [_field(spec, record, step, field) for field in rule.concat.fields]
        value = rule.concat.separator.join(part or "" for part in parts)
    else:
        return _divide(spec, record, step, rule)
    if rule.map is not None and value is not None and value.strip():
        if value.strip() not in rule.map:
            raise StepError(step, f"{value!r} is not a key of the value map {sorted(rule.map)}")
        value = rule.map[value.strip()]
    if name in NUMERIC_COLUMNS and value is not None:
        value = _decimal_text(spec, step, value)
    return value


def _decimal_text(spec: RecipeSpec, step: str, value: str) -> str:
    """A number as the contract writes it: with decimal_comma, '3,49' is 3.49 (and '1.234,5' is refused)."""
    if not getattr(spec.format, "decimal_comma", False):
        return value
    if "." in value:
        raise StepError(step, f"{value!r} holds a '.', but the decimal separator of this source is ','")
    return value.replace(",", ".")


def _number(spec: RecipeSpec, record: Record, step: str, reference: str) -> Decimal:
    """A source field read as an exact decimal number."""
    text = _decimal_text(spec, step, _field(spec, record, step, reference) or "")
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise StepError(step, f"{reference} {text!r} is not a number")
    return number


def _divide(spec: RecipeSpec, record: Record, step: str, rule: ColumnRule) -> str:
    """numerator / denominator rounded half-up to the rule's places (for example unit price = total / quantity)."""
    divide = rule.divide
    numerator = _number(spec, record, step, divide.numerator)
    denominator = _number(spec, record, step, divide.denominator)
    if denominator == 0:
        if divide.on_zero == "fail":
            raise StepError(step, f"{divide.denominator} is 0, so {divide.numerator} cannot be divided by it")
        quotient = numerator
    else:
        with localcontext() as context:
            context.prec = 60  # far past DECIMAL(18,4): the one rounding is the half-up one below
            quotient = numerator / denominator
    return format(quotient.quantize(Decimal(1).scaleb(-divide.places), rounding=ROUND_HALF_UP), "f")


def _is_return(spec: RecipeSpec, record: Record) -> bool:
    """Whether the record is a return by the recipe's sign convention (step returns)."""
    returns = spec.returns
    marker = (_field(spec, record, RETURNS_STEP, (returns.by_prefix or returns.by_flag).field) or "").strip()
    if returns.by_prefix is not None:
        return marker.startswith(returns.by_prefix.prefix)
    return marker in returns.by_flag.values


def _negated(quantity: str | None) -> str | None:
    """A return's quantity, negative whatever sign it landed with; an empty one stays for the cleaning."""
    if quantity is None or not quantity.strip():
        return quantity
    try:
        number = Decimal(quantity.strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise StepError(RETURNS_STEP, f"quantity {quantity!r} is not a whole number, so it cannot be made negative")
    return str(-abs(int(number)))
