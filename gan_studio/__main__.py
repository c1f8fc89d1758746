"""``python -m gan_studio``: the same as the ``gan-studio`` command."""

import sys

from .cli.main import main

sys.exit(main())
