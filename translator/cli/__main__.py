"""``python -m translator.cli``: the same as the ``torch2paddle`` script."""

from . import entry

entry()
