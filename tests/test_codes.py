"""Stable diagnostic codes: the table, every place a diagnostic is made mapped to it, and what a
user sees (printed lines, markers, --select/--ignore, suppression comments) through the CLI."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from translator import codes, translate_source
from translator.cli import main
from translator.diagnostics import Severity
from translator.translate.results import Caveat, Refusal

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "translator"


# ------------------------------------------------------------------------------ the table --
def test_codes_are_unique_well_formed_and_in_their_range():
    seen_codes, seen_names = set(), set()
    for c in codes.CODES:
        assert codes.CODE_PATTERN.fullmatch(c.code), c.code
        assert c.code not in seen_codes and c.name not in seen_names
        seen_codes.add(c.code)
        seen_names.add(c.name)
        expected = Severity.WARNING if c.code[3] in "12" else Severity.ERROR
        assert c.severity is expected, c.code
        assert c.source[0] == ("failure" if c.code.startswith("T2P9") else c.source[0])
        assert c.summary and c.why and c.what_to_do


def test_every_refusal_kind_and_caveat_has_a_code():
    for kind in Refusal:
        if kind is Refusal.UNKNOWN_RECEIVER:
            assert codes.code_for(kind, Severity.WARNING) == "T2P101"
            continue
        assert codes.code_for(kind, Severity.ERROR).startswith("T2P0")
    for caveat in Caveat:
        assert codes.code_for(caveat, Severity.WARNING).startswith("T2P2")
    with pytest.raises(KeyError):
        codes.code_for(Refusal.NO_RULE, Severity.WARNING)  # not a combination anything makes


@pytest.mark.parametrize("code", [c for c in codes.CODES if c.example is not None], ids=lambda c: c.code)
def test_each_documented_example_reports_its_code(code):
    result = translate_source(code.example, path="example.py")
    assert code.code in {d.code for d in result.diagnostics}, [str(d) for d in result.diagnostics]


def test_select_filter_longest_selector_wins():
    keep = codes.select_filter(None, ("T2P1",))
    assert keep("T2P001") and not keep("T2P101") and keep("T2P201")
    keep = codes.select_filter(("T2P1",), ("T2P102",))
    assert keep("T2P101") and not keep("T2P102") and not keep("T2P001")
    keep = codes.select_filter(("T2P101",), ("T2P1",))  # the more specific select wins
    assert keep("T2P101") and not keep("T2P102")
    keep = codes.select_filter(("T2P0",), ("ALL",))
    assert keep("T2P001") and not keep("T2P201") and keep("T2P901")  # failures always


# ----------------------------------------------- every place a diagnostic is made is mapped --
# Calls whose code is not written at the call but handed through (checked where it is made).
PASS_THROUGH = {
    ("translate/pipeline.py", "Diagnostic"): "the code report() derived, in the final loop",
    ("cache.py", "Diagnostic"): "a cached diagnostic, with the code it was made with",
    ("translate/handlers/_common.py", "Refused"): "refuse/doubt/quietly: the kind is their argument",
    ("translate/arguments.py", "warn"): "the callback: its callers' lambdas give Caveat.UNCHECKED",
}


def _calls():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                yield rel, name, node


def _enum_member(node: ast.AST | None, enum_name: str) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == enum_name:
        return node.attr
    return None


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def test_every_diagnostic_the_engine_makes_has_a_code():
    checked = {"Diagnostic": 0, "Refused": 0, "report": 0, "warn": 0}
    unmapped = []
    for rel, name, call in _calls():
        where = f"translator/{rel}:{call.lineno}"
        if name == "Diagnostic":
            code = call.args[3] if len(call.args) > 3 else _keyword(call, "code")
            const = _enum_member(code, "codes")
            if const is None:
                if (rel, name) not in PASS_THROUGH:
                    unmapped.append(f"{where}: Diagnostic(...) without a codes.* constant")
            elif not hasattr(codes, const):
                unmapped.append(f"{where}: codes.{const} does not exist")
            checked[name] += 1
        elif name == "Refused" or (name in ("refuse", "doubt", "quietly") and isinstance(call.func, ast.Name)):
            # (`ctx.refuse(refused, ...)`, `self.refuse(...)` report a Refused value made elsewhere)
            kind = _enum_member(call.args[0] if call.args else _keyword(call, "kind"), "Refusal")
            if kind is None:
                if (rel, "Refused") not in PASS_THROUGH:
                    unmapped.append(f"{where}: {name}(...) with a kind that is not Refusal.X")
                continue
            if name == "quietly":
                continue  # nothing is reported
            severity = Severity.WARNING if name == "doubt" else Severity.ERROR
            given = _enum_member(_keyword(call, "severity"), "Severity")
            if given is not None:
                severity = Severity[given]
            try:
                codes.code_for(Refusal[kind], severity)
            except KeyError:
                unmapped.append(f"{where}: Refusal.{kind} at {severity.value} has no code")
            checked["Refused"] += 1
        elif name == "report" and isinstance(call.func, ast.Attribute) and len(call.args) >= 4:
            kind = _keyword(call, "kind")
            severity = _enum_member(call.args[3], "Severity")
            if isinstance(kind, ast.Attribute) and isinstance(kind.value, ast.Name) and severity is not None:
                try:
                    codes.code_for(Refusal[kind.attr], Severity[severity])
                except KeyError:
                    unmapped.append(f"{where}: Refusal.{kind.attr} at {severity} has no code")
            elif not (isinstance(kind, ast.Attribute) and kind.attr == "kind"):  # refuse(): refused.kind
                if rel != "translate/rewrite.py" or kind is None:
                    unmapped.append(f"{where}: report(...) without kind=Refusal.X and a literal severity")
            checked[name] += 1
        elif name == "warn" and (isinstance(call.func, ast.Attribute) or rel == "translate/arguments.py"):
            if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
                if call.func.value.id == "warnings":
                    continue  # Python's warnings module
            caveat = call.args[3] if len(call.args) > 3 else _keyword(call, "caveat")
            if caveat is not None:
                member = _enum_member(caveat, "Caveat")
                if member is None and not (isinstance(caveat, ast.Name) and caveat.id == "caveat"):
                    unmapped.append(f"{where}: warn(...) with a caveat that is not Caveat.X")
            elif (rel, "warn") not in PASS_THROUGH and not isinstance(call.func, ast.Attribute):
                unmapped.append(f"{where}: warn(...) without a caveat")
            checked[name] += 1
    assert not unmapped, "\n".join(unmapped)
    # the scan sees the engine's diagnostics (a renamed helper would make it see nothing)
    assert checked["Diagnostic"] >= 10 and checked["Refused"] >= 150 and checked["report"] >= 8
    assert checked["warn"] >= 12


def test_every_code_of_the_table_can_be_made():
    """No dead entries: each code is a failure constant used somewhere, or the code of a
    refusal or caveat the engine makes."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py") if p.name != "codes.py")
    for c in codes.CODES:
        family, member = c.source
        if family == "failure":
            const = next(k for k, v in vars(codes).items() if v == c.code and k.isupper())
            assert f"codes.{const}" in text, c.code
        elif family == "refusal":
            assert f"Refusal.{member}" in text, c.code
        else:  # DIFFERS: ctx.warn's default; a caveat the pipeline reports itself has a constant
            consts = [k for k, v in vars(codes).items() if v == c.code and k.isupper()]
            used = any(f"codes.{k}" in text for k in consts)
            assert f"Caveat.{member}" in text or member == "DIFFERS" or used, c.code


# ------------------------------------------------------------------- through the command line --
SOURCE = """\
import torch
import torch.nn as nn


def f(x, s):
    y = torch.stft(x, 64)
    z = s.view(2, 3)
    return nn.BatchNorm2d(3, momentum=None)
"""


def _translate(tmp_path, monkeypatch, capsys, source: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "m.py").write_text(source)
    code = main(["translate", "m.py", "--no-cache", "-j", "1", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_diagnostics_print_code_then_api_and_markers_carry_the_code(tmp_path, monkeypatch, capsys):
    code, out, err = _translate(tmp_path, monkeypatch, capsys, SOURCE)
    assert code == 0
    assert err.splitlines() == [
        "m.py:6:9: T2P001 torch.stft: no rule for this torch API; left unchanged",
        "m.py:7:9: T2P101 torch.Tensor.view: the receiver is not known to be a tensor; left unchanged",
        "m.py:8:12: T2P002 torch.nn.BatchNorm2d: momentum=None (a cumulative moving average) has no Paddle "
        "equivalent; left unchanged",
    ]
    assert "    # TODO(torch2paddle): T2P001 torch.stft: no rule for this torch API; left unchanged\n" in out
    assert "# TODO(torch2paddle): T2P101 torch.Tensor.view: the receiver" in out


def test_report_has_codes_and_apis(tmp_path, monkeypatch, capsys):
    _translate(tmp_path, monkeypatch, capsys, SOURCE, "--report", "r.json")
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["schema"] == 2
    diags = report["files"][0]["diagnostics"]
    assert [(d["code"], d["api"], d["severity"]) for d in diags] == [
        ("T2P001", "torch.stft", "error"), ("T2P101", "torch.Tensor.view", "warning"),
        ("T2P002", "torch.nn.BatchNorm2d", "error"),
    ]
    assert report["summary"]["codes"] == {"T2P001": 1, "T2P002": 1, "T2P101": 1}


def test_ignore_a_prefix_drops_diagnostics_and_markers(tmp_path, monkeypatch, capsys):
    code, out, err = _translate(tmp_path, monkeypatch, capsys, SOURCE, "--ignore", "T2P1")
    assert "T2P101" not in err and "T2P101" not in out
    assert "z = s.view(2, 3)" in out  # still left as it is: ignoring changes what is said, not what is done
    assert "T2P001" in err and "T2P002" in out


def test_select_keeps_only_the_selected(tmp_path, monkeypatch, capsys):
    code, out, err = _translate(tmp_path, monkeypatch, capsys, SOURCE, "--select", "t2p002")
    assert [line.split()[1] for line in err.splitlines()] == ["T2P002"]
    assert out.count("TODO(torch2paddle)") == 1


def test_select_and_ignore_from_pyproject_and_the_command_line_wins(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.torch2paddle]\nignore = ["T2P0"]\n')
    code, out, err = _translate(tmp_path, monkeypatch, capsys, SOURCE)
    assert [line.split()[1] for line in err.splitlines()] == ["T2P101"]
    code, out, err = _translate(tmp_path, monkeypatch, capsys, SOURCE, "--ignore", "T2P101")
    assert [line.split()[1] for line in err.splitlines()] == ["T2P001", "T2P002"]


@pytest.mark.parametrize("selector", ["T2P", "X100", "T2P0000", "T2P7", ""])
def test_a_bad_selector_is_a_one_line_error(tmp_path, monkeypatch, capsys, selector):
    code, out, err = _translate(tmp_path, monkeypatch, capsys, SOURCE, "--ignore", selector + ",T2P9x")
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "--ignore" in err


def test_strict_does_not_count_ignored_errors(tmp_path, monkeypatch, capsys):
    source = "import torch\n\ny = torch.stft(torch.ones(8), 4)\n"
    assert _translate(tmp_path, monkeypatch, capsys, source, "--strict")[0] == 1
    assert _translate(tmp_path, monkeypatch, capsys, source, "--strict", "--ignore", "T2P001")[0] == 0


# ---------------------------------------------------------------------- suppression comments --
def test_bare_ignore_leaves_the_line_as_written_and_silent(tmp_path, monkeypatch, capsys):
    source = (
        "import torch\nimport torch.nn as nn\n\n"
        "a = nn.Conv2d(3, 8, 3)\n"
        "b = nn.Conv2d(3, 8, 3)  # torch2paddle: ignore\n"
        "c = torch.stft(a, 4)  # torch2paddle: ignore\n"
    )
    code, out, err = _translate(tmp_path, monkeypatch, capsys, source)
    assert err == "" and "TODO" not in out
    assert "a = nn.Conv2D(3, 8, 3)\n" in out
    # `nn` now names paddle.nn: the untouched spot is spelled through torch, as any leftover
    assert "b = torch.nn.Conv2d(3, 8, 3)  # torch2paddle: ignore\n" in out
    assert "c = torch.stft(a, 4)  # torch2paddle: ignore\n" in out


def test_ignore_with_a_code_silences_that_code_only(tmp_path, monkeypatch, capsys):
    source = (
        "import torch\n\n\ndef f(s):\n"
        "    y = s.view(2, 3)  # torch2paddle: ignore[T2P101]\n"
        "    z = torch.stft(s, 4)  # torch2paddle: ignore[T2P101]\n"
        "    return y, z\n"
    )
    code, out, err = _translate(tmp_path, monkeypatch, capsys, source)
    assert [line.split()[1] for line in err.splitlines()] == ["T2P001"]
    assert out.count("TODO(torch2paddle)") == 1 and "TODO(torch2paddle): T2P101" not in out


def test_ignore_of_a_caveat_keeps_the_spot_as_written(tmp_path, monkeypatch, capsys):
    source = (
        "import torch\n\n\ndef make(shape):\n"
        "    a = torch.zeros(shape)\n"
        "    b = torch.zeros(shape)  # torch2paddle: ignore[T2P202]\n"
        "    return a, b\n"
    )
    code, out, err = _translate(tmp_path, monkeypatch, capsys, source)
    assert [line.split()[:2] for line in err.splitlines()] == [["m.py:5:9:", "T2P202"]]
    assert "a = paddle.zeros(shape)" in out
    assert "b = torch.zeros(shape)  # torch2paddle: ignore[T2P202]" in out


def test_the_comment_counts_on_the_line_where_the_call_starts(tmp_path, monkeypatch, capsys):
    first = "import torch\n\ny = torch.stft(  # torch2paddle: ignore[T2P001]\n    torch.ones(8), 4)\n"
    code, out, err = _translate(tmp_path, monkeypatch, capsys, first)
    assert err == "" and "TODO" not in out
    second = "import torch\n\ny = torch.stft(\n    torch.ones(8), 4)  # torch2paddle: ignore[T2P001]\n"
    code, out, err = _translate(tmp_path, monkeypatch, capsys, second)
    assert "T2P001" in err and "TODO(torch2paddle): T2P001" in out


@pytest.mark.parametrize("comment", [
    "# torch2paddle: ignored",  # another word
    "# torch2paddle: ignore[T2P002]",  # another code
    "# torch2paddle ignore",  # not the syntax
])
def test_look_alike_comments_silence_nothing(tmp_path, monkeypatch, capsys, comment):
    source = f"import torch\n\ny = torch.stft(torch.ones(8), 4)  {comment}\n"
    code, out, err = _translate(tmp_path, monkeypatch, capsys, source)
    assert "T2P001" in err


def test_the_comment_text_in_a_string_silences_nothing(tmp_path, monkeypatch, capsys):
    source = 'import torch\n\ny = torch.stft(torch.ones(8), "# torch2paddle: ignore")\n'
    code, out, err = _translate(tmp_path, monkeypatch, capsys, source)
    assert "T2P001" in err


# ------------------------------------------------------------------------------- idempotence --
def test_a_second_translation_changes_nothing():
    once = translate_source(SOURCE)
    twice = translate_source(once.code)
    assert twice.code == once.code


def test_a_marker_written_without_a_code_is_recognised():
    once = translate_source(SOURCE)
    old_style = once.code.replace("TODO(torch2paddle): T2P001 ", "TODO(torch2paddle): ")
    assert old_style != once.code
    assert translate_source(old_style).code == old_style  # no second, coded marker


# ----------------------------------------------------------------------------------- colour --
def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    import io

    from translator.cli.output import format_diagnostic, use_color
    from translator.diagnostics import Diagnostic

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TERM", raising=False)
    assert use_color(Tty()) and not use_color(io.StringIO())
    assert not use_color(Tty(), no_color=True)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(Tty())
    d = Diagnostic("m.py", 3, 4, "T2P101", "the receiver...", Severity.WARNING, "torch.Tensor.view")
    coloured = format_diagnostic(d, color=True)
    assert "\x1b[33mT2P101" in coloured and coloured.replace("\x1b[1m", "").replace("\x1b[33m", "").replace(
        "\x1b[0m", "") == str(d)


def _stderr_on_a_terminal(tmp_path, env_extra: dict, *args: str) -> bytes:
    """Run the CLI with stderr on a pseudo-terminal; what it wrote there."""
    import os
    import pty
    import subprocess
    import sys

    (tmp_path / "m.py").write_text(SOURCE)
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env.update(env_extra)
    proc = subprocess.run(
        [sys.executable, "-m", "translator.cli", "translate", "m.py", "--no-cache", "-j", "1", *args],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=slave, env=env, timeout=120, check=False,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.returncode == 0 and b"\x1b" not in proc.stdout  # the code itself is never coloured
    return b"".join(chunks)


def test_colour_through_the_command_line_on_a_terminal(tmp_path):
    coloured = _stderr_on_a_terminal(tmp_path, {})
    assert b"\x1b[31mT2P001" in coloured and b"\x1b[33mT2P101" in coloured
    assert b"\x1b" not in _stderr_on_a_terminal(tmp_path, {"NO_COLOR": "1"})
    assert b"\x1b" not in _stderr_on_a_terminal(tmp_path, {}, "--no-color")
