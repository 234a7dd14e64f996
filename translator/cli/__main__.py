"""``python -m translator.cli``: the same as the ``torch2paddle`` script."""

import sys

from . import main

sys.exit(main())
