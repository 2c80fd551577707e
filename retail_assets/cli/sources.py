"""`sources`: the installed source recipes, and a recipe's preview on a file (how many rows map, the first failures)."""

import argparse
import sys
from collections import Counter
from pathlib import Path

from glue_scripts.recipes.loader import Recipe, RecipeError, installed_recipes, load_recipe
from glue_scripts.recipes.mapping import map_object
from glue_scripts.sales_contract import recipe_reason

FAILURES_SHOWN = 10


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register `sources list` and `sources check RECIPE FILE`."""
    parser = subparsers.add_parser("sources", help="source recipes: list them, preview one on a file")
    commands = parser.add_subparsers(dest="sources_command", required=True)
    listing = commands.add_parser("list", help="the installed recipes: name, the objects they apply to, format")
    listing.set_defaults(func=run_list)
    check = commands.add_parser("check", help="map a file with a recipe: rows that map, the first failures")
    check.add_argument("recipe", metavar="RECIPE", help="an installed recipe's name, or a recipe YAML file")
    check.add_argument("file", type=Path, metavar="FILE", help="a file in the source's own format")
    check.add_argument("--show", type=int, default=FAILURES_SHOWN, help=f"failures to print (default {FAILURES_SHOWN})")
    check.set_defaults(func=run_check)
    return parser


def resolve_recipe(name_or_path: str) -> Recipe:
    """An installed recipe by name, or a recipe file by path; RecipeError otherwise."""
    recipes = installed_recipes()
    if name_or_path in recipes:
        return recipes[name_or_path]
    if name_or_path.endswith((".yaml", ".yml")) or "/" in name_or_path:
        return load_recipe(Path(name_or_path))
    raise RecipeError(name_or_path, "(name)", f"no such recipe; installed: {', '.join(sorted(recipes)) or 'none'}")


def run_list(args: argparse.Namespace) -> int:
    """Print one line per installed recipe."""
    for recipe in installed_recipes().values():
        where = recipe.key_in_day(recipe.spec.applies_to.pattern)
        print(f"{recipe.name:<24} sales/<day>/{where:<28} {recipe.spec.format.kind:<12} {recipe.sha256[:12]}")
        if recipe.spec.description:
            print(f"    {recipe.spec.description}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    """Map the file and print counts, failures by step and the first failures; 1 if any row fails, 2 on errors."""
    try:
        recipe = resolve_recipe(args.recipe)
        data = args.file.read_bytes()
    except RecipeError as error:
        print(f"sources check: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"sources check: {args.file}: cannot read it: {error.strerror}", file=sys.stderr)
        return 2
    rows = failed = 0
    by_step, shown = Counter(), []
    for row in map_object(recipe, data):
        rows += 1
        if row.failed_step is not None:
            failed += 1
            by_step[recipe_reason(recipe.name, row.failed_step)] += 1
            if len(shown) < args.show:
                shown.append(f"  line {row.line_number}: step {row.failed_step}: {row.failure}")
    print(
        f"recipe {recipe.name} ({recipe.sha256[:12]}) on {args.file}: {rows:,} rows, {rows - failed:,} map, {failed:,} fail"
    )
    for reason, count in sorted(by_step.items()):
        print(f"  {reason}: {count:,}")
    if shown:
        print(f"first {len(shown)} failures:")
        print("\n".join(shown))
    return 1 if failed else 0
