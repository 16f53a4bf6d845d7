"""``python -m bridge_core``: see ``bridge_core.cli``."""
import sys

from .cli import main

sys.exit(main())
