"""Entry point of the PyInstaller bundle: the ``gan-studio`` command, frozen.

PyInstaller needs a script, and ``gan_studio/__main__.py`` uses a relative import that only
works inside the package, so this file imports the package by its full name instead.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a frozen child process must not start a second app
    from gan_studio.cli.main import main

    sys.exit(main())
