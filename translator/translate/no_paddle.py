"""Libraries a translation keeps but cannot make run on Paddle tensors.

Some libraries that torch code calls are not built on torch (so nothing is carried from them)
and have no Paddle backend either: einx dispatches on the tensor's type and knows torch, JAX,
TensorFlow, MLX and numpy, not Paddle.  Their imports stay (the library imports without torch,
so the module still imports), and every use is reported where it is, with the library's reason:
such a call would fail on a Paddle tensor at run time, so it is never passed through silently.
"""

from __future__ import annotations

import ast

__all__ = ["NO_PADDLE", "uses"]

#: top-level package -> why its calls cannot run on Paddle tensors
NO_PADDLE = {
    "einx": "einx has no Paddle backend (it dispatches on torch, JAX, TensorFlow, MLX and numpy arrays)",
}


def uses(node: ast.AST, local: str, target: str) -> list[tuple[int, int, str]]:
    """(line, column (1-based), API) of each read of ``local`` (bound to ``target``) in ``node``:
    ``einx.subtract`` for ``einx.subtract(...)``, the bound name for a bare use."""
    parents = {id(c): p for p in ast.walk(node) for c in ast.iter_child_nodes(p)}
    out: list[tuple[int, int, str]] = []
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id == local and not isinstance(child.ctx, ast.Store):
            parent = parents.get(id(child))
            api = f"{target}.{parent.attr}" if isinstance(parent, ast.Attribute) and parent.value is child else target
            out.append((child.lineno, child.col_offset + 1, api))
    return sorted(out)
