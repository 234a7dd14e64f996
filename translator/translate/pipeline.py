"""``translate_source``: the stages in order.

1. parse (``fastcst._parse_module``) and pre-pass (``resolve.Prepass``: import bindings and
   per-scope local names);
2. rewrite (``rewrite.Translator``), skipping subtrees with nothing to translate;
3. header (``header._add_header``): ``import paddle``, torch modules left-over code needs, support code;
4. tidy imports (``imports._TidyImports``) and clear removed statements (``removal._DropLines``);
   torch imports only untranslated code inside functions needs move into those functions
   (``containment``);
5. safety: the output must parse; diagnostics get positions (``positions``).
"""

from __future__ import annotations

import ast
import sys
import warnings
from pathlib import Path

import libcst as cst

from ..diagnostics import Diagnostic, Severity, Status, Translation
from ..rules import RuleTable, load_table
from ..settings import DEFAULT as DEFAULT_SETTINGS
from ..settings import Settings
from . import header, inplace, promotion
from . import support as support_code
from .containment import contain_leftovers
from .fastcst import _check_parses, _inert_subtrees, _parse_module
from .header import _SUPPORT_PLACEHOLDER, _add_header, _fill_support, _support_names, _with_support
from .imports import _has_import, _inert_names_unused, _module_level_uses, _TidyImports, _UsedNames
from .positions import _diag_positions, _position
from .registry import HANDLERS, RuleCrash
from .removal import _DropLines, _holders, _is_dropped
from .resolve import Prepass, package_of, walk
from .rewrite import Translator
from .syntax import _one_line

__all__ = ["translate_source"]

# Expressions nested deeper than this are refused before LibCST parses them: its parser slows
# down steeply with depth (a 500-term `a + b + ...` chain takes ~1 s, 1,000 terms ~6 s, 2,000
# ~34 s) and the passes over the tree recurse once per level.
MAX_NESTING = 250
# ... which needs more than Python's default recursion limit (about 20 frames per level)
_RECURSION_LIMIT = 20_000

_CHECKED: dict[int, RuleTable] = {}  # tables whose handler and support names were checked


def _has_long_lines(code: str) -> bool:
    """Whether ``code`` has a line long enough to hold an expression nested ``MAX_NESTING``
    levels deep (a cheap filter: the exact check parses the file once more)."""
    return any(len(line) > 4 * MAX_NESTING for line in code.splitlines())


def _too_deeply_nested(code: str) -> int | None:
    """The line of an expression nested deeper than ``MAX_NESTING``, or None.

    CPython's parser answers fast, also when it gives up (RecursionError: the longest line is
    named then)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
    except RecursionError:
        lines = code.splitlines() or [""]
        longest = max(range(len(lines)), key=lambda i: len(lines[i]))
        return longest + 1
    except (SyntaxError, ValueError):
        return None  # LibCST reports it
    todo: list[tuple[ast.AST, int]] = [(tree, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_NESTING:
            return getattr(node, "lineno", 0)
        for child in ast.iter_child_nodes(node):
            todo.append((child, depth + 1 if isinstance(child, ast.expr) else depth))
    return None


def _syntax_error(code: str, exc: cst.ParserSyntaxError) -> tuple[int, int, str]:
    """Where and what the syntax error is, as CPython says (its position is where a reader
    looks: the unclosed bracket, not the line after it); LibCST's when CPython accepts the code."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(code, "<source>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as err:
        if err.lineno:
            return err.lineno, err.offset or 1, _one_line(err.msg)
    except (ValueError, RecursionError):
        pass
    return exc.raw_line, exc.raw_column + 1, _one_line(exc.message)


def _without_leading_blank_lines(module: cst.Module, code: str) -> cst.Module:
    """The output does not start with blank lines that removed imports left behind (unless the
    input started so)."""
    if module.header or not module.body or code.startswith(("\n", "\r")):
        return module
    first = module.body[0]
    lead = list(first.leading_lines)
    if not lead or lead[0].comment is not None:
        return module
    while lead and lead[0].comment is None:
        lead.pop(0)
    return module.with_changes(body=[first.with_changes(leading_lines=lead), *module.body[1:]])


def _checked(table: RuleTable) -> RuleTable:
    """``table``, once its entries' handler and support names are known to exist (checked on first
    use: the rule loader does not import the handlers)."""
    if id(table) not in _CHECKED:
        from . import handlers  # noqa: F401  (registers the handlers)

        table.check_references(HANDLERS, support_code.SNIPPETS)
        _CHECKED[id(table)] = table
    return table


def translate_source(
    code: str,
    *,
    path: str | None = None,
    table: RuleTable | None = None,
    settings: Settings | None = None,
    paddle_version: str | None = None,
) -> Translation:
    """Translate one torch source text; never raises for bad input (status FAILED instead).

    ``settings`` (``translator.settings.Settings``) configures the run; ``paddle_version``
    (``"2.6"``) is a shorthand for ``Settings(paddle_version=...)``: rules whose ``min_paddle``
    is newer are not applied, their code is left and reported.
    """
    settings = settings or DEFAULT_SETTINGS
    paddle_version = paddle_version or settings.paddle_version
    shown = path or "<string>"
    if "torch" not in code:
        # fast path: nothing here can refer to torch or torchvision
        return Translation(shown, code, code, Status.UNCHANGED)
    line = _too_deeply_nested(code) if _has_long_lines(code) else None
    if line is not None:
        message = (f"an expression nested more than {MAX_NESTING} levels deep is too deep to translate;"
                   " split it into smaller expressions")
        return Translation(shown, code, code, Status.FAILED, [Diagnostic(shown, line, 1, "nesting", message, Severity.ERROR)])
    saved = sys.getrecursionlimit()
    if saved < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)  # the passes recurse per level of nesting
    try:
        return _translate(code, shown, path, table, settings, paddle_version)
    except RecursionError:  # pragma: no cover - MAX_NESTING keeps inputs below this
        message = "the code is nested too deeply to translate; split its expressions"
        return Translation(shown, code, code, Status.FAILED, [Diagnostic(shown, 0, 0, "nesting", message, Severity.ERROR)])
    finally:
        if saved < _RECURSION_LIMIT:
            sys.setrecursionlimit(saved)


def _translate(
    code: str, shown: str, path: str | None, table: RuleTable | None, settings: Settings, paddle_version: str | None
) -> Translation:
    try:
        module = _parse_module(code, trusted=settings.trust_parser)
    except cst.ParserSyntaxError as exc:
        line, col, message = _syntax_error(code, exc)
        diag = Diagnostic(shown, line, col, "syntax", message, Severity.ERROR)
        return Translation(shown, code, code, Status.FAILED, [diag])
    table = _checked(table or load_table(cache_dir=Path(settings.cache_dir) if settings.cache_dir else None))

    package = package_of(path)
    pre = Prepass(package)
    walk(module, pre)
    if not pre.uses_torch:
        return Translation(shown, code, code, Status.UNCHANGED)
    tr = Translator(table, pre, shown, paddle_version)
    tr.torch_init = settings.torch_init
    tr.input_module = module
    tr.tv_root = support_code.torchvision_root(path)
    # a rewrite starts at a name bound by a torch import, or at an attribute named like a method
    # rule or a public torch.Tensor method (reported when it has no rule)
    triggers = set(table.methods) | table.tensor_methods | {"weight"}  # "weight": tied weights (rewrite._tied_weight)
    tr.inert, originals = _inert_subtrees(module, set(pre.bindings), triggers, {id(n) for n in pre.import_nodes})
    try:
        out = module.visit(tr)
    except RuleCrash as crash:
        line, col = _position(module, crash.node)
        diag = Diagnostic(shown, line, col, crash.rule, f"internal error in rule: {type(crash.exc).__name__}: {crash.exc}")
        return Translation(shown, code, code, Status.FAILED, [diag])
    if promotion.may_need(code):
        out, promoted = promotion.promote(out)
        for name in promoted:
            tr.need_support(name)
    observed = inplace.observed_inplace(module, pre.bindings) if inplace.may_need(code) else None
    if observed:
        out, wrapped = inplace.wrap_inplace(out, observed)
        if wrapped:
            tr.need_support("TorchInplace")
    # support statements stand in placeholders until after codegen (see _add_header)
    placeholders: dict[str, cst.BaseStatement] | None = None
    if header._USE_PLACEHOLDERS and module.has_trailing_newline and _SUPPORT_PLACEHOLDER not in code:
        placeholders = {}
    out = _add_header(out, tr.need_paddle_import, tr.supports, tr.torch_imports, tr.tv_root, placeholders)
    # the support code and header may use names too
    import_lines: list[cst.SimpleStatementLine] = []
    holders = _holders(out, lambda line: _has_import(line) and not import_lines.append(line))
    used = _UsedNames()
    walk(out, used, tr.inert if _inert_names_unused(import_lines, package, pre, code) else None)
    shadowed = {name for name in pre.bindings if any(name in local for local in pre.scope_locals.values())}
    if shadowed:
        # `def f(torch): return torch` uses the parameter, not the import: count only the uses
        # that reach the module-level name (rare, so only then is the output walked scope by scope)
        module_level = _module_level_uses(out, shadowed, package)
        for name in shadowed:
            used.used[name] = module_level[name]
    for stmt in (placeholders or {}).values():
        used.used.update(_support_names(stmt))
    if tr.need_paddle_import:
        used.used["paddle"] += 1
    tidy = _TidyImports(used.used, package, tr.new_imports, set(tr.supports), holders)
    out = out.visit(tidy)
    if tr.dropped_lines or tidy.dropped_lines:  # placeholders of removed statements to clear
        out = out.visit(_DropLines(_holders(out, _is_dropped)))
    out = contain_leftovers(out, package)
    out = _without_leading_blank_lines(out, code)
    new_code = out.code
    if placeholders:
        filled = _fill_support(new_code, placeholders, out.default_indent, out.default_newline)
        if filled is None:  # a placeholder line was not found once: lay out in full (tested)
            filled = _with_support(out, placeholders).code
        new_code = filled
    try:
        if new_code != code:
            _check_parses(new_code)
    except cst.ParserSyntaxError as exc:  # pragma: no cover - a bug in the engine
        diag = Diagnostic(shown, exc.raw_line, exc.raw_column + 1, "internal", "translation produced invalid Python")
        return Translation(shown, code, code, Status.FAILED, [diag])
    diags: list[Diagnostic] = []
    if tr.diags:
        wanted = [n for d in tr.diags for n in d[:2] if n is not None]
        chains = [([n for n in d[:2] if n is not None], d[5]) for d in tr.diags]
        positions = _diag_positions(module, tr.diag_tops, wanted, originals, code, chains)
        for node, fallback, dcode, message, severity, _chain in tr.diags:
            pos = positions.get(node) or (positions.get(fallback) if fallback is not None else None)
            line, col = (pos.start.line, pos.start.column + 1) if pos else (0, 0)
            diags.append(Diagnostic(shown, line, col, dcode, message, severity))
        diags.sort(key=lambda d: (d.line, d.col, d.code, d.message))
        diags = list(dict.fromkeys(diags))
    status = Status.TRANSLATED if new_code != code else Status.UNCHANGED
    return Translation(shown, code, new_code, status, diags, tr.applied)
