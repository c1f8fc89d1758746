"""``gan-studio train --recipe``: the recipe chosen from the data (core/recipes.py), shown and applied.

By default (``--recipe`` not given) a recipe applies when training starts from the default
preset without a config file; ``--recipe NAME`` applies one whatever the preset, ``--recipe none``
none. Options given on the command line win over the recipe's values.
"""

from __future__ import annotations

import argparse
import sys

from ..core.config import RunConfig
from ..core.recipes import AUTOMATIC, NONE, RECIPES, DataFacts, apply_recipe, describe, resolve


def add_recipe_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--recipe", choices=[AUTOMATIC, NONE, *RECIPES],
        help="settings chosen from the data's count, size and channels (default: auto with the default "
             "preset, none otherwise); options given here win over the recipe's")


def explicit_keys(overrides: dict[tuple[str, str], object]) -> set[str]:
    """The dotted config keys the user set on the command line."""
    return {f"{section}.{name}" for (section, name), value in overrides.items() if value is not None}


def apply_chosen_recipe(config: RunConfig, args: argparse.Namespace, keep: set[str]):
    """(config with the recipe applied, the loaded dataset when the trainer can reuse it, else None)."""
    choice = args.recipe
    if choice is None:
        choice = AUTOMATIC if config.preset == "default" and not args.config else NONE
    if choice == NONE:
        return config, None
    from ..core.data import load_dataset

    dataset = load_dataset(config.data)
    facts = DataFacts.of(dataset.images, dataset.num_classes)
    recipe = resolve(choice, facts)
    chosen = apply_recipe(config, recipe, facts, keep)
    if not args.quiet:
        print(f"Recipe: {describe(recipe, facts, chosen)} (--recipe none: the preset as it is)", file=sys.stderr)
    return chosen, dataset if chosen.data == config.data else None
