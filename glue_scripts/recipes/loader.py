"""Loading source recipes: YAML validated against the schema, errors naming the file and the key.

The installed recipes are the YAML files of glue_scripts/recipes/library/; they travel inside the glue_scripts
package (the zip Glue imports), so the ingest job finds the same recipes on Glue and locally.
"""

import fnmatch
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from glue_scripts.recipes.records import field_key
from glue_scripts.recipes.schema import (
    CsvFormat,
    FixedWidthFormat,
    RecipeSpec,
    WhitespaceFormat,
)
from glue_scripts.sales_contract import CONTRACT_COLUMN_NAMES, REQUIRED_COLUMN_NAMES

LIBRARY_PACKAGE = "glue_scripts.recipes.library"


class RecipeError(ValueError):
    """A recipe that cannot be used: the message names the file, the key and the mistake."""

    def __init__(self, source: str, key: str, problem: str):
        self.source, self.key, self.problem = source, key, problem
        super().__init__(f"{source}: {key}: {problem}")


@dataclass(frozen=True)
class Recipe:
    """A validated recipe with what raw records about it: its name and the SHA-256 of its file."""

    spec: RecipeSpec
    sha256: str
    source: str  # the file it was read from

    @property
    def name(self) -> str:
        """The recipe's name (also its file's stem)."""
        return self.spec.name

    def applies_to(self, key_in_day: str) -> bool:
        """Whether a landing object, by its key below the day folder, is read with this recipe."""
        folder, _, name = key_in_day.rpartition("/")
        wanted = self.spec.applies_to
        return (folder or None) == wanted.folder and fnmatch.fnmatchcase(name, wanted.pattern)

    def key_in_day(self, file_name: str) -> str:
        """Where `land --source` puts a file of this source below the day folder."""
        return f"{self.spec.applies_to.folder}/{file_name}" if self.spec.applies_to.folder else file_name


def parse_recipe(text: bytes, source: str) -> Recipe:
    """A recipe from the bytes of its YAML file; RecipeError naming source and the key at fault."""
    try:
        document = yaml.safe_load(text.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise RecipeError(source, "(file)", f"not a YAML document: {error}") from error
    if not isinstance(document, dict):
        raise RecipeError(source, "(file)", "expected a mapping of keys (name, applies_to, format, columns, ...)")
    try:
        spec = RecipeSpec.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        raise RecipeError(source, _key(first["loc"]), first["msg"]) from error
    _check_columns(spec, source)
    return Recipe(spec, hashlib.sha256(text).hexdigest(), source)


def load_recipe(path: Path) -> Recipe:
    """A recipe from its file; the name inside must be the file's stem, so `--source NAME` finds it."""
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise RecipeError(str(path), "(file)", f"cannot read it: {error.strerror}") from error
    recipe = parse_recipe(text, str(path))
    if recipe.name != Path(path).stem:
        raise RecipeError(str(path), "name", f"{recipe.name!r} differs from the file name {Path(path).stem!r}")
    return recipe


@lru_cache(maxsize=1)
def installed_recipes() -> dict[str, Recipe]:
    """Every recipe of the library by name, read once from the package (a directory locally, the zip on Glue)."""
    recipes = {}
    for entry in sorted(resources.files(LIBRARY_PACKAGE).iterdir(), key=lambda entry: entry.name):
        if entry.name.endswith(".yaml"):
            recipe = parse_recipe(entry.read_bytes(), f"glue_scripts/recipes/library/{entry.name}")
            if recipe.name != entry.name.removesuffix(".yaml"):
                raise RecipeError(recipe.source, "name", f"{recipe.name!r} differs from the file name")
            recipes[recipe.name] = recipe
    return recipes


def recipe_for(key_in_day: str, recipes: dict[str, Recipe]) -> Recipe | None:
    """The one recipe that applies to a landing object, None if none does; ValueError if several do."""
    matching = [recipe for recipe in recipes.values() if recipe.applies_to(key_in_day)]
    if len(matching) > 1:
        raise ValueError(f"{key_in_day}: recipes {[r.name for r in matching]} all apply; make their patterns disjoint")
    return matching[0] if matching else None


def _key(loc: tuple) -> str:
    """A pydantic error location as the recipe's key: format.encoding, columns.unit_price.from, formats[0]."""
    parts: list[str] = []
    for index, part in enumerate(loc):
        if index == 1 and loc[0] == "format" and isinstance(part, str) and part.islower():
            continue  # the format kind pydantic's tagged union inserts: not a key of the file
        if isinstance(part, int):
            parts[-1] += f"[{part}]"
        else:
            parts.append("from" if part == "from_" else str(part))
    return ".".join(parts) or "(file)"


def _check_columns(spec: RecipeSpec, source: str) -> None:
    """Rules across keys: contract columns only, every required one mapped, sources the format declares."""
    for name in spec.columns:
        if name not in CONTRACT_COLUMN_NAMES:
            raise RecipeError(
                source, f"columns.{name}", f"unknown column: the contract has {list(CONTRACT_COLUMN_NAMES)}"
            )
    for name in REQUIRED_COLUMN_NAMES:
        if name not in spec.columns:
            raise RecipeError(source, "columns", f"the required contract column {name} is not mapped")
    declared = declared_fields(spec)
    if declared is None:
        return  # named by the file itself (a header, JSON keys, a Parquet schema): checked when it is read
    references = [(f"columns.{name}", rule.source_fields()) for name, rule in spec.columns.items()]
    if spec.returns is not None:
        references.append(("returns", spec.returns.source_fields()))
    for key, fields in references:
        for field in fields:
            if field_key(field) not in {field_key(name) for name in declared}:
                raise RecipeError(source, key, f"unknown column {field!r}: format.columns declares {declared}")


def declared_fields(spec: RecipeSpec) -> list[str] | None:
    """The source field names the format declares, or None when the file names them itself."""
    fmt = spec.format
    if isinstance(fmt, FixedWidthFormat):
        return [column.name for column in fmt.columns]
    if isinstance(fmt, (CsvFormat, WhitespaceFormat)) and not fmt.header:
        return list(fmt.columns)
    return None
