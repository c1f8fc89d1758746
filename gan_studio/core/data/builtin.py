"""The data sets that ship with GAN Studio: ``builtin:digits``, 5,000 MNIST digits."""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from ..resources import resource_path
from .convert import ArraySource

PREFIX = "builtin:"
BUILTINS = {"digits": "digits.npz"}  # name after "builtin:" -> file in gan_studio/resources


def read_builtin(source: str) -> ArraySource:
    """The arrays of a built-in set; digits are sorted by class (500 of each), left in that order."""
    name = source[len(PREFIX) :].strip()
    if name not in BUILTINS:
        raise DataError(f"unknown built-in dataset {name!r}; choose one of: {', '.join(PREFIX + b for b in BUILTINS)}")
    try:
        path = resource_path(BUILTINS[name])
    except FileNotFoundError as error:
        raise DataError(str(error)) from None
    with np.load(path, allow_pickle=False) as arrays:
        return ArraySource(
            source=source,
            kind="builtin",
            where=f"{path.name}, key 'images'",
            images=arrays["images"],
            labels=arrays["labels"],
            labels_where=f"{path.name}, key 'labels'",
            class_names=[str(c) for c in arrays["class_names"]],
        )
