"""The transformer: one pass over the tree that rewrites references, calls, method calls and
import statements by the rule table.

What it cannot translate it leaves in place, marks with a ``# TODO(torch2paddle): ...`` comment
line and reports.  Receiver evidence lives in ``evidence``, import planning and re-spelling in
``imports``, argument binding in ``arguments``; ``pipeline.translate_source`` runs it.
"""

from __future__ import annotations

from collections import Counter

import libcst as cst

from ..codes import code_for
from ..diagnostics import MARKER, Severity
from ..rules import ApiRule, RuleTable
from . import adapters, type_uses
from . import support as support_code
from .arguments import _changes_something, rewrite_args
from .call_forms import (
    _is_partial, leave_partial, _next_of_iterator_method, _out_argument, _typed, _uncoded, _versioned_rule, torch_init_partial,
    would_change,
    _without_arg,
)
from .context import TranslateContext
from .evidence import EvidenceMixin, str_method_call
from .fastcst import _Transformer
from .formatting import joined_markers, normalized_marker
from .peephole import CLEANED, clean
from .imports import ImportsMixin
from . import factories, layer_attrs, placement, reexports
from .legacy import legacy_reduction
from .registry import HANDLERS, Refusal, Refused, Removed, Rewritten, RuleCrash
from .results import Caveat
from .removal import _REMOVED_MARK, _dropped_line, _is_removed
from .resolve import Prepass
from .scopes import Scope, ScopeStack
from .syntax import _NO_SPACE, COMMA, EQ, _code, _keep_parens, _one_line, _version_tuple, fix_commas

_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


def _with_markers(stmt: cst.SimpleStatementLine | cst.BaseCompoundStatement, markers: list[str]):  # type: ignore[no-untyped-def]
    """``stmt`` with marker lines above it (not repeated; a statement a first pass marked gets no more)."""
    existing = joined_markers(_uncoded(line.comment.value) for line in stmt.leading_lines if line.comment)
    lines = [cst.EmptyLine(indent=True, whitespace=_NO_SPACE, comment=cst.Comment(m))
             for m in markers if normalized_marker(_uncoded(m)) not in existing and not existing]
    return stmt.with_changes(leading_lines=[*stmt.leading_lines, *lines])


def _pair_index(node: cst.Subscript) -> int | None:
    """0 or 1 for ``e[0]``/``e[1]``, else None."""
    index = node.slice[0].slice if len(node.slice) == 1 else None
    if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value in ("0", "1"):
        return int(index.value.value)
    return None


class Translator(EvidenceMixin, ImportsMixin, _Transformer):
    def __init__(self, table: RuleTable, pre: Prepass, path: str, paddle_version: str | None = None,
                 module: cst.Module | None = None) -> None:
        super().__init__()
        self.paddle_version = paddle_version
        self.table = table
        self.pre = pre
        self.path = path
        # (node, call, api, message, severity, enclosing statements: see stmt_chain, code)
        self.diags: list[tuple[cst.CSTNode, cst.CSTNode | None, str, str, Severity, tuple, str]] = []
        self.keep_code = None  # code -> bool: --select/--ignore (None: every code is reported)
        self.silencer = None  # suppress.Silencer when the file has `# torch2paddle: ignore` comments
        # the statements being visited, outermost first, each with the indentation of the blocks
        # around it (to lay out just the statement when a diagnostic needs a position)
        self.stmt_chain: list[tuple[cst.CSTNode, tuple[str | None, ...]]] = []
        self.block_indents: list[str | None] = []
        self.new_imports: set[str] = set()  # code of the Paddle imports this translation wrote
        self.dropped_lines = False  # a statement was removed (see _DropLines)
        self.applied: Counter = Counter()
        self.supports: list[str] = []
        self.need_paddle_import = False
        self.scopes = ScopeStack(pre, table.canonical)
        self.stmt_markers: list[list[str]] = []
        self.skip_names: set[int] = set()
        self.inner_chain: set[int] = set()
        self.call_funcs: set[int] = set()
        self.class_bases: set[int] = set()  # the base-class expressions of class statements
        self.identity_uses: set[int] = set()  # classes named for their identity (adapters.py)
        self.annotation_uses: set[int] = set()  # names and attributes inside annotations
        self.adapters: adapters.AdapterMaker | None = None  # torch classes used as values (pipeline sets it)
        self.dropped_args: set[int] = set()  # argument values placement.py drops (not translated)
        self.statement_calls: set[int] = set()
        # calls whose result is only taken apart: unpacked, `[0]`/`[1]`, `.values`/`.indices`
        self.pair_calls: set[int] = set()
        self.chain_roots: dict = {}  # expressions.chain_root's memo
        self.remove_stmt = False
        self.layer_classes: set[str] = set()  # classes in this file that subclass nn.Module
        self.store_attrs: set[int] = set()  # attributes that are assignment targets
        # paddle qualname -> local name, for the imports this translation writes
        self.out_bindings: dict[str, str] = {}
        self.stdlib_imports: set[tuple[str, str]] = set()  # (module, local): see ImportsMixin.spell
        self.import_plan: dict[int, list[cst.BaseSmallStatement]] = {}
        # local names that a Paddle import takes over from a torch import (`nn`, `F`, `th`)
        self.rebound: set[str] = set()
        self.torch_imports: list[str] = []  # modules untranslated code needs, e.g. "torch.nn"
        self.input_module: cst.Module | None = module  # the input (set by translate_source)
        self.tv_root = support_code.torchvision_root(None)  # where torchvision literals come from
        self._input_names: Counter | None = None
        self._plan_imports()
        self.inert: set[int] = set()  # subtrees with nothing to translate (see _inert_subtrees)
        self.top_stmt: cst.CSTNode | None = None  # the top-level statement being translated
        self.diag_tops: set[int] = set()  # top-level statements with diagnostics

    # ---------------------------------------------------------------- diagnostics -------
    def report(
        self, node: cst.CSTNode, code: str, message: str, severity: Severity, fallback: cst.CSTNode | None = None,
        *, kind: Refusal | Caveat,
    ) -> None:
        """Record a diagnostic (``code``: the torch API concerned; its stable code comes from
        ``kind`` and ``severity``) and its marker line; ``fallback`` (the call as written) gives
        the position when ``node`` is a new node (handlers see updated nodes, which have none).
        Messages are one line (a quoted argument may span several): they become comments.
        Not reported: codes ``--ignore``d, and codes a suppression comment names at the spot."""
        tcode = code_for(kind, severity)
        if self.keep_code is not None and not self.keep_code(tcode):
            return
        if self.silencer is not None and self.silencer.silenced((fallback, node), tcode):
            return
        message = _one_line(message)
        self.diags.append((node, fallback, code, message, severity, tuple(self.stmt_chain), tcode))
        self.diag_tops.add(id(self.top_stmt))
        if self.stmt_markers:
            marker = f"# {MARKER}: {tcode} {code}: {message}"
            if marker not in self.stmt_markers[-1]:
                self.stmt_markers[-1].append(marker)

    def refuse(self, refused: Refused, code: str, fallback: cst.CSTNode | None = None) -> None:
        """Report a refusal (the engine's own, or a handler's) as a diagnostic."""
        assert refused.node is not None
        self.report(refused.node, refused.code or code, refused.message, refused.severity, fallback, kind=refused.kind)

    def commit(self, ctx: TranslateContext, result: object, rule: ApiRule) -> Rewritten | Removed | None:
        """Apply what a rule's context recorded (warnings; support code and ``import paddle``
        only when the result is kept) and read its result: the rewrite or removal to use, or
        None when it refused (its diagnostics reported after the context's).  A result of no result type is a bug in the
        rule: it stops the translation of the file, naming the rule."""
        try:
            typed = _typed(result)
        except TypeError as exc:
            raise RuleCrash(rule.torch, ctx.node if ctx.node is not None else cst.Name(rule.name), exc) from exc
        if isinstance(typed, Refused):
            ctx.refuse(typed, rule.torch)
        elif self.silencer is not None and any(
            self.silencer.silenced((ctx.original, n[0]), code_for(n[4], n[3])) for n in ctx.notes
        ):
            return None  # `# torch2paddle: ignore[CODE]` names a warning of this rewrite: not made
        for node, code, message, severity, kind in ctx.notes:
            self.report(node, code, message, severity, ctx.original, kind=kind)
        if isinstance(typed, Refused):
            return None  # what the refused rewrite would have needed is not emitted
        for name in ctx.supports:
            self.need_support(name)
        if ctx.needs_paddle:
            self.use_paddle()
        return typed

    def missing_support(self, name: str, node: cst.CSTNode, code: str) -> Refused | None:
        """Why support snippet ``name`` cannot be emitted (a literal it copies from torchvision
        cannot be found), or None when it can."""
        if support_code.literal_available(name, self.tv_root):
            return None
        message = (f"{name} is copied from torchvision's models/_meta.py, which was not found (torchvision "
                   "is not installed and this file is not inside a torchvision tree); left unchanged")
        return Refused(Refusal.SOURCE_NOT_FOUND, message, node, code)

    def need_support(self, name: str, node: cst.CSTNode | None = None, code: str | None = None) -> bool:
        """Emit support snippet ``name`` (and what it needs); False, reported at ``node``, when a
        literal it copies from torchvision cannot be found."""
        missing = self.missing_support(name, node or cst.Name(name), code or name)
        if missing is not None:
            if node is not None:
                self.refuse(missing, name)
            return False
        for dep in support_code.closure(name):
            if dep not in self.supports:
                self.supports.append(dep)
        if support_code.needs_paddle(name):
            self.need_paddle_import = True
        return True

    def visit_Module(self, node: cst.Module) -> None:
        # Classes that subclass nn.Module are known before any function body is read, so that
        # `model = Net()` anywhere in the file is layer evidence.
        for stmt in node.body:
            if isinstance(stmt, cst.ClassDef) and self._class_is_layer(stmt):
                self.layer_classes.add(stmt.name.value)
        self.infer_receivers(node)
        self.module_node = node  # placement.py reads module-level assignments from it

    # ---------------------------------------------------------------- visitors ---------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.inert or (self.silencer is not None and id(node) in self.silencer.untouched):
            return False
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            if not self.stmt_markers:
                self.top_stmt = node
            self.stmt_markers.append([])
            self.stmt_chain.append((node, tuple(self.block_indents)))
        elif isinstance(node, cst.IndentedBlock):
            self.block_indents.append(node.indent)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[override]
        if id(original_node) in self.inert:
            return updated_node
        if self.silencer is not None and id(original_node) in self.silencer.untouched:
            return self.keep_torch(original_node)  # `# torch2paddle: ignore`: as written
        result = super().on_leave(original_node, updated_node)
        if result is not original_node and isinstance(result, CLEANED):
            result = self._cleaned(original_node, result)
        if isinstance(original_node, cst.IndentedBlock):
            self.block_indents.pop()
        if isinstance(original_node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self.stmt_chain.pop()
            markers = self.stmt_markers.pop()
            if markers and isinstance(result, cst.FlattenSentinel):  # an import line split in several
                return cst.FlattenSentinel([_with_markers(result.nodes[0], markers), *result.nodes[1:]])
            result = _with_markers(result, markers) if markers and isinstance(result, _STATEMENTS) else result
        return result

    def _cleaned(self, original: cst.CSTNode, result: cst.CSTNode):  # type: ignore[no-untyped-def]
        """``result`` after the peephole clean-ups (``peephole``) of what this translation made."""
        in_class = bool(len(self.scopes)) and self.scopes[-1].kind == "class"
        cleaned = clean(original, result, in_class)
        if cleaned is None:
            return result
        if isinstance(cleaned, cst.SimpleStatementLine) and not cleaned.body:
            if self.stmt_markers and self.stmt_markers[-1]:
                return result  # the statement carries a marker: it stays
            self.dropped_lines = True
            return _dropped_line(result)
        return cleaned

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def leave_SimpleStatementLine(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        if self.remove_stmt:
            self.remove_stmt = False
            body = [s for s in updated_node.body if not isinstance(s, cst.Expr) or not _is_removed(s)]
            if not body:
                self.dropped_lines = True
                return _dropped_line(updated_node)
            updated_node = updated_node.with_changes(body=body)
        new_body: list[tuple[cst.BaseSmallStatement, bool]] = []  # (statement, written by us)
        changed = False
        for orig, upd in zip(original_node.body, updated_node.body):
            plan = self.import_plan.get(id(orig))
            if plan is None:
                new_body.append((upd, False))
                continue
            changed = True
            reexports.bind(self, orig, original_node)  # a name imported for other modules stays bound
            new_body.extend((p, True) for p in plan)
            new_body.append((upd, False))  # the torch import stays until the tidy pass knows it is unused
        if not changed:
            return updated_node
        lines = []
        for i, (small, is_new) in enumerate(new_body):
            small = small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            if is_new:
                self.new_imports.add(_code(small).strip())
            if i == 0:
                lines.append(updated_node.with_changes(body=[small]))
            else:
                lines.append(cst.SimpleStatementLine(body=[small]))
        return cst.FlattenSentinel(lines)

    def leave_IndentedBlock(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        if not updated_node.body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
        return updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.skip_names.add(id(node.name))
        self.class_bases.update(id(base.value) for base in node.bases)
        is_layer = self._class_is_layer(node)
        if is_layer:
            self.layer_classes.add(node.name.value)
        self.scopes.push(Scope("class", self.pre.scope_locals.get(id(node), set()), node, is_layer))

    def leave_ClassDef(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self.scopes.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.skip_names.add(id(node.name))
        scope = Scope("function", self.pre.scope_locals.get(id(node), set()), node)
        self.scopes.push(scope)

    def leave_FunctionDef(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self.scopes.pop()
        return updated_node

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.push(Scope("function", self.pre.scope_locals.get(id(node), set()), node))

    def leave_Lambda(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self.scopes.pop()
        return updated_node

    def _visit_comp(self, node: cst.CSTNode) -> None:
        self.scopes.push(Scope("comp", self.pre.scope_locals.get(id(node), set()), node))

    def _leave_comp(self, original_node, updated_node):  # type: ignore[no-untyped-def]
        self.scopes.pop()
        return updated_node

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_comp  # type: ignore[assignment]
    leave_ListComp = leave_SetComp = leave_DictComp = leave_GeneratorExp = _leave_comp  # type: ignore[assignment]

    def visit_Expr(self, node: cst.Expr) -> None:
        self.statement_calls.add(id(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        self.call_funcs.add(id(node.func))
        layer_attrs.mark_value_uses(self, node)
        self.identity_uses.update(map(id, adapters.identity_positions(node)))
        rule = self.table.apis.get(self.scopes.resolve(node.func) or "")
        if rule is None and isinstance(node.func, cst.Attribute) and any(
            a.keyword is not None and a.keyword.value in placement.DROPPED for a in node.args
        ):
            rule = self._method_rule(node)
        if rule is not None:  # device=/layout=/memory_format= values the call will drop
            self.dropped_args.update(id(v) for v in placement.dropped_values(self, rule, node))
        if _is_partial(node):
            # `partial(nn.BatchNorm2d, eps=1e-3)`: the function is translated with its arguments,
            # as a call of it would be (leave_Call)
            self.call_funcs.add(id(node.args[0].value))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self.identity_uses.update(map(id, adapters.identity_positions(node)))

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self.identity_uses.update(map(id, adapters.names_in(node)))
        self.annotation_uses.update(map(id, adapters.names_in(node)))

    def visit_Param(self, node: cst.Param) -> None:
        self.skip_names.add(id(node.name))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip_names.add(id(node.keyword))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in ("values", "indices"):
            self.pair_calls.add(id(node.value))
        self.skip_names.add(id(node.attr))
        layer_attrs.mark_value_uses(self, node)
        self.inner_chain.add(id(node.value))

    def visit_Global(self, node: cst.Global) -> bool:
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        return False

    # ---------------------------------------------------------------- references -------
    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        if id(original_node) in self.skip_names or id(original_node) in self.inner_chain or id(original_node) in self.dropped_args:
            return updated_node
        return self._rewrite_reference(original_node, updated_node)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        pair = updated_node.value
        if original_node.attr.value in ("values", "indices") and isinstance(original_node.value, cst.Call) and (
            isinstance(pair, cst.Tuple) and len(pair.elements) == 2 and pair is not original_node.value
        ):  # `x.max(dim).values`: the translation gave the (values, indices) pair as a tuple
            return pair.elements[0 if original_node.attr.value == "values" else 1].value
        if id(original_node) in self.inner_chain and self.scopes.resolve(original_node) is not None:
            return updated_node
        if id(original_node) in self.dropped_args:
            return updated_node
        if self.scopes.resolve(original_node) is None:
            return self._rewrite_tensor_attribute(original_node, updated_node)
        return self._rewrite_reference(original_node, updated_node)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if _pair_index(node) is not None:
            self.pair_calls.add(id(node.value))

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.BaseExpression:
        pair, k = updated_node.value, _pair_index(original_node)
        if k is not None and isinstance(original_node.value, cst.Call) and isinstance(pair, cst.Tuple) and (
            len(pair.elements) == 2 and pair is not original_node.value
        ):  # `x.max(1)[1]`: the translation gave the (values, indices) pair as a tuple
            return pair.elements[k].value
        return updated_node

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, (cst.Tuple, cst.List)):
            self.pair_calls.add(id(node.value))
        for t in node.targets:
            if isinstance(t.target, cst.Attribute):
                self.store_attrs.add(id(t.target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Attribute):
            self.store_attrs.add(id(node.target))

    def leave_AugAssign(self, original_node: cst.AugAssign, updated_node: cst.AugAssign):  # type: ignore[no-untyped-def]
        layer_attrs.write(self, original_node, updated_node)  # `conv.stride *= 2`: reported
        return updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign):  # type: ignore[no-untyped-def]
        """``x.requires_grad = False``: an attribute rule's handler gets the whole assignment."""
        if len(original_node.targets) != 1:
            return updated_node
        tied = self._tied_weight(original_node, updated_node)
        if tied is not None:
            return tied
        target = original_node.targets[0].target
        if not isinstance(target, cst.Attribute) or self.scopes.resolve(target) is not None:
            return updated_node
        written = layer_attrs.write(self, original_node, updated_node)  # `conv.stride = (1, 1)`
        if written is not None:
            return written
        rules = [r for r in self.table.methods.get(target.attr.value, ()) if r.kind == "attribute" and not r.layers]
        if not rules or rules[0].handler is None:
            return updated_node
        rule = rules[0]
        if not self._receiver_matches(rule.receiver, target.value):
            if self.is_other_expr(target.value):
                return updated_node  # known not to be a torch object
            self.report(
                original_node, rule.torch,
                f"the receiver is not known to be a {rule.receiver}; left unchanged", Severity.WARNING,
                kind=Refusal.UNKNOWN_RECEIVER,
            )
            return updated_node
        ctx = TranslateContext(self, original_node, updated_node)
        try:
            result = HANDLERS[rule.handler](ctx, updated_node, rule)  # type: ignore[arg-type,index]
        except Exception as exc:
            raise RuleCrash(rule.torch, original_node, exc) from exc
        kept = self.commit(ctx, result, rule)
        if not isinstance(kept, Rewritten):
            return updated_node
        self.applied[rule.torch] += 1
        return kept.node

    def _tied_weight(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign | None:
        """``self.decoder.weight = self.encoder.weight`` in a layer: Paddle's Linear stores its
        weight as [in, out], an Embedding as [num, dim] (torch's Linear layout), so a Linear tied to
        an Embedding must compute with the weight transposed; ``_torch_tie_weight`` decides at run
        time and returns both layers, assigned back: ``a, b = _torch_tie_weight(a, b)``."""
        target, value = original.targets[0].target, original.value
        if not (isinstance(target, cst.Attribute) and isinstance(value, cst.Attribute)):
            return None
        if target.attr.value != "weight" or value.attr.value != "weight" or not self.scopes.current_class_is_layer():
            return None
        if not self.need_support("_torch_tie_weight", original):
            return None
        owners = [updated.targets[0].target.value, updated.value.value]  # type: ignore[attr-defined]
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        pair = cst.Tuple([cst.Element(owners[0], comma=comma), cst.Element(owners[1])], lpar=[], rpar=[])
        call = cst.Call(cst.Name("_torch_tie_weight"), [cst.Arg(owners[0], comma=comma), cst.Arg(owners[1])])
        return updated.with_changes(targets=[updated.targets[0].with_changes(target=pair)], value=call)

    def _rewrite_tensor_attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        """``x.T``, ``x.data``, ``x.shape``: attribute rules, applied when ``x`` is a tensor.

        An assigned attribute (``x.requires_grad = False``) is left to ``leave_Assign``.
        """
        if id(original) in self.call_funcs or id(original) in self.store_attrs:
            return updated
        layer_attribute = layer_attrs.read(self, original, updated)  # `conv.in_channels`
        if layer_attribute is not None:
            return layer_attribute
        rules = [r for r in self.table.methods.get(original.attr.value, ()) if r.kind == "attribute" and not r.layers]
        if not rules:
            return updated
        rule = rules[0]
        if not self._receiver_matches(rule.receiver, original.value) or self.too_new(rule, original):
            return updated
        self.applied[rule.torch] += 1
        if rule.handler is not None:
            ctx = TranslateContext(self, None, updated)
            kept = self.commit(ctx, HANDLERS[rule.handler](ctx, updated, rule), rule)  # type: ignore[arg-type]
            return kept.node if isinstance(kept, Rewritten) else updated  # type: ignore[return-value]
        new_name = rule.paddle.rsplit(".", 1)[-1] if rule.paddle else original.attr.value
        if new_name == original.attr.value:
            return updated
        return updated.with_changes(attr=cst.Name(new_name))

    def _rewrite_reference(self, original: cst.BaseExpression, updated: cst.BaseExpression) -> cst.BaseExpression:
        qual = self.scopes.resolve(original)
        if qual is None:
            return updated
        parts = qual.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            rest = parts[i:]
            rule = self.table.apis.get(prefix)
            if rule is not None:
                if rule.kind != "function":
                    continue
                if self.too_new(rule, None if id(original) in self.call_funcs else original):
                    return updated if id(original) in self.call_funcs else self.keep_torch(original)  # the call reports it
                # the function of a call whose own rule this is: that rule decides, emits what
                # it needs and counts the call, when it keeps its rewrite
                deferred = id(original) in self.call_funcs and not rest
                if rule.annotation is not None and not rest and not deferred and id(original) in self.identity_uses:
                    return _keep_parens(original, type_uses.type_use(self, rule, original))
                if not rest and not deferred and self._value_use(rule, original):
                    adapted = adapters.value_target(self, rule, original)
                    if adapted is False:
                        return self.keep_torch(original)
                    if adapted is not None:
                        self.applied[rule.torch] += 1
                        return _keep_parens(original, adapted)
                target = self._reference_target(rule, original, deferred)
                if target is None:
                    return updated if id(original) in self.call_funcs else self.keep_torch(original)
                if not deferred:
                    self.applied[rule.torch] += 1
                node = target
                for attr in rest:
                    node = cst.Attribute(value=node, attr=cst.Name(attr))
                return _keep_parens(original, node)
            module = self.table.modules.get(prefix)
            if module is not None:
                if rest:
                    self.report(original, qual, self.table.no_rule_message(qual), Severity.ERROR, kind=Refusal.NO_RULE)
                    return self.keep_torch(original)
                if module.paddle is None:
                    message = "this torch module has no Paddle counterpart; left unchanged"
                    self.report(original, qual, message, Severity.ERROR, kind=Refusal.NO_RULE)
                    return self.keep_torch(original)
                return _keep_parens(original, self.ref(module.paddle))
        self.report(original, qual, self.table.no_rule_message(qual), Severity.ERROR, kind=Refusal.NO_RULE)
        return self.keep_torch(original)


    def _value_use(self, rule: ApiRule, node: cst.CSTNode) -> bool:
        """A torch class named to be called later with torch's arguments (``adapters``), or a base
        class: a subclass is built with torch's arguments too."""
        return (self.adapters is not None and adapters.adaptable(rule, getattr(self, "torch_init", False))
                and id(node) not in self.call_funcs
                and (id(node) not in self.class_bases or rule.subclass is None) and id(node) not in self.identity_uses)

    def _versioned(self, rule: ApiRule) -> ApiRule:
        return _versioned_rule(rule, self.paddle_version)

    def too_new(self, rule: ApiRule, node: cst.CSTNode | None) -> bool:
        """``paddle_version`` selects: a rule whose ``min_paddle`` is newer is not applied.

        The code is left as written and, when ``node`` is given, reported as untranslated.
        """
        if not (self.paddle_version and rule.min_paddle):
            return False
        if _version_tuple(rule.min_paddle) <= _version_tuple(self.paddle_version):
            return False
        if node is not None:
            message = f"needs Paddle >= {rule.min_paddle}, translating for Paddle {self.paddle_version}; left unchanged"
            self.report(node, rule.torch, message, Severity.ERROR, kind=Refusal.NEEDS_NEWER_PADDLE)
        return True

    def _reference_target(self, rule: ApiRule, node: cst.CSTNode, deferred: bool = False) -> cst.BaseExpression | None:
        """What a reference to ``rule``'s API becomes; with ``deferred`` (the function of a call
        of this very rule) nothing is emitted yet: ``_apply_call_rule`` does, if it keeps the call.
        A base class whose rule names a ``subclass`` becomes that support class."""
        if rule.subclass is not None and id(node) in self.class_bases:
            return cst.Name(rule.subclass) if self.need_support(rule.subclass, node, rule.torch) else None
        if rule.support is not None:
            if deferred:
                return cst.Name(rule.support)
            return cst.Name(rule.support) if self.need_support(rule.support, node, rule.torch) else None
        if rule.paddle is not None and rule.handler is None:
            return self.spell(rule.paddle)[0] if deferred else self.ref(rule.paddle)
        if id(node) in self.call_funcs:
            return None  # translated as a whole by the call's handler
        if rule.paddle is not None:
            return self.ref(rule.paddle)
        message = "only calls of this API can be translated; left unchanged"
        self.report(node, rule.torch, message, Severity.ERROR, kind=Refusal.UNSUPPORTED_USE)
        return None

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if _is_partial(original_node) and isinstance(updated_node.func, (cst.Name, cst.Attribute)):
            return leave_partial(self, original_node, updated_node)
        qual = self.scopes.resolve(original_node.func)
        rule: ApiRule | None = None
        if qual is not None:
            rule = self.table.apis.get(qual)
            if rule is None or rule.kind != "function":
                return updated_node
        elif isinstance(original_node.func, cst.Attribute):
            rule = self._method_rule(original_node)
            if rule is None:
                untyped = adapters.unknown_receiver_call(self, original_node, updated_node)
                if untyped is not None:
                    return untyped  # `t.clamp_(...)`, t of unknown kind: `_torch_clamp_(t, ...)`
                self._warn_unknown_receiver(original_node, updated_node)
                self._report_unruled_tensor_method(original_node)
                return updated_node
        else:
            return self._builtin_call(original_node, updated_node)
        if self.too_new(rule, original_node):
            return self.keep_torch(original_node) if qual is not None else updated_node
        ctx = TranslateContext(self, original_node, updated_node, statement=id(original_node) in self.statement_calls,
                               pair=id(original_node) in self.pair_calls)
        try:
            outcome = self._apply_call_rule(rule, ctx, original_node, updated_node)
        except RuleCrash:
            raise
        except Exception as exc:  # a rule bug must name the rule and the place
            raise RuleCrash(rule.torch, original_node, exc) from exc
        kept = self.commit(ctx, outcome, rule)
        if isinstance(kept, Removed) and id(original_node) not in self.statement_calls:
            # only a whole statement can go: a result someone uses stays, reported
            message = "this call has no Paddle counterpart and its result is used; left unchanged"
            self.report(original_node, rule.torch, message, Severity.ERROR, kind=Refusal.UNSUPPORTED_USE)
            kept = None
        if isinstance(kept, Removed):
            self.remove_stmt = True
            self.applied[rule.torch] += 1
            return _REMOVED_MARK.deep_clone()
        if kept is None:
            if rule.kind == "function" and qual is not None:
                return self.keep_torch(original_node)  # keep the torch call as written
            return updated_node
        result = kept.node
        self.applied[rule.torch] += 1
        if original_node.lpar and isinstance(result, cst.BaseExpression) and not getattr(result, "lpar", None):
            result = _keep_parens(original_node, result)  # `(a\n .b())` must keep its parentheses
        return result  # type: ignore[return-value]

    def _builtin_call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """``next(m.parameters())`` and ``getattr(nn, rnn_type)``: builtins applied to torch."""
        if not isinstance(original.func, cst.Name) or not original.args:
            return updated
        if original.func.value == "getattr" and len(original.args) == 2 and self.scopes.resolve(original.args[0].value) == "torch.nn":
            if self.need_support("_torch_nn_class", original):
                return cst.Call(cst.Name("_torch_nn_class"), [updated.args[1].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
        return factories.factory_call(self, original, updated) or _next_of_iterator_method(original, updated)

    def _method_rule(self, call: cst.Call) -> ApiRule | None:
        func = call.func
        assert isinstance(func, cst.Attribute)
        candidates = self.table.methods.get(func.attr.value)
        if not candidates:
            return None
        recv = func.value
        if self.scopes.resolve(recv) is not None or self._rooted_in_other_import(recv):
            return None  # a module attribute such as torch.view, or a call on paddle/numpy objects
        # rules for a specific receiver (tensor, layer, optimizer) before catch-all ones
        for rule in sorted(candidates, key=lambda r: r.receiver == "any"):
            if rule.kind != "method":
                continue
            if self._receiver_matches(rule.receiver, recv):
                return rule
            layer_only = rule.name in self.table.names_with_evidence("method", "layer-only")
            if rule.receiver == "layer" and layer_only and isinstance(recv, (cst.Attribute, cst.Subscript)):
                if self.is_layer_expr(recv.value):
                    return rule  # `model.backbone.parameters()`: only layers have this method
        return None

    def _warn_unknown_receiver(self, original: cst.Call, updated: cst.Call) -> None:
        """A method rule exists but the receiver is not known to be what it needs (nor known to
        be something else: ``self.relu(x)`` in a layer calls a sublayer; ``np.ones(3).view()``):
        warn, unless the rule would leave this very call unchanged (``x.reshape([2, 3])`` is
        already valid Paddle; re-translating a translation must not add warnings)."""
        func = original.func
        assert isinstance(func, cst.Attribute)
        candidates = [r for r in self.table.methods.get(func.attr.value, ()) if r.kind == "method"]
        if not candidates or not self.receiver_unknown(func.value) or str_method_call(original):
            return
        rule = candidates[0]
        if not _changes_something(rule) or not self._would_change(rule, original, updated):
            return
        self.report(
            original, rule.torch, f"the receiver is not known to be a {rule.receiver}; left unchanged", Severity.WARNING,
            kind=Refusal.UNKNOWN_RECEIVER,
        )

    def _report_unruled_tensor_method(self, original: cst.Call) -> None:
        """A public ``torch.Tensor`` method (``RuleTable.tensor_methods``) called on a receiver
        known to be a tensor, with no rule for tensors: reported like any other torch API the
        table does not know, never passed through silently (it may not exist in Paddle, or
        mean something else there)."""
        func = original.func
        assert isinstance(func, cst.Attribute)
        name = func.attr.value
        if name not in self.table.tensor_methods:
            return
        if any(r.kind == "method" and r.receiver in ("tensor", "any") for r in self.table.methods.get(name, ())):
            return
        recv = func.value
        if self.scopes.resolve(recv) is not None or self._rooted_in_other_import(recv) or not self.is_tensor_expr(recv):
            return
        message = self.table.no_rule_message(f"torch.Tensor.{name}")
        self.report(original, f"torch.Tensor.{name}", message, Severity.ERROR, kind=Refusal.NO_RULE)

    def _would_change(self, rule: ApiRule, original: cst.Call, updated: cst.Call) -> bool:
        """Dry run of ``rule`` on the call (``would_change``), with a context that is thrown away."""
        ctx = TranslateContext(self, original, updated, statement=id(original) in self.statement_calls)
        try:
            return would_change(_typed(self._apply_call_rule(rule, ctx, original, updated)), updated)
        except Exception:
            return False  # the rule would not apply to this call anyway

    def _receiver_matches(self, receiver: str, recv: cst.BaseExpression) -> bool:
        if receiver == "any":
            return True
        if receiver == "tensor":
            return self.is_tensor_expr(recv)
        if receiver == "layer":
            return self.is_layer_expr(recv)
        if receiver == "optimizer":
            return self.is_optimizer_expr(recv)
        return False

    def _apply_call_rule(self, rule: ApiRule, ctx: TranslateContext, original: cst.Call, updated: cst.Call) -> object:
        """The rule's result on the call: its handler's, or the data rewrite's.

        ``out=`` (a torch function's result written into a given tensor), which no Paddle
        function takes: the call is translated without it and its result written into the
        tensor by the emitted ``_torch_out``, for every function entry that lists ``out`` among
        the arguments Paddle cannot express."""
        if rule.since:  # arguments a newer Paddle takes: passed on, or refused naming the version
            rule = self._versioned(rule)
        expanded = placement.expand_kwargs(self, rule, updated)  # **dd of a dict built here
        if expanded is not None:
            return self._apply_call_rule(rule, ctx, placement.expand_kwargs(self, rule, original) or original, expanded)
        placed = placement.placed(self, rule, updated)  # device=, layout=, memory_format=, a layer's dtype=
        if placed is not None:
            call, dtype = placed
            result = self._apply_call_rule(rule, ctx, (placement.placed(self, rule, original) or (original,))[0], call)
            node = result.node if isinstance(result, Rewritten) else result
            if dtype is None or not isinstance(node, cst.BaseExpression):
                return result
            ctx.support("_module_to")
            return Rewritten(cst.Call(func=cst.Name("_module_to"), args=[cst.Arg(node, comma=COMMA), cst.Arg(dtype)]))
        grad = placement.requires_grad(rule, updated)  # requires_grad= that Paddle's function lacks
        if grad is not None:
            call, flag = grad
            result = self._apply_call_rule(rule, ctx, (placement.requires_grad(rule, original) or (original,))[0], call)
            node = result.node if isinstance(result, Rewritten) else result
            if flag is None or not isinstance(node, cst.BaseExpression):
                return result
            ctx.support("_requires_grad_")
            return Rewritten(cst.Call(func=cst.Name("_requires_grad_"), args=[cst.Arg(node, comma=COMMA), cst.Arg(flag)]))
        legacy = legacy_reduction(rule, updated)  # size_average=/reduce= -> reduction=
        if legacy is not None:
            if isinstance(legacy, Refused):
                return legacy
            return self._apply_call_rule(rule, ctx, legacy_reduction(rule, original) or original, legacy)  # type: ignore[arg-type]
        out = _out_argument(rule, updated)
        if out is not None:
            result = self._apply_call_rule(rule, ctx, _without_arg(original, out[1]), _without_arg(updated, out[1]))
            node = result.node if isinstance(result, Rewritten) else result
            if not isinstance(node, cst.BaseExpression):
                return result  # refused (or removed): as it is
            ctx.support("_torch_out")
            return Rewritten(cst.Call(func=cst.Name("_torch_out"), args=[
                cst.Arg(node, comma=COMMA), cst.Arg(out[0].value, keyword=cst.Name("out"), equal=EQ),
            ]))
        if rule.handler is not None:
            fn = HANDLERS.get(rule.handler)
            if fn is None:
                raise RuntimeError(f"rule {rule.source} names unknown handler {rule.handler!r}")
            if rule.support is not None:
                missing = self.missing_support(rule.support, original, rule.torch)
                if missing is not None:
                    return missing
                ctx.support(rule.support)
            return fn(ctx, updated, rule)
        if rule.kind == "function" and rule.support is not None:
            missing = self.missing_support(rule.support, original, rule.torch)
            if missing is not None:
                return missing
            ctx.support(rule.support)
        elif rule.kind == "function" and rule.paddle is not None:
            ctx.ref(rule.paddle)  # (the call's function was spelled so: record `import paddle` if it needs it)
        new_args = rewrite_args(
            rule, original, updated, lambda node, message: ctx.warn(node, rule.torch, message, Caveat.UNCHECKED)
        )
        if isinstance(new_args, Refused):
            return new_args
        if rule.kind == "method":
            func = updated.func
            assert isinstance(func, cst.Attribute)
            if rule.paddle is not None:
                func = func.with_changes(attr=cst.Name(rule.paddle.rsplit(".", 1)[-1]))
            return Rewritten(updated.with_changes(func=func, args=new_args))
        return Rewritten(updated.with_changes(args=new_args))
