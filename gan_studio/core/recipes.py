"""Recipes: training settings chosen from the data's facts (count, image size, channels).

    facts = DataFacts(count=1300, size=32, channels=3)
    recipe = choose_recipe(facts)            # "small colour set"
    config = apply_recipe(config, recipe, facts)
    print(describe(recipe, facts))           # small colour set (1,300 images, 32 px RGB): DCGAN-32, ...

A recipe is a named set of config values on top of the default preset; the user sees it (the
command line prints it, the window's Setup panel shows it) and can choose another or none, and
any value set by hand wins over the recipe's. Torch-free: the window builds recipes.

Why these choices:

* Data like the built-in digits (grayscale, 3,000 images or more) keeps the default preset,
  which was tuned on them (README, "The digits baseline").
* Small sets (under 3,000 grayscale or 10,000 colour images) get DiffAugment with ADA's adaptive
  p: D overfits a small set within a few epochs, and the augmentation is what the DiffAugment
  paper credits for StyleGAN2's FID on 1,000 FFHQ images going from 62 to 26. Colour sets add
  the colour policy (it changes brightness, saturation and contrast, which grayscale digits
  barely have). p starts at 0 and rises only if D overfits (r_t above 0.6, ADA's target).
* Their epochs are set so a run sees about 150,000 real images (the digits' default sees
  5,000 x its epochs): a 1,300-image set would otherwise stop after 1/4 of the steps.
* Large sets (10,000 images or more) keep the preset: with that much data D needs no
  augmentation at these model sizes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .config import DCGAN_SIZES, RunConfig, set_value, validate

SMALL_GRAY = 3000  # grayscale sets below this many images are "small"
SMALL_COLOUR = 10_000  # colour sets below this are "small"
IMAGES_PER_RUN = 150_000  # real images a small-set run sees (its epochs follow from the count)
MIN_EPOCHS, MAX_EPOCHS = 20, 500
ADA_TARGET = 0.6  # ADA's r_t target (Karras et al. 2020)
AUTOMATIC = "auto"  # the recipe choice that follows the data
NONE = "none"  # the preset as it is


@dataclass(frozen=True)
class DataFacts:
    """What a recipe is chosen from."""

    count: int  # images in the data set
    size: int  # side of the images as the model will see them (data.image_size)
    channels: int  # 1 grayscale, 3 RGB
    classes: int = 0  # labelled classes (0: unlabelled)

    @classmethod
    def of(cls, images: Any, num_classes: int = 0) -> DataFacts:
        """Facts of uint8 images (N, H, W, C), e.g. an ImageDataset's ``images``."""
        return cls(int(images.shape[0]), int(images.shape[1]), int(images.shape[3]), int(num_classes))


@dataclass(frozen=True)
class Recipe:
    name: str  # its key in RECIPES
    title: str  # "small colour set"
    settings: dict[str, Any] = field(default_factory=dict)  # dotted config keys -> values
    scaled_epochs: bool = False  # epochs follow from the data's count (IMAGES_PER_RUN)


RECIPES: dict[str, Recipe] = {
    "digits-like": Recipe("digits-like", "grayscale set like the digits"),
    "small-gray": Recipe("small-gray", "small grayscale set", {
        "train.augment": "translation,cutout", "train.augment_p": 0.0, "train.ada_target": ADA_TARGET,
    }, scaled_epochs=True),
    "small-colour": Recipe("small-colour", "small colour set", {
        "train.augment": "translation,cutout,color", "train.augment_p": 0.0, "train.ada_target": ADA_TARGET,
    }, scaled_epochs=True),
    "large": Recipe("large", "large set"),
}


def choose_recipe(facts: DataFacts) -> Recipe:
    if facts.count >= SMALL_COLOUR:
        return RECIPES["large"]
    if facts.channels == 3:
        return RECIPES["small-colour"]
    return RECIPES["small-gray" if facts.count < SMALL_GRAY else "digits-like"]


def resolve(choice: str, facts: DataFacts) -> Recipe | None:
    """The recipe for a user's choice: AUTOMATIC, NONE (None) or a recipe's name."""
    if choice == NONE:
        return None
    if choice == AUTOMATIC:
        return choose_recipe(facts)
    try:
        return RECIPES[choice]
    except KeyError:
        names = ", ".join([AUTOMATIC, NONE, *RECIPES])
        raise ValueError(f"unknown recipe {choice!r}; choose one of {names}") from None


def recipe_values(recipe: Recipe, facts: DataFacts, config: RunConfig) -> dict[str, Any]:
    """Every config value the recipe sets for this data, as dotted keys."""
    values: dict[str, Any] = {"model.arch": "dcgan"}
    if facts.size not in DCGAN_SIZES:  # the nearest size the DCGAN makes
        values["data.image_size"] = min(DCGAN_SIZES, key=lambda s: (abs(s - facts.size), s))
    values.update(recipe.settings)
    if recipe.scaled_epochs:
        epochs = round(IMAGES_PER_RUN / max(1, facts.count))
        values["train.epochs"] = max(MIN_EPOCHS, min(MAX_EPOCHS, epochs))
    return values


def apply_recipe(config: RunConfig, recipe: Recipe | None, facts: DataFacts, keep: set[str] = frozenset()) -> RunConfig:
    """A copy of ``config`` with the recipe's values, except the dotted keys in ``keep`` (set by
    the user); ``recipe`` None returns an unchanged copy."""
    result = copy.deepcopy(config)
    if recipe is None:
        return result
    for key, value in recipe_values(recipe, facts, config).items():
        if key not in keep:
            set_value(result, key, value)
    validate(result)
    return result


def summary(config: RunConfig) -> str:
    """The settings that matter on small data, in a few words: "DCGAN-32, DiffAugment (...), ..."."""
    m, t = config.model, config.train
    parts = [f"DCGAN-{config.data.image_size}" if m.arch == "dcgan" else "MLP"]
    if m.arch == "dcgan" and m.upsample == "resize":
        parts.append("resize-convolution G")
    policy = [p.strip() for p in t.augment.split(",") if p.strip() and p.strip() != "none"]
    if policy:
        p = f"adaptive p (r_t target {t.ada_target:g})" if t.ada_target > 0 else f"p {t.augment_p:g}"
        parts.append(f"DiffAugment {'+'.join(policy)}, {p}")
    if m.spectral_norm:
        parts.append("spectral norm in D")
    if t.r1_gamma > 0:
        parts.append(f"R1 {t.r1_gamma:g} every {t.r1_every}")
    if t.ema_decay > 0:
        parts.append(f"EMA {t.ema_decay:g}")
    parts.append(f"batch {t.batch_size}, {t.epochs} epochs")
    return ", ".join(parts)


def describe(recipe: Recipe | None, facts: DataFacts, config: RunConfig) -> str:
    """One line for the user: what was chosen, from which facts, and what it sets."""
    colour = "RGB" if facts.channels == 3 else "grayscale"
    data = f"{facts.count:,} images, {facts.size} px {colour}"
    if recipe is None:
        return f"No recipe ({data}): {summary(config)}"
    return f"{recipe.title.capitalize()} ({data}): {summary(config)}"
