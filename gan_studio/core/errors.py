"""Errors a user can act on.

Every failure caused by the user's input (a bad path, a wrong config, a checkpoint of another
model) is a :class:`GanStudioError` whose message is one sentence that names the thing and the
problem. The command line prints it as one line and the window shows it in a dialog; anything
else is a bug and keeps its traceback.
"""

from __future__ import annotations


class GanStudioError(Exception):
    """A problem the user can fix; ``str(error)`` is the whole message."""


class ConfigError(GanStudioError):
    """A configuration value is missing, of the wrong type or out of range."""


class DataError(GanStudioError):
    """A data source cannot be read or holds no usable images."""


class CheckpointError(GanStudioError):
    """A checkpoint or weights file is missing, corrupt, unsafe or made for another model."""


class RunFolderError(GanStudioError):
    """A run folder is missing, unreadable or not writable."""
