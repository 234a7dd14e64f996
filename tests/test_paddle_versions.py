"""Generated code on Paddle 2.6.2 and on this environment's Paddle (3.3.1), and ``--paddle-version``.

``scripts/paddle_compat.py`` computes torch results here, builds (once, cached under
``~/.cache/torch2paddle``) a venv with ``paddlepaddle==2.6.2`` and ``numpy<2``, and runs
``tests/paddle_compat/test_compat.py`` there and in this environment. The first run creates the
venv (a minute or two, from the package registry); later runs reuse it. Set
``TORCH2PADDLE_SKIP_PADDLE_VERSIONS=1`` to skip the two-environment run (for example offline).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from translator import translate_source
from translator.cli import main as cli_main
from translator.rules import load_table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "paddle_compat"))
from compat_reference import needs_newer, version_tuple  # noqa: E402

OLD = "2.6.2"
MODELS = {"resnet18", "resnet50", "resnext50_32x4d", "squeezenet1_0", "squeezenet1_1"}
TOO_NEW = [r for r in load_table().all_rules() if r.min_paddle and r.kind == "function"]


def _this_paddle() -> str | None:
    try:
        from importlib.metadata import version

        return version("paddlepaddle")
    except Exception:  # noqa: BLE001
        return None


@pytest.fixture(scope="module")
def compat(tmp_path_factory):
    if os.environ.get("TORCH2PADDLE_SKIP_PADDLE_VERSIONS"):
        pytest.skip("TORCH2PADDLE_SKIP_PADDLE_VERSIONS is set")
    for name in ("torch", "torchvision", "paddle"):
        if importlib.util.find_spec(name) is None:
            pytest.skip(f"{name} is not installed")
    here = _this_paddle()
    out = tmp_path_factory.mktemp("paddle_compat")
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "paddle_compat.py"),
        "--versions",
        ",".join(dict.fromkeys([OLD, here])),
        "--reference-dir",
        str(out / "reference"),
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=str(ROOT))
    print(proc.stdout[-20000:])
    results = out / "results.json"
    assert results.is_file(), f"exit {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    data = json.loads(results.read_text())
    assert OLD in data["versions"] and here in data["versions"], (list(data["versions"]), proc.stdout[-4000:])
    return {"results": data["versions"], "here": here, "stdout": proc.stdout}


def _failures(models: dict) -> dict:
    return {name: r.get("message", r["status"]) for name, r in models.items() if r["status"] != "pass"}


def test_torchvision_models_pass_on_paddle_2_6(compat):
    models = compat["results"][OLD]["models"]
    assert set(models) == MODELS
    assert compat["results"][OLD]["paddle"] == OLD
    assert not _failures(models), _failures(models)


def test_torchvision_models_pass_on_this_paddle(compat):
    """The same references on this environment's Paddle: the stored-results harness is faithful."""
    models = compat["results"][compat["here"]]["models"]
    assert set(models) == MODELS
    assert not _failures(models), _failures(models)


def test_rules_failing_only_on_paddle_2_6_record_min_paddle(compat):
    """A rule check that passes on this Paddle but fails on 2.6.2 must say so with ``min_paddle``.

    (Checks that fail on both versions are reported by tests/test_rule_checks.py.)
    """
    old, new = compat["results"][OLD]["rules"], compat["results"][compat["here"]]["rules"]
    min_paddle = {r.torch: r.min_paddle for r in load_table().all_rules()}
    only_old = sorted(n for n, r in old.items() if r["status"] == "fail" and new.get(n, {}).get("status") == "pass")
    unrecorded = [n for n in only_old if not needs_newer(min_paddle.get(n), OLD)]
    print(f"rule checks failing on Paddle {OLD} only: {len(only_old)}; without min_paddle: {len(unrecorded)}")
    for name in only_old:
        print(f"  {name} (min_paddle {min_paddle.get(name)}): {old[name].get('message', '')[:200]}")
    assert not unrecorded, "fail on Paddle 2.6.2, pass on {}, and have no min_paddle:\n".format(compat["here"]) + "\n".join(
        f"  {n}: {old[n].get('message', '')[:300]}" for n in unrecorded
    )


def test_every_rule_check_ran_on_both_versions(compat):
    checked = {r.torch for r in load_table().all_rules() if r.check is not None}
    for version, data in compat["results"].items():
        assert checked <= set(data["rules"]), (version, sorted(checked - set(data["rules"]))[:10])


# --------------------------------------------------------------------------------------------
# --paddle-version


def test_version_order():
    assert version_tuple("2.6") == (2, 6, 0) < version_tuple("2.6.2") < version_tuple("3.0") <= version_tuple("3.0.0rc1")
    assert needs_newer("3.0", "2.6.2") and not needs_newer("3.0", "3.3.1") and not needs_newer(None, "2.6")


@pytest.mark.skipif(not TOO_NEW, reason="no rule records min_paddle")
@pytest.mark.parametrize("rule", TOO_NEW, ids=[r.torch for r in TOO_NEW])
def test_paddle_version_selects_rules(rule):
    before = rule.example_before.lstrip("\n")
    newest = translate_source(before, path="example.py")
    assert translate_source(before, path="example.py", paddle_version=rule.min_paddle).code == newest.code
    old = translate_source(before, path="example.py", paddle_version="2.6")
    assert old.code != newest.code
    mine = [d for d in old.errors if d.api == rule.torch]
    assert mine and all("needs Paddle >= " in d.message for d in mine), [str(d) for d in old.diagnostics]
    assert f"TODO(torch2paddle): T2P005 {rule.torch}: needs Paddle" in old.code


def test_paddle_version_on_the_command_line(tmp_path, capsys):
    src = tmp_path / "m.py"
    src.write_text("import torch.nn as nn\npool = nn.LPPool2d(2, 3)\nconv = nn.Conv2d(3, 4, 3)\n")
    if load_table().apis["torch.nn.LPPool2d"].min_paddle is None:
        pytest.skip("LPPool2d records no min_paddle")
    assert cli_main(["translate", str(src), "--paddle-version", "2.6"]) == 0
    out, err = capsys.readouterr()
    assert "nn.LPPool2d(2, 3)" in out and "nn.Conv2D(3, 4, 3)" in out
    assert "needs Paddle >= 3.0, translating for Paddle 2.6" in err
    # not left behind for later translations
    assert "nn.LPPool2D(2, 3)" in translate_source(src.read_text(), path=str(src)).code
    assert cli_main(["translate", str(src), "--paddle-version", "2.6", "--strict"]) == 1
    assert cli_main(["translate", str(src), "--paddle-version", "3.3.1"]) == 0
    assert "nn.LPPool2D(2, 3)" in capsys.readouterr().out
    assert cli_main(["translate", str(src), "--paddle-version", "two"]) == 2
