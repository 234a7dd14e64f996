"""The corpus harness (benchmarks/corpus.py) on one small real model, and its torch blocker."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _corpus():
    spec = importlib.util.spec_from_file_location("corpus_harness", ROOT / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_harness"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_entries_are_consistent():
    corpus = _corpus()
    libraries, models = corpus.load_corpus()
    assert {"torchvision", "pretrainedmodels", "efficientnet-pytorch"} <= set(libraries)
    assert sum(m.library == "pretrainedmodels" and not m.skip for m in models) >= 10
    assert {m.name for m in models if m.library == "efficientnet-pytorch"} == {
        f"efficientnet-b{i}" for i in range(4)
    }
    for name in ["fcn_resnet50", "deeplabv3_resnet50", "lraspp_mobilenet_v3_large", "r3d_18", "mc3_18",
                 "r2plus1d_18", "s3d", "raft_small"]:
        assert any(m.name == name and not m.skip for m in models), name
    assert all(m.quick for m in models if m.name == "resnet18")


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="torchvision not installed")
def test_resnet18_matches_in_both_translations(tmp_path):
    corpus = _corpus()
    out = tmp_path / "results.json"
    assert corpus.main(["--only", "resnet18", "--out", str(tmp_path / "runs"), "--json", str(out)]) == 0
    results = {(r["model"], r["mode"]): r for r in json.loads(out.read_text())["results"]}
    for mode in ("file", "package"):
        r = results[("resnet18", mode)]
        assert r["stage"] == "match", r
        assert r["max_diff"] is not None and r["max_diff"] < 1e-4
    # The translation was written where the harness says, and it does not import torch.
    written = tmp_path / "runs" / "torchvision" / "file" / "torchvision_models_resnet.py"
    assert "import torch" not in written.read_text()


def test_translated_code_cannot_import_torch(tmp_path):
    """The blocker and the import guard the worker installs: translated code importing torch
    fails at import time (torch not loaded yet) and later (torch loaded by the harness)."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "eager.py").write_text("import json\nimport torch\n")
    (folder / "lazy.py").write_text("def build():\n    import torch\n    return torch.zeros(1)\n")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / 'benchmarks')!r})
        sys.path.insert(0, {str(folder)!r})
        import corpus
        blocker = corpus._Blocker({{"torch"}})
        sys.meta_path.insert(0, blocker)
        try:
            import eager
        except ImportError as exc:
            print("eager blocked:", exc)
        import lazy
        sys.meta_path.remove(blocker)
        corpus._guard_imports({{"torch"}}, [{str(folder)!r}])
        import torch  # the harness itself may
        try:
            lazy.build()
        except ImportError as exc:
            print("lazy blocked:", exc)
        import json  # other modules are untouched
        print("done")
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "eager blocked: torch is blocked" in proc.stdout
    assert "lazy blocked: torch is blocked: translated code" in proc.stdout
    assert proc.stdout.strip().endswith("done")


def test_init_outcome_reads_the_init_report():
    from translator.verify.init_check import InitReport, ParamStats

    corpus = _corpus()
    ok = ParamStats("fc.weight", "fc.weight", "random", 10, 0.0, 1.0, 0.0, 1.0, True)
    bad = ParamStats("fc.bias", "fc.bias", "random", 2, 0.0, 1.0, 0.0, 0.0, False, "paddle is constant 0.0, torch is random")
    out = corpus.Outcome("m", "package")
    corpus._init_outcome(out, InitReport(match=False, sigmas=6.0, params=[ok, bad]))
    assert (out.stage, out.max_diff, out.precision) == ("load", 1.0, "1/2 parameters agree")
    assert "fc.bias: paddle is constant 0.0" in out.error
    out = corpus.Outcome("m", "package")
    corpus._init_outcome(out, InitReport(match=True, sigmas=6.0, params=[ok]))
    assert (out.stage, out.max_diff, out.error) == ("match", 0.0, "")
    out = corpus.Outcome("m", "package")
    corpus._init_outcome(out, InitReport(match=False, sigmas=6.0, params=[ok], errors=["parameter counts differ"]))
    assert out.stage == "build" and "parameter counts differ" in out.error


@pytest.mark.skipif(importlib.util.find_spec("torchvision") is None, reason="torchvision not installed")
def test_init_mode_compares_initialisation_of_the_torch_init_translation(tmp_path):
    corpus = _corpus()
    out = tmp_path / "results.json"
    assert corpus.main(["--init", "--only", "resnet18", "--mode", "file", "--out", str(tmp_path / "runs"),
                        "--json", str(out)]) == 0
    r = {(r["model"], r["mode"]): r for r in json.loads(out.read_text())["results"]}[("resnet18", "file")]
    assert r["stage"] == "match" and r["precision"] == "102/102 parameters agree", r
    # translated with --torch-init, into a folder of its own
    written = tmp_path / "runs" / "torchvision-init" / "file" / "torchvision_models_resnet.py"
    assert "_torch_init(nn.Linear(" in written.read_text()
