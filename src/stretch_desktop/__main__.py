"""Entry point for ``python -m stretch_desktop``."""

import sys

from stretch_desktop.cli import main

sys.exit(main())
