"""The ``gan-studio`` command: sub-commands over the Qt-free core (``main`` parses and dispatches;
one module per command family; ``progress`` draws the one terminal progress bar)."""

from .main import main

__all__ = ["main"]
