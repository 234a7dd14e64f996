"""formatting gives black a changed statement alone (format_units) only where black lays it out as
it would inside its whole top-level statement: each case is formatted both ways and compared."""

from __future__ import annotations

import textwrap

import pytest

from translator.translate import format_units, formatting

CASES = {
    "statement in a method": ("class A(nn.Module):\n    def f(self, x):\n        y = 1\n        return torch.cat([x,x],1)\n",
                              "torch.cat", "paddle.concat"),
    "comment above": ("class A:\n    def f(self):\n        a = 1\n        # note\n        b = torch.zeros(1,2,3)\n",
                      "torch.zeros", "paddle.zeros"),
    "changed comment above": ("class A:\n    def f(self):\n        a = 1\n        # old   note\n        b = torch.zeros(1,2)\n",
                              "# old   note\n        b = torch.zeros", "#new note\n        b = paddle.zeros"),
    "header": ("class A(nn.Module):\n    '''doc'''\n\n    def f(self, x: Tensor) -> Tensor:\n        return x\n",
               "nn.Module", "nn.Layer"),
    "def header after a comment": ("class A:\n    x = 1\n    # c\n    def f(self, a: Tensor, b: Tensor, c: Tensor, d: Tensor, e: Tensor, ff: Tensor) -> Tensor:\n        return a\n",
                                   "Tensor)", "paddle.Tensor)"),
    "after an import": ("def f():\n    import os\n    x = torch.ones(1)\n", "torch.ones", "paddle.ones"),
    "after a docstring": ("class A:\n    '''doc'''\n    x = torch.ones(1)\n", "torch.ones", "paddle.ones"),
    "after a function docstring": ("def f():\n    \"\"\"doc\"\"\"\n    return torch.ones(1,2,3)\n", "torch.ones", "paddle.ones"),
    "after a string statement": ("class A:\n    x = 1\n    \"\"\"doc\"\"\"\n    y = torch.ones(1,2,3)\n", "torch.ones", "paddle.ones"),
    "after a nested def": ("def f():\n    def g():\n        pass\n    x = torch.ones(1)\n", "torch.ones", "paddle.ones"),
    "two blank lines above": ("def f():\n    a = 1\n\n\n    x = torch.ones(1)\n", "torch.ones", "paddle.ones"),
    "first in block": ("def f():\n\n    x = torch.ones(1)\n", "torch.ones", "paddle.ones"),
    "else block": ("def f(a):\n    if a:\n        b = 1\n    else:\n        b = torch.ones( 1 )\n    return b\n",
                   "torch.ones", "paddle.ones"),
    "elif block": ("def f(a):\n    if a:\n        b = 1\n    elif a > 1:\n        b = torch.ones( 1 )\n    return b\n",
                   "torch.ones", "paddle.ones"),
    "elif header": ("def f(m):\n    if isinstance(m, nn.Conv2d):\n        a = 1\n    elif isinstance(m, nn.BatchNorm2d):\n        a = 2\n",
                    "nn.BatchNorm2d", "nn.BatchNorm2D"),
    "elif header split": ("def f(m):\n    if m:\n        a = 1\n    elif isinstance(mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm, nn.BatchNorm2d) and m is not None:\n        a = 2\n",
                          "nn.BatchNorm2d", "nn.BatchNorm2D"),
    "body, elif header and body": (
        "def f(m):\n    for m in ms:\n        if isinstance(m, nn.Conv2d):\n            init( m )\n"
        "        elif isinstance(m, nn.BatchNorm2d):\n            init( m )\n        else:\n            pass\n",
        "nn.Conv2d):\n            init( m )\n        elif isinstance(m, nn.BatchNorm2d):\n            init( m )",
        "nn.Conv2D):\n            init(m )\n        elif isinstance(m, nn.BatchNorm2D):\n            init(m )"),
    "else line with a comment": ("def f(a):\n    if a:\n        b = 1\n    else:  # torch.x\n        b = torch.ones( 1 )\n",
                                 "else:  # torch.x\n        b = torch", "else:    # paddle.x\n        b = paddle"),
    "try block": ("def f(a):\n    try:\n        b = torch.ones( 1 )\n    except E:\n        pass\n", "torch.ones", "paddle.ones"),
    "kwargs in an exploded def, f-string elsewhere": (
        "class A:\n    x = 1\n\n    def __init__(\n        self,\n        aaaaaaaaaaaaaaa: Module,\n        bbbbbbbbbbbbbbbbbbbb=1,\n"
        "        cccccccccccccccccccccccccc=2,\n        **kwargs\n    ):\n        print(f'{self}')\n",
        "a: Module", "a: Layer"),
    "kwargs in an exploded call, nothing newer": (
        "class A:\n    def f(self, *args, **kwargs):\n        return self.ggggggggggggggggggggggggggggggg(aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb, **kwargs)\n",
        "self.ggg", "self.hhh"),
    "long line": ("class A:\n    def f(self):\n        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)\n",
                  "nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias=False)",
                  "nn.Conv2D(in_channels, out_channels, kernel_size=3, stride=1, padding=1, bias_attr=False)"),
    "decorated method": ("class A:\n    x = 1\n\n    @staticmethod\n    def f(a: Tensor):\n        return a\n", "Tensor", "paddle.Tensor"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_units_format_as_the_whole_statement(name, monkeypatch):
    source, old, new = CASES[name]
    code = source.replace(old, new)
    assert code != source
    by_units = formatting.format_changed(source, code)
    monkeypatch.setattr(format_units, "units", lambda *args: None)
    whole = formatting.format_changed(source, code)
    assert by_units.problem is None and whole.problem is None
    assert by_units.code == whole.code


def test_units_are_what_black_is_given():
    """A change in one method of a class gives black that statement alone, dedented (the
    class and the rest of the method are not read)."""
    import ast

    code = textwrap.dedent('''\
        class A(nn.Layer):
            """Doc."""

            def f(self, x):
                # note
                y = paddle.concat([x, x], 1)
                return y
        ''')
    lines = code.splitlines(keepends=True)
    tree = ast.parse(code)
    found = format_units.units(tree.body[0], lines, [(6, 6)], 88)
    assert [(u.start, u.end, u.indent, u.header) for u in found] == [(6, 6, 8, False)]
    header = format_units.units(tree.body[0], lines, [(1, 1)], 88)
    assert [(u.start, u.end, u.header) for u in header] == [(1, 1, True)]
    # a multi-line string in the statement, or lines between statements: the class whole
    assert format_units.units(tree.body[0], lines, [(3, 3)], 88) is None


def test_elif_headers_and_blocks_are_units():
    """An ``elif`` has no header line of its own: its condition is a unit (given after
    ``if x: pass``), and so are the statements of the blocks around it; a changed ``else:``
    line is not a unit (the statement is given whole)."""
    import ast

    code = textwrap.dedent('''\
        def f(ms):
            for m in ms:
                if isinstance(m, nn.Conv2D):
                    init(m.weight)
                elif isinstance(m, nn.BatchNorm2D):
                    init(m.bias)
                else:
                    pass
        ''')
    lines = code.splitlines(keepends=True)
    stmt = ast.parse(code).body[0]

    def found(lo, hi):
        got = format_units.units(stmt, lines, [(lo, hi)], 88)
        return got and [(u.start, u.end, u.header, u.elif_) for u in got]

    assert found(4, 6) == [(4, 4, False, False), (5, 5, True, True), (6, 6, False, False)]
    assert found(7, 7) is None and found(6, 7) is None
    assert found(8, 8) == [(8, 8, False, False)]


def test_minimum_version():
    import ast

    def need(code):
        return format_units.minimum_version(ast.parse(code).body[0], code)

    assert need("def f(a, **k):\n    return g(a)\n") == 0
    assert need("def f(a):\n    return f'{a}'\n") == 6
    assert need("def f(a):\n    return g(\n        *a,\n    )\n") == 5
    assert need("def f(a):\n    if (b := a):\n        return b\n") == 8
    assert need("def f(a):\n    match a:\n        case 1:\n            pass\n") == 10


def test_a_changed_method_header_after_the_class_line_gets_no_blank_line(monkeypatch):
    """black given a whole class with only a method's header in its line ranges puts a blank
    line between the class line and the method (it no longer sees the class line it keeps);
    black on the whole file does not, and neither does the header given alone."""
    import black

    source = "class A(B):\n    def f(self, x: Tensor) -> Tensor:\n        return x\n"
    code = source.replace("Tensor", "paddle.Tensor")
    formatted = formatting.format_changed(source, code).code
    assert formatted == black.format_str(code, mode=black.Mode()) == code
