"""The source recipe file format: pydantic models of the YAML, each key checked where it is read.

The README's "Sources" section documents every key with a worked example. Cross-key rules (a required contract
column left unmapped, a reference to a source column the format does not declare) are checked by the loader.
"""

import codecs
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from glue_scripts.sales_contract import business_zone

RECIPE_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
# strftime directives datetime.strptime understands; anything else after a '%' is a mistake in the recipe.
_DIRECTIVES = set("aAwdbBmyYHIpMSfzZjUWcxXGuV%")
_DATE_DIRECTIVES = ({"Y", "y"}, {"m", "b", "B"}, {"d"})
_TIME_DIRECTIVES = set("HIMSXcT")
_DIRECTIVE = re.compile(r"%(.?)")


class _Strict(BaseModel):
    """Unknown keys are refused: a typo must not silently turn a setting off."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _encoding(name: str) -> str:
    """A text encoding Python knows (utf-8, utf-8-sig, latin-1, cp1252, utf-16 ...), as given."""
    try:
        info = codecs.lookup(name)
    except LookupError as error:
        raise ValueError(f"unknown encoding {name!r} (e.g. utf-8, utf-8-sig, latin-1, cp1252, utf-16)") from error
    if not getattr(info, "_is_text_encoding", True):
        raise ValueError(f"{name!r} is not a text encoding")
    return name


class _TextFormat(_Strict):
    """What every text format shares: its encoding and how decimals are written."""

    encoding: str = "utf-8"
    decimal_comma: bool = False  # "3,49": the comma is the decimal separator of quantity, prices, discount

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        return _encoding(value)


class CsvFormat(_TextFormat):
    """Delimited text: one record per line (a quoted field may hold a line break)."""

    kind: Literal["csv"]
    delimiter: str = Field(",", min_length=1, max_length=1)
    quote: str = Field('"', min_length=1, max_length=1)
    header: bool = True
    columns: list[str] | None = None  # the names of the fields, in order, when the file has no header

    @model_validator(mode="after")
    def _named(self) -> "CsvFormat":
        if not self.header and not self.columns:
            raise ValueError("a CSV without a header needs columns: the names of its fields, in order")
        return self


class FixedWidthColumn(_Strict):
    """One field of a fixed-width line: 1-based start and width in characters."""

    name: str = Field(min_length=1)
    start: int = Field(ge=1)
    width: int = Field(ge=1)


class FixedWidthFormat(_TextFormat):
    """Fixed-width text: every field at the same character positions on every line."""

    kind: Literal["fixed_width"]
    columns: list[FixedWidthColumn] = Field(min_length=1)
    skip_lines: int = Field(0, ge=0)  # title and header lines before the data


class WhitespaceFormat(_TextFormat):
    """Whitespace-aligned text: fields separated by runs of spaces or tabs (so no field holds a space)."""

    kind: Literal["whitespace"]
    header: bool = True
    columns: list[str] | None = None

    @model_validator(mode="after")
    def _named(self) -> "WhitespaceFormat":
        if not self.header and not self.columns:
            raise ValueError("whitespace-aligned text without a header needs columns: the names of its fields")
        return self


class JsonLinesFormat(_TextFormat):
    """JSON Lines: one object per line; a column's `from` is a dotted path into it (customer.id, items.0.sku)."""

    kind: Literal["jsonl"]


class ParquetFormat(_Strict):
    """Parquet: a column's `from` is a column name, or a dotted path into a struct column."""

    kind: Literal["parquet"]


Format = Annotated[
    CsvFormat | FixedWidthFormat | WhitespaceFormat | JsonLinesFormat | ParquetFormat, Field(discriminator="kind")
]


class Divide(_Strict):
    """A value derived from two others: numerator / denominator, rounded half-up to `places` decimals."""

    numerator: str
    denominator: str
    places: int = Field(4, ge=0, le=4)
    # A zero denominator fails the row, or gives the numerator itself (a line of quantity 0 keeps its total as
    # unit price and reaches the cleaning's zero_quantity rule, as the pre-converted Complete Journey file does).
    on_zero: Literal["fail", "numerator"] = "fail"


class Concat(_Strict):
    """Source columns joined into one value."""

    fields: list[str] = Field(min_length=2)
    separator: str = ""


class ColumnRule(_Strict):
    """How one contract column gets its value: exactly one of from, constant, concat, divide; then an optional map."""

    from_: str | None = Field(None, alias="from", min_length=1)
    constant: str | None = None
    concat: Concat | None = None
    divide: Divide | None = None
    map: dict[str, str] | None = None  # value map: every non-empty value must be a key ("Y" -> "true")

    @model_validator(mode="after")
    def _one_source(self) -> "ColumnRule":
        given = [key for key in ("from_", "constant", "concat", "divide") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of from, constant, concat, divide")
        return self

    def source_fields(self) -> list[str]:
        """The source columns this rule reads."""
        if self.from_ is not None:
            return [self.from_]
        if self.concat is not None:
            return list(self.concat.fields)
        if self.divide is not None:
            return [self.divide.numerator, self.divide.denominator]
        return []


def _check_time_format(pattern: str) -> str:
    """A strptime format with a full date (year, month, day); ValueError naming the bad directive."""
    directives = set(_DIRECTIVE.findall(pattern))
    unknown = sorted(d for d in directives if d not in _DIRECTIVES)
    if unknown:
        raise ValueError(f"{pattern!r}: unknown strftime directive(s) {', '.join('%' + d for d in unknown)}")
    if "j" not in directives and not all(directives & group for group in _DATE_DIRECTIVES):
        raise ValueError(f"{pattern!r}: needs a year, a month and a day (%Y or %y, %m or %b, %d) or %Y and %j")
    return pattern


def has_time(pattern: str) -> bool:
    """Whether a format reads a time of day (otherwise the default time applies)."""
    return bool(set(_DIRECTIVE.findall(pattern)) & _TIME_DIRECTIVES)


class Timestamps(_Strict):
    """How sold_at is read: strptime formats tried in order (none: ISO 8601), the default time and the zone."""

    formats: list[Annotated[str, AfterValidator(_check_time_format)]] = Field(default_factory=list)
    default_time: str | None = Field(None, pattern=r"^\d{2}:\d{2}(:\d{2})?$")  # for a format without a time
    timezone: str | None = None  # the source's zone for values without an offset (none: the business zone)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        if name is not None:
            business_zone(name)  # the contract's one reading of a zone name; ValueError names it
        return name

    @model_validator(mode="after")
    def _default_time_when_needed(self) -> "Timestamps":
        if any(not has_time(pattern) for pattern in self.formats) and self.default_time is None:
            raise ValueError("a format without a time of day needs default_time (e.g. '12:00:00')")
        return self


class ReturnsByPrefix(_Strict):
    """Returns are the rows whose `field` starts with `prefix` (an invoice such as C536379)."""

    field: str
    prefix: str = Field(min_length=1)


class ReturnsByFlag(_Strict):
    """Returns are the rows whose `field` holds one of `values` (a separate flag column)."""

    field: str
    values: list[str] = Field(min_length=1)


class Returns(_Strict):
    """A sign convention: the quantity of a return is made negative (positive and negative landed alike)."""

    by_prefix: ReturnsByPrefix | None = None
    by_flag: ReturnsByFlag | None = None

    @model_validator(mode="after")
    def _one_convention(self) -> "Returns":
        if (self.by_prefix is None) == (self.by_flag is None):
            raise ValueError("give exactly one of by_prefix, by_flag")
        return self

    def source_fields(self) -> list[str]:
        """The source column that marks a return."""
        return [(self.by_prefix or self.by_flag).field]


class AppliesTo(_Strict):
    """The landing objects a recipe reads: a glob on the file name, optionally inside a source folder of the day."""

    folder: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    pattern: str = Field("*", min_length=1)


class RecipeSpec(_Strict):
    """A whole recipe file."""

    name: str = Field(pattern=RECIPE_NAME_PATTERN)
    description: str = ""
    applies_to: AppliesTo
    format: Format
    columns: dict[str, ColumnRule]
    timestamps: Timestamps = Field(default_factory=Timestamps)
    returns: Returns | None = None
