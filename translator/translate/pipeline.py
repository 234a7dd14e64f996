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
import dataclasses
import sys
import warnings
from pathlib import Path

import libcst as cst

from .. import codes
from ..diagnostics import Diagnostic, Severity, Status, Translation
from ..rules import RuleTable, load_table
from ..settings import DEFAULT as DEFAULT_SETTINGS
from ..settings import Settings
from ..shared_support import is_shared_module
from . import adapters, header, inplace, libraries, promotion
from .context import ADAPTER_PATH
from . import support as support_code
from .containment import contain_leftovers
from .deep import (
    MAX_NESTING,
    PIECES_FROM,
    deepest_line,
    maybe_deep,
    nesting_plan,
    on_large_stack,
    parse_in_pieces,
    parse_with_cpython,
)
from .fastcst import _check_parses, _inert_subtrees, _parse_module, code_of
from .formatting import format_changed
from .header import _SUPPORT_PLACEHOLDER, _add_header, _fill_support, _support_names, _with_support
from .import_order import input_import_lines, place_new_imports
from .imports import _has_import, _inert_names_unused, _is_paddle_import, _module_level_uses, _TidyImports, _UsedNames
from .positions import _diag_positions, _position
from .registry import HANDLERS, RuleCrash
from .removal import _DropLines, _holders, _is_dropped
from .resolve import Prepass, package_of, walk
from .rewrite import Translator
from .suppress import MARK, Silencer, find_suppressions
from .syntax import _code, _one_line

__all__ = ["translate_source"]

# the passes over the tree recurse per level of nesting, more than Python's default recursion
# limit allows (about 20 frames per level; deeper files go through ``deep``)
_RECURSION_LIMIT = 20_000

_CHECKED: dict[int, RuleTable] = {}  # tables whose handler and support names were checked


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


def _top_paddle_imports(module: cst.Module) -> set[str]:
    """The code of the input's top-level Paddle imports (the user's, or a first pass's: kept
    as written even when unused, as any other import is)."""
    return {
        _code(small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)).strip()
        for stmt in module.body if isinstance(stmt, cst.SimpleStatementLine)
        for small in stmt.body if _is_paddle_import(small)
    }


def _support_block(module: cst.Module) -> set[int]:
    """The ids of the top-level statements between the support code's header and footer
    comments (``support.HEADER``/``FOOTER``, which a first pass wrote), if there are both.  When
    the block is the module's first statement, its header comment is in the module's header."""
    ids: set[int] = set()
    inside = support_code.HEADER in [line.comment.value for line in module.header if line.comment]
    for stmt in module.body:
        comments = [line.comment.value for line in stmt.leading_lines if line.comment]
        if support_code.FOOTER in comments:
            return ids if inside else set()
        inside = inside or support_code.HEADER in comments
        if inside:
            ids.add(id(stmt))
    return set()  # no footer: not ours


#: longest output line black is asked to format (see ``_formatted``)
MAX_FORMAT_LINE = 5000


def _formatted(code: str, new_code: str, settings: Settings) -> tuple[str, str | None]:
    """``new_code`` with the lines the translation changed formatted (``formatting``), and a
    warning when black failed on it (the unformatted output is kept then).

    black's line splitting grows much faster than the line: a changed line of thousands of
    characters (machine-generated code) would take minutes, so such output is left unformatted,
    with the warning saying why."""
    longest = max(map(len, new_code.splitlines()), default=0)
    if longest > MAX_FORMAT_LINE:
        return new_code, f"the new code is left unformatted (a line of {longest} characters is too long for black)"
    result = format_changed(
        code,
        new_code,
        line_length=settings.line_length,
        string_normalization=settings.string_normalization,
        magic_trailing_comma=settings.magic_trailing_comma,
        skip=(support_code.HEADER, support_code.FOOTER),
    )
    if result.problem is None or not result.problem.startswith(("black failed", "black's output")):
        return result.code, None  # formatted, or left so by design (indentation, line endings)
    return result.code, f"the new code is left unformatted ({result.problem})"


def _checked(table: RuleTable) -> RuleTable:
    """``table``, once its entries' handler and support names are known to exist (checked on first
    use: the rule loader does not import the handlers)."""
    if id(table) not in _CHECKED:
        from . import handlers  # noqa: F401  (registers the handlers)

        table.check_references(HANDLERS, support_code.SNIPPETS)
        _CHECKED[id(table)] = table
    return table


def _adapter_maker(table: RuleTable, settings: Settings, paddle_version: str | None) -> adapters.AdapterMaker:
    """Adapters (``adapters``) are made by translating a synthetic call with this run's table,
    Paddle version and initialization, nothing else of the settings."""
    plain = dataclasses.replace(settings, format=False, libraries=(), tree_root=None, select=None, ignore=())

    def translate(text: str) -> Translation:
        return _translate(text, ADAPTER_PATH, None, table, plain, paddle_version)

    return adapters.AdapterMaker(translate, (id(table), paddle_version, settings.torch_init))


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
    if is_shared_module(code):  # a translated tree's support module: Paddle code already
        return Translation(shown, code, code, Status.UNCHANGED)
    if "torch" not in code and not libraries.may_carry(code, settings.libraries, settings.tree_root is None):
        # fast path: nothing here can refer to torch or torchvision
        return Translation(shown, code, code, Status.UNCHANGED)
    if maybe_deep(code):
        return on_large_stack(lambda: _translate_nested(code, shown, path, table, settings, paddle_version), MAX_NESTING)
    saved = sys.getrecursionlimit()
    if saved < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)  # the passes recurse per level of nesting
    try:
        return _translate_with_libraries(code, shown, path, table, settings, paddle_version)
    except RecursionError:  # pragma: no cover - deep files go through _translate_nested
        return _too_deep(code, shown, 0)
    finally:
        if saved < _RECURSION_LIMIT:
            sys.setrecursionlimit(saved)


def _too_deep(code: str, shown: str, line: int, message: str | None = None) -> Translation:
    message = message or (f"an expression nested more than {MAX_NESTING} levels deep is too deep to translate;"
                          " split it into smaller expressions")
    return Translation(shown, code, code, Status.FAILED, [Diagnostic(shown, line, 1 if line else 0, codes.TOO_DEEP, message, Severity.ERROR)])


def _translate_with_libraries(
    code: str, shown: str, path: str | None, table: RuleTable | None, settings: Settings, paddle_version: str | None
) -> Translation:
    """``_translate`` of the file with the library definitions it imports carried along
    (``libraries.combine``); diagnostics point back at the file or the library lines."""
    table = _checked(table or load_table(cache_dir=Path(settings.cache_dir) if settings.cache_dir else None))
    combined = libraries.combine(code, path, table, settings.libraries, settings.tree_root)
    if combined is None:
        native = libraries.native_strings(code)
        result = _translate(native, shown, path, table, settings, paddle_version, reference=code)
        if native == code or result.status is Status.FAILED:
            return result if native == code else dataclasses.replace(result, source=code, code=code)
        return dataclasses.replace(result, source=code, status=Status.TRANSLATED)
    combined = dataclasses.replace(combined, code=libraries.native_strings(combined.code))
    reference = _format_reference(code, combined, shown) if settings.format else None
    result = _translate(combined.code, shown, path, table, settings, paddle_version, reference=reference)
    diags = libraries.map_diagnostics(result.diagnostics, combined, shown)
    diags.sort(key=lambda d: (d.path != shown, d.path, d.line, d.col, d.code, d.message))
    if result.status is Status.FAILED:
        return Translation(shown, code, code, Status.FAILED, diags, sources=combined.sources)
    new_code = result.code if result.code != combined.code or combined.code != code else code
    status = Status.TRANSLATED if new_code != code else Status.UNCHANGED
    return Translation(shown, code, new_code, status, list(dict.fromkeys(diags)), result.rules_applied,
                       combined.sources)


def _translate_nested(
    code: str, shown: str, path: str | None, table: RuleTable | None, settings: Settings, paddle_version: str | None
) -> Translation:
    """``_translate`` of a file that may hold a deeply nested expression (on a large stack):
    CPython's parser tells, and a deep file is parsed in pieces (``deep``)."""
    try:
        tree = parse_with_cpython(code)
    except SyntaxError as err:
        if err.lineno and "too many nested parentheses" in str(err.msg):  # every CPython's limit
            return Translation(shown, code, code, Status.FAILED, [
                Diagnostic(shown, err.lineno, err.offset or 1, codes.SYNTAX_ERROR, _one_line(str(err.msg)), Severity.ERROR)])
        tree = None  # newer syntax than this Python's, perhaps: LibCST decides
    except (RecursionError, MemoryError):
        lines = code.splitlines() or [""]
        line = max(range(len(lines)), key=lambda i: len(lines[i])) + 1
        return _too_deep(code, shown, line, "an expression is nested too deeply for Python's parser; split it into smaller expressions")
    except ValueError:  # null bytes: LibCST reports them
        tree = None
    module = None
    if tree is not None:
        plan = nesting_plan(tree)
        if plan.depth > MAX_NESTING:
            return _too_deep(code, shown, deepest_line(tree, MAX_NESTING))
        if plan.depth > PIECES_FROM:
            module = parse_in_pieces(code, plan, settings.trust_parser)
    try:
        if module is None:  # not deep after all (the cheap filter's false alarm): as any file
            return _translate_with_libraries(code, shown, path, table, settings, paddle_version)
        return _translate(code, shown, path, table, settings, paddle_version, module)
    except RecursionError:  # pragma: no cover - the stack is sized for MAX_NESTING
        return _too_deep(code, shown, 0)


def _format_reference(code: str, combined: libraries.Combined, shown: str) -> str:
    """The combined text with every line that is not a line of the file kept as it was made
    unequal to it: the carried definitions (new code in the output, formatted like any other)
    and the lines of the file that combining itself rewrote (``m.X`` written ``X``, an import
    replaced).  Formatting formats only the lines that differ from this text, so it treats
    those lines as the translation's own."""
    original = code.splitlines(keepends=True)
    lines = combined.code.splitlines(keepends=True)
    for i, line in enumerate(lines):
        origin = combined.origins[i] if i < len(combined.origins) else None
        if origin is None or origin[0] != shown or not (
            0 < origin[1] <= len(original) and original[origin[1] - 1] == line
        ):
            lines[i] = "\0" + line
    return "".join(lines)


def _translate(
    code: str,
    shown: str,
    path: str | None,
    table: RuleTable | None,
    settings: Settings,
    paddle_version: str | None,
    module: cst.Module | None = None,
    reference: str | None = None,
) -> Translation:
    """The translation of ``code``; ``reference``: the text formatting compares the output
    with (``code`` when None)."""
    if module is None:
        try:
            module = _parse_module(code, trusted=settings.trust_parser)
        except cst.ParserSyntaxError as exc:
            line, col, message = _syntax_error(code, exc)
            diag = Diagnostic(shown, line, col, codes.SYNTAX_ERROR, message, Severity.ERROR)
            return Translation(shown, code, code, Status.FAILED, [diag])
    table = _checked(table or load_table(cache_dir=Path(settings.cache_dir) if settings.cache_dir else None))

    package = libraries.tree_package(package_of(path), settings.tree_root)
    pre = Prepass(package)
    walk(module, pre)
    if not pre.uses_torch:
        return Translation(shown, code, code, Status.UNCHANGED)
    tr = Translator(table, pre, shown, paddle_version, module)
    tr.torch_init = settings.torch_init
    tr.adapters = _adapter_maker(table, settings, paddle_version)
    if settings.select is not None or settings.ignore:
        tr.keep_code = codes.select_filter(settings.select, settings.ignore)
    if MARK in code:
        lines = find_suppressions(code)
        tr.silencer = Silencer(module, lines) if lines else None
    tr.tv_root = support_code.torchvision_root(path)
    # a rewrite starts at a name bound by a torch import, or at an attribute named like a method
    # rule or a public torch.Tensor method (reported when it has no rule)
    triggers = set(table.methods) | table.tensor_methods | {"weight"}  # "weight": tied weights (rewrite._tied_weight)
    names = set(pre.bindings) | {"inplace"}  # `activation_layer(inplace=True)`: factories.py
    tr.inert, originals = _inert_subtrees(module, names, triggers, {id(n) for n in pre.import_nodes})
    generated = _support_block(module)  # a first pass's support code is Paddle code: left as it is
    tr.inert |= generated
    try:
        out = module.visit(tr)
    except RuleCrash as crash:
        line, col = _position(module, crash.node)
        message = f"internal error in rule: {type(crash.exc).__name__}: {crash.exc}"
        diag = Diagnostic(shown, line, col, codes.INTERNAL_ERROR, message, Severity.ERROR, crash.rule)
        return Translation(shown, code, code, Status.FAILED, [diag])
    if promotion.may_need(code):
        # a first pass's support code (Paddle code already) is not promoted again
        out, promoted = promotion.promote(out, frozenset(_support_block(out)))
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
    style = settings.format and (settings.line_length, settings.string_normalization, settings.magic_trailing_comma)
    out = header.with_stdlib_imports(out, tr.stdlib_imports, package)  # `math.pi`: `import math`
    out = _add_header(out, tr.need_paddle_import, tr.supports, tr.torch_imports, tr.tv_root, placeholders, style or None)
    # the support code and header may use names too
    import_lines: list[cst.SimpleStatementLine] = []
    holders = _holders(out, lambda line: _has_import(line) and not import_lines.append(line))
    used = _UsedNames()
    walk(out, used, tr.inert - generated if _inert_names_unused(import_lines, package, pre, code) else None)
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
    used.used.update(tr.reexported)  # imported for other modules to import (reexports.py)
    ruled = None
    if settings.tree_root is not None:
        def ruled(qual: str) -> bool:
            return table.canonical(qual) in table.apis or qual in table.modules
    tidy = _TidyImports(used.used, package, tr.new_imports, set(tr.supports), holders, ruled)
    tidy.input_paddle = _top_paddle_imports(module)
    out = out.visit(tidy)
    if tr.dropped_lines or tidy.dropped_lines:  # placeholders of removed statements to clear
        out = out.visit(_DropLines(_holders(out, _is_dropped)))
    out = contain_leftovers(out, package, settings.libraries)
    out = _without_leading_blank_lines(out, code)
    out = place_new_imports(out, input_import_lines(module), package, tr.new_imports)
    new_code = code_of(out)
    format_problem: str | None = None
    if style and new_code != code:
        # formatted before the support code is filled in, which black leaves alone: each
        # snippet is formatted on its own, once per process (see _fill_support)
        new_code, format_problem = _formatted(reference or code, new_code, settings)
    # checked with the support statements still standing as placeholder lines: each is a whole
    # top-level statement parsed once per process, so filling them in keeps the code valid
    checked = new_code
    if placeholders:
        filled = _fill_support(new_code, placeholders, out.default_indent, out.default_newline, style or None)
        if filled is None:  # a placeholder line was not found once: lay out in full (tested)
            filled = _with_support(out, placeholders, style or None).code
            if style:
                filled, format_problem = _formatted(reference or code, filled, settings)
            checked = filled
        new_code = filled
    try:
        if new_code != code:
            _check_parses(checked)
    except cst.ParserSyntaxError as exc:  # pragma: no cover - a bug in the engine
        message = "translation produced invalid Python"
        diag = Diagnostic(shown, exc.raw_line, exc.raw_column + 1, codes.INTERNAL_ERROR, message)
        return Translation(shown, code, code, Status.FAILED, [diag])
    diags: list[Diagnostic] = []
    if format_problem is not None and (tr.keep_code is None or tr.keep_code(codes.UNFORMATTED)):
        diags.append(Diagnostic(shown, 0, 0, codes.UNFORMATTED, format_problem, Severity.WARNING))
    if tr.diags:
        wanted = [n for d in tr.diags for n in d[:2] if n is not None]
        chains = [([n for n in d[:2] if n is not None], d[5]) for d in tr.diags]
        positions = _diag_positions(module, tr.diag_tops, wanted, originals, code, chains)
        for node, fallback, api, message, severity, _chain, dcode in tr.diags:
            pos = positions.get(node) or (positions.get(fallback) if fallback is not None else None)
            line, col = (pos.start.line, pos.start.column + 1) if pos else (0, 0)
            diags.append(Diagnostic(shown, line, col, dcode, message, severity, api))
    if diags:
        diags.sort(key=lambda d: (d.line, d.col, d.api or "", d.message, d.code))
        diags = list(dict.fromkeys(diags))
    status = Status.TRANSLATED if new_code != code else Status.UNCHANGED
    return Translation(shown, code, new_code, status, diags, tr.applied)
