"""Named Python rewrites for what the rule table's data cannot express.

Each module registers its functions with ``@handler("name")``; a rule entry refers to one with
``handler = "name"``.  A handler gets the call (its children already translated) and its rule,
and returns the replacement expression, or None after reporting why it could not translate.
"""

from . import functions, init, layers, methods, misc, tensor, training  # noqa: F401
