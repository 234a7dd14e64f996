"""formatting.line_opcodes: difflib's opcodes, computed between anchors for long inputs (difflib's
matcher without its popularity heuristic is near cubic on long files with many changed lines)."""

from __future__ import annotations

import difflib
import random

from translator.translate import formatting


def _valid(a: list[str], b: list[str], ops: list[tuple[str, int, int, int, int]]) -> None:
    out: list[str] = []
    i = j = 0
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (i, j)
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        out.extend(b[j1:j2])
        i, j = i2, j2
    assert (i, j) == (len(a), len(b)) and out == b


def test_short_inputs_are_difflib_exactly():
    rng = random.Random(3)
    for _ in range(50):
        a = [rng.choice(["", "x", "y", "return z"]) for _ in range(rng.randint(0, 200))]
        b = [line if rng.random() < 0.8 else "changed" for line in a]
        assert formatting.line_opcodes(a, b) == difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def test_long_inputs_give_a_valid_diff_that_keeps_every_unchanged_line():
    rng = random.Random(5)
    for _ in range(40):
        a = [rng.choice(["", "x", "return y", f"l{rng.randint(0, 300)}"]) for _ in range(rng.randint(500, 1500))]
        b = list(a)
        for _ in range(rng.randint(0, 80)):
            k = rng.randrange(len(b))
            b[k] = f"c{rng.randint(0, 10**6)}" if rng.random() < 0.5 else b[k] + "  # edited"
        _valid(a, b, formatting.line_opcodes(a, b))


def test_many_changed_functions_keep_their_unchanged_lines():
    a, b = [], []
    for i in range(2000):
        a += [f"def f{i}(x):", f"    return torch.sigmoid(x) + {i}", ""]
        b += [f"def f{i}(x):", f"    return paddle.nn.functional.sigmoid(x) + {i}", ""]
    ops = formatting.line_opcodes(a, b)
    _valid(a, b, ops)
    # only the changed return lines are outside "equal" blocks
    changed = [n for tag, _i1, _i2, j1, j2 in ops if tag != "equal" for n in range(j1, j2)]
    assert changed == [3 * i + 1 for i in range(2000)]
    assert formatting.changed_lines("\n".join(a), "\n".join(b))[:2] == [(2, 2), (5, 5)]
