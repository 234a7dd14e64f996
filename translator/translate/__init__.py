"""Translation: torch source text in, Paddle source text and diagnostics out.

One module per stage, in the order they run (``pipeline.translate_source`` drives them):

* ``resolve``   - pre-pass: import bindings, per-scope local names, assigning statements;
* ``scopes``    - the scopes around the node being translated (one ``ScopeStack``);
* ``evidence``  - is a receiver a tensor, a layer, an optimizer, a device?;
* ``arguments`` - bind a call to the torch signature, apply the rule's argument data;
* ``rewrite``   - the transformer that applies the rule table;
* ``registry``, ``context``, ``handlers/`` - named Python rewrites and what they may use;
* ``imports``   - Paddle imports for torch imports, re-spelling left-overs, import tidy-up;
* ``removal``   - removing statements without losing comments;
* ``header``, ``support`` - support code the output needs, emitted once per file;
* ``positions`` - where each diagnostic is;
* ``suppress``  - ``# torch2paddle: ignore[...]`` comments: spots left alone and silent;
* ``fastcst``   - quarantined LibCST speed-ups;
* ``syntax``    - small LibCST building blocks shared by all of the above.

Importing this package does not load libcst; ``translate_source`` is imported on first use.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "translate_source":
        from .pipeline import translate_source

        return translate_source
    raise AttributeError(f"module 'translator.translate' has no attribute {name!r}")
