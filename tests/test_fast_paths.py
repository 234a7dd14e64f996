"""The engine's fast paths must not change any output.

``translate_source`` skips subtrees with nothing to translate, walks read-only visitors without
LibCST's rebuilding ``visit``, lays out positions only for statements with diagnostics, checks
the output with CPython's parser first and caches rendered support code.  Each of these is
swapped here for the plain LibCST way of doing the same thing, and the results (code, status,
diagnostics with positions, rules applied) must be identical.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import libcst as cst
import pytest

from translator.translate import fastcst, header, imports, pipeline, positions, removal, resolve, rewrite
from translator.translate import support as support_code
from translator.translate.pipeline import translate_source

ROOT = Path(__file__).resolve().parent.parent
STAGES = (fastcst, header, imports, pipeline, positions, removal, resolve, rewrite)


def _big_source() -> str:
    """A large real file: the translation package's own modules one after the other, without
    their imports and each top-level statement once (the fast position path places statements
    by finding their text; this test wants it to succeed everywhere)."""
    seen: set[str] = set()
    body = []
    for path in sorted((ROOT / "translator" / "translate").glob("*.py")):
        for stmt in cst.parse_module(path.read_text(encoding="utf-8")).body:
            text = cst.Module(body=[stmt]).code
            if not text.lstrip().startswith(("from ", "import ", "if TYPE_CHECKING")) and text not in seen:
                seen.add(text)
                body.append(stmt)
    return cst.Module(body=body).code


@contextlib.contextmanager
def _replaced(name, value):
    """Replace ``name`` in every stage module that has it (modules import it from one another)."""
    owners = [m for m in STAGES if name in vars(m)]
    assert owners, name
    saved = [(m, vars(m)[name]) for m in owners]
    for m in owners:
        setattr(m, name, value)
    try:
        yield
    finally:
        for m, old in saved:
            setattr(m, name, old)


@contextlib.contextmanager
def reference_paths():
    """Run the engine the slow, plain-LibCST way."""

    def libcst_walk(node, visitor, skip=None):
        node.visit(visitor)  # every node, skipping nothing

    def no_skipping(module, *triggers):
        return set(), None  # visit everything; None: compute every position

    def libcst_parse(code):
        cst.parse_module(code)

    def uncached_render(names, root=None):
        return tuple(support_code.render(list(names), existing=set(), root=root))

    dispatch = {name: fastcst._Transformer.__dict__[name]
                for name in ("on_visit", "on_leave", "on_visit_attribute", "on_leave_attribute")}
    for name in dispatch:  # LibCST's own dispatch
        setattr(fastcst._Transformer, name, getattr(cst.CSTTransformer, name))
    saved_tidy = imports._TidyImports.on_visit
    imports._TidyImports.on_visit = cst.CSTTransformer.on_visit
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(_replaced("_USE_PLACEHOLDERS", False))
            stack.enter_context(_replaced("_holders", lambda module, match: None))  # enter every container
            stack.enter_context(_replaced("walk", libcst_walk))
            stack.enter_context(_replaced("_inert_subtrees", no_skipping))
            stack.enter_context(_replaced("_check_parses", libcst_parse))
            stack.enter_context(_replaced("_render_support", uncached_render))
            yield
    finally:
        imports._TidyImports.on_visit = saved_tidy
        for name, fn in dispatch.items():
            setattr(fastcst._Transformer, name, fn)


def _result(code: str, path: str) -> tuple:
    t = translate_source(code, path=path)
    return (t.status, t.code, [(str(d), d.severity) for d in t.diagnostics], dict(t.rules_applied))


def _torchvision_models() -> list[Path]:
    import importlib.util

    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(list(spec.submodule_search_locations)[0]) / "models"
    return sorted(root.rglob("*.py"))


SAMPLES = {
    "shadowing_and_scopes": """
import torch
import torch.nn as nn
from torch.nn import functional as F

def f(nn):  # a parameter called nn is not the import
    return nn.Conv2d(1, 2, 3)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, bias=False)  # comment kept
        self.fc = nn.Linear(8, 2)
        lam = lambda x: x.view(-1)
        sq = [y.size(0) for y in (torch.zeros(1),)]

    def forward(self, x):
        x = self.conv(x)
        x = torch.flatten(x, 1)
        return self.fc(x.view(x.size(0), -1))

class Sub(Net):
    pass

def untouched(a, b):
    # nothing here refers to torch
    return a + b
""",
    "removed_statements": """
import torch
torch.manual_seed(0)
if True:
    torch.manual_seed(1)
x = torch.cat([torch.zeros(2), torch.ones(2)], dim=0)
""",
    "star_args": """
import torch.nn as nn
conv = nn.Conv2d(*args, bias=False, **kwargs)
""",
    # support code (a function with a body) laid into a file indented with tabs, with CRLF newlines
    "support_tabs_crlf": (
        "import torch.nn as nn\r\n"
        "class Net(nn.Module):\r\n"
        "\tdef __init__(self):\r\n"
        "\t\tsuper().__init__()\r\n"
        "\t\tself.conv = nn.Conv2d(3, 8, 3)\r\n"
        "\t\tnn.init.kaiming_normal_(self.conv.weight, mode='fan_out', nonlinearity='relu')\r\n"
    ),
    # diagnostics (placed by finding statement text) in a CRLF file, deep in a multi-line call,
    # in an elif branch, in a class line and twice in one statement
    "diagnostics_crlf": (
        "import torch\r\n"
        "import torch.nn as nn\r\n"
        "class Net(nn.SomeLayerWithoutRule):\r\n"
        "    def f(self, x):\r\n"
        "        if x:\r\n"
        "            return 1\r\n"
        "        elif torch.unknown_a(x):\r\n"
        "            return torch.unknown_b(x, torch.unknown_c(x))\r\n"
        "        y = torch.cat(\r\n"
        "            [x, x],\r\n"
        "            dim=torch.unknown_d(),\r\n"
        "        )\r\n"
        "        return y.view(-1)\r\n"
        "def g(x):\r\n"
        "    return torch.unknown_b(x, torch.unknown_c(x))\r\n"
    ),
    "unknown_api": """
import torch
def g(t):
    return torch.some_api_without_rule(t), torch.jit.is_scripting()
""",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples_identical(name):
    code = SAMPLES[name].lstrip()
    fast = _result(code, f"{name}.py")
    with reference_paths():
        slow = _result(code, f"{name}.py")
    assert fast == slow


def test_torchvision_models_identical():
    files = _torchvision_models()
    if not files:
        pytest.skip("torchvision not installed")
    # a spread of sizes and styles (the whole folder takes minutes the slow way)
    picks = [f for f in files if f.name in {"resnet.py", "squeezenet.py", "googlenet.py", "_api.py", "_utils.py",
                                             "vision_transformer.py"} or f.parent.name == "quantization" and f.name == "resnet.py"]
    assert picks
    for f in picks:
        code = f.read_text(encoding="utf-8")
        fast = _result(code, str(f))
        with reference_paths():
            slow = _result(code, str(f))
        assert fast == slow, f


def test_walk_visits_what_libcst_visits():
    code = _big_source()
    module = cst.parse_module(code)

    class Record(cst.CSTVisitor):
        def __init__(self):
            self.seen = []

        def on_visit(self, node):
            self.seen.append(id(node))
            return True

    class RecordAll:
        def __init__(self):
            self.seen = []

        def __getattr__(self, name):
            if name.startswith("visit_"):
                return lambda node: self.seen.append(id(node))
            raise AttributeError(name)

    a, b = Record(), RecordAll()
    module.visit(a)
    resolve.walk(module, b)
    assert sorted(a.seen) == sorted(b.seen)


def test_positions_match_position_provider():
    from libcst.metadata import MetadataWrapper, PositionProvider

    code = _big_source()
    code += '\nx = (1 +\\\n     2)\ns = """a\r\nb\rc"""\nif x: y = 1; z = 2\n'
    module = cst.parse_module(code)
    nodes: list = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node):
            nodes.append(node)
            return True

    module.visit(Collect())
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    statements = {id(s) for s in module.body}
    wanted = [n for n in nodes if n is not module and not isinstance(n, cst.EmptyLine) or n in module.body]
    _, originals = fastcst._inert_subtrees(module, set(), set(), set())
    got = positions._diag_positions(module, statements, [n for n in wanted if id(n) in originals], originals)
    assert got and all(got[n] == expected[n] for n in got)
    assert len(got) == len([n for n in wanted if id(n) in originals])
    # with the source text: each top-level statement placed by finding its text
    found = positions._ranges_by_search(module, statements, code)
    assert found is not None
    searched = positions._diag_positions(module, statements, [n for n in wanted if id(n) in originals], originals, code)
    assert searched == got


def test_support_pieces_parse_like_the_whole_text():
    support = support_code
    names = list(support.SNIPPETS)
    sets = [(n,) for n in names] + [tuple(names), tuple(reversed(names))]
    for group in sets:
        try:
            whole = support.render(list(group), existing=set())
        except LookupError:  # a literal copied from a torchvision that is not installed
            continue
        pieces = header._render_support.__wrapped__(tuple(group))
        assert len(whole) == len(pieces), group
        assert all(a.deep_equals(b) for a, b in zip(whole, pieces)), group


def test_positions_by_enclosing_statement_match_position_provider():
    """Diagnostics are placed by laying out only the innermost enclosing statement whose text is
    unique (positions._ranges_by_chain); every node of a real file must get PositionProvider's range."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    code = _big_source()
    code += 'class T:\n\tdef f(self):\n\t\tif x:\n\t\t\treturn 1  # tab-indented\n\t\treturn 1\n'
    code += "def g():\n  return 1\ndef h():\n  return 1\n"  # a statement that is not unique
    module = cst.parse_module(code)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    items: list = []

    class Chains(cst.CSTVisitor):  # the statement chain the translator records
        def __init__(self):
            self.chain, self.indents = [], []

        def on_visit(self, node):
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                self.chain.append((node, tuple(self.indents)))
            elif isinstance(node, cst.IndentedBlock):
                self.indents.append(node.indent)
            if self.chain and isinstance(node, (cst.Name, cst.Call, cst.Attribute, cst.Arg)):
                items.append(([node], tuple(self.chain)))
            return True

        def on_leave(self, node):
            if isinstance(node, cst.IndentedBlock):
                self.indents.pop()
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                self.chain.pop()

    module.visit(Chains())
    assert len(items) > 10000
    ranges = positions._ranges_by_chain(module, items, code)
    assert ranges is not None
    for nodes, _chain in items:
        r = ranges[id(nodes[0])]
        pos = expected[nodes[0]]
        assert (r[0], r[1], r[2], r[3]) == (pos.start.line, pos.start.column, pos.end.line, pos.end.column)
    # one diagnostic at a time: each statement laid out only up to its node (a prefix)
    for nodes, chain in items[::37]:
        one = positions._ranges_by_chain(module, [(nodes, chain)], code)
        assert one is not None
        pos = expected[nodes[0]]
        assert one[id(nodes[0])] == (pos.start.line, pos.start.column, pos.end.line, pos.end.column)
    # `return 1` of g and h is not unique: their function definitions placed them
    g = module.body[-2]
    indents = (g.body.indent,)
    assert indents == ("  ",)
    assert code.count("  return 1\n") == 2
    assert not positions._place_statement(module, g.body.body[0], indents, code, {})
    placed: dict = {}
    assert positions._place_statement(module, g, (), code, placed)
    assert placed[id(g.body.body[0])][:2] == (expected[g.body.body[0]].start.line, 2)


def test_transformers_define_no_attribute_hooks():
    """fastcst._Transformer skips LibCST's visit_<Node>_<field> hooks: none may exist."""
    import re

    classes = {c for m in STAGES for c in vars(m).values() if isinstance(c, type) and issubclass(c, fastcst._Transformer)}
    assert len(classes) >= 3
    hook = re.compile(r"^(visit|leave)_[A-Z][A-Za-z]*_[a-z_]+$")
    for cls in classes:
        for klass in cls.__mro__:
            if klass.__module__.startswith("translator"):
                assert not [n for n in vars(klass) if hook.match(n)], cls


def test_trusted_parse_builds_the_same_tree_and_restores_validation(monkeypatch):
    """fastcst._parse_module skips LibCST's per-node validation only while parsing (CLI only)."""
    code = _big_source()
    fast = fastcst._parse_module(code, trusted=True)
    slow = fastcst._parse_module(code, trusted=False)
    assert fast.deep_equals(slow) and fast.code == code
    # validation is back for nodes built afterwards
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def test_cli_translation_with_trusted_parse_matches_library(tmp_path, capsys):
    from translator import cli
    from translator.settings import Settings

    files = _torchvision_models()
    if not files:
        pytest.skip("torchvision not installed")
    src = next(f for f in files if f.name == "resnet.py")
    out = tmp_path / "out.py"
    assert cli.main(["translate", str(src), "-o", str(out), "-q", "--no-cache"]) in (0, 1)
    code = src.read_text(encoding="utf-8")
    library = translate_source(code, path=str(src)).code
    assert out.read_text(encoding="utf-8") == library
    assert translate_source(code, path=str(src), settings=Settings(trust_parser=True)).code == library


def test_support_fallback_lays_out_the_same_code(monkeypatch):
    """When a placeholder line is not found once after printing, the support statements are put
    back into the tree and printed (header._with_support): the same output either way."""
    files = _torchvision_models()
    if not files:
        pytest.skip("torchvision not installed")
    src = next(f for f in files if f.name == "resnet.py")
    code = src.read_text(encoding="utf-8")
    normal = translate_source(code, path=str(src)).code
    monkeypatch.setattr(pipeline, "_fill_support", lambda *args: None)
    assert translate_source(code, path=str(src)).code == normal


def test_code_of_lays_out_what_libcst_does():
    """fastcst.code_of (codegen without position bookkeeping) writes what ``Module.code`` and
    ``code_for_node`` write: a whole module (its own indentation and newlines), every statement
    and every expression of it."""
    code = _big_source()
    module = cst.parse_module(code)
    assert fastcst.code_of(module) == module.code == code
    crlf = cst.parse_module("if x:\r\n\tf(a,\r\n\t  b)\r\n")
    assert fastcst.code_of(crlf) == crlf.code
    plain = cst.Module(body=[])
    nodes = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            if isinstance(node, (cst.BaseStatement, cst.BaseExpression)):
                nodes.append(node)
            return True

    module.visit(Collect())
    assert len(nodes) > 10_000
    for node in nodes:
        assert fastcst.code_of(node) == plain.code_for_node(node)
