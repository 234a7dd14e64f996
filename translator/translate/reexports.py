"""Torch names a module imports only to re-export them.

``from torch.hub import load_state_dict_from_url  # noqa: F401`` in torchvision's
``_internally_replaced_utils.py`` is not used there: other modules import the name from it.
An unused torch import is normally dropped with nothing in its place, which would leave those
importers with nothing to import.  A name marked as a re-export -- the import line carries a
``# noqa`` comment that covers F401 ("imported but unused"), or the name is listed in the
module's literal ``__all__`` -- keeps being bound at module level by its Paddle counterpart:

* a rule whose support code defines a function of the same name (``load_state_dict_from_url``)
  emits that support code;
* a rule that only renames the function imports its Paddle counterpart under the same name
  (``from paddle.nn.functional import relu``);
* anything else is reported at the import (a layer class whose Paddle constructor takes other
  arguments, a name without a rule): importers would get nothing, or something that takes
  other arguments.
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from ..diagnostics import Severity
from ..rules import ApiRule
from .results import Refusal

__all__ = ["bind", "exported_names", "marked_noqa"]

# `# noqa`, `# noqa: F401`, `# noqa: 401`, `# noqa: E402,F401` (flake8's spellings)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z0-9, ]+))?", re.IGNORECASE)


def marked_noqa(line: cst.SimpleStatementLine) -> bool:
    """Whether the line's comment silences flake8's "imported but unused" (F401)."""
    comment = line.trailing_whitespace.comment
    match = _NOQA.search(comment.value) if comment is not None else None
    if match is None:
        return False
    codes = match.group("codes")
    return codes is None or any(code.strip().upper() in ("F401", "401") for code in codes.split(","))


def exported_names(module: cst.Module | None) -> frozenset[str]:
    """The names a literal module-level ``__all__ = [...]`` (or ``(...)``, ``+=``) lists."""
    names: set[str] = set()
    for stmt in module.body if module is not None else ():
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            targets: list[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
                targets = [small.target]
            value = getattr(small, "value", None)
            if not any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
                continue
            if isinstance(value, (cst.List, cst.Tuple, cst.Set)):
                for element in value.elements:
                    if isinstance(element.value, cst.SimpleString):
                        names.add(element.value.evaluated_value)  # type: ignore[arg-type]
    return frozenset(names)


def bind(tr: Any, stmt: cst.BaseSmallStatement, line: cst.SimpleStatementLine) -> None:
    """Keep the re-exported torch names of module-level import ``stmt`` (on ``line``) bound
    (``tr``: the ``rewrite.Translator`` translating the module)."""
    if not isinstance(stmt, cst.ImportFrom) or isinstance(stmt.names, cst.ImportStar) or len(tr.scopes):
        return
    if tr.exported is None:
        tr.exported = exported_names(tr.input_module)
    noqa = marked_noqa(line)
    for alias in stmt.names:
        local = alias.asname.name.value if alias.asname else alias.name.value  # type: ignore[union-attr]
        binding = tr.pre.alias_bindings.get(id(alias))
        if binding is None or not (noqa or local in tr.exported) or tr._input_uses(local):
            continue  # not torch, not a re-export, or used here (its uses are translated)
        qual = tr.table.canonical(binding.qualname)
        rule = tr.table.apis.get(qual)
        if rule is not None and rule.support == local and not tr.too_new(rule, None):
            tr.need_support(rule.support, alias.name, qual)
            tr.applied[rule.torch] += 1
        elif rule is not None and _same_function(tr, rule, qual, local):
            tr.reexported.add(local)  # the Paddle import planned for it is kept (pipeline)
            tr.applied[qual] += 1
        else:
            why = "no rule for this torch API" if rule is None else (
                "its Paddle counterpart takes other arguments or another name, so importers' calls would be wrong")
            message = (f"re-exported here (`{local}` is imported for other modules to import) but {why}: "
                       f"this module does not define `{local}` in the output")
            if rule is None:
                tr.report(alias.name, qual, message, Severity.ERROR, kind=Refusal.NO_RULE)
            else:
                tr.report(alias.name, qual, message, Severity.ERROR, kind=Refusal.UNSUPPORTED_USE)


def _same_function(tr: Any, rule: ApiRule, qual: str, local: str) -> bool:
    """Whether the Paddle import planned for ``qual`` binds ``local`` to a function that takes
    the same arguments (a rule that only renames the function: no handler, no argument changes)."""
    target = tr._simple_target(qual)
    if target is None or rule.handler is not None or tr.out_bindings.get(target) != local:
        return False
    return not (rule.rename or rule.drop or rule.drop_if or rule.transform or rule.extra or rule.unsupported)
