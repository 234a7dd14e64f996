"""x-transformers in the corpus harness (benchmarks/corpus_models_libraries.py): user code building
an encoder and a decoder language model (benchmarks/corpus_scripts/xtransformers_lm.py), translated
alone with x_transformers and torch_einops_utils carried, imported with torch, x_transformers and
torch_einops_utils blocked, built, loaded with converted weights and compared with torch.

The library is not installed by the test (CI has only the package registry): it runs when the
harness's cache folder holds it (``python benchmarks/corpus.py --only x-transformers`` installs
it), and is skipped otherwise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import load_script

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "benchmarks" / "corpus_scripts"


def _corpus():
    return load_script(ROOT / "benchmarks" / "corpus.py", "corpus_harness_xt")


def test_entries_name_the_user_scripts():
    corpus = _corpus()
    libraries, models = corpus.load_corpus()
    lib = libraries["x-transformers"]
    assert lib.libraries == ("torch_einops_utils",)
    assert corpus.carried(lib) == ["--library", "torchvision", "--library", "x_transformers",
                                   "--library", "torch_einops_utils"]
    assert corpus.carried(libraries["torchvision"]) == []
    scripts = {m.name: m for m in models if m.script}
    assert {"xt_encoder", "xt_decoder", "user_hybrid_blocks"} <= set(scripts)
    for m in scripts.values():
        assert (SCRIPTS / m.script).is_file() and not m.skip
    assert scripts["xt_encoder"].tokens == scripts["xt_decoder"].tokens == 50


def _installed(corpus) -> bool:
    libraries, _ = corpus.load_corpus()
    lib = libraries["x-transformers"]
    marker = corpus.CACHE / lib.cache_folder / ".corpus-requirements"
    return marker.is_file() and marker.read_text() == "\n".join(lib.pip)


def test_xtransformers_models_match_torch_without_the_library(tmp_path):
    corpus = _corpus()
    if not _installed(corpus):
        pytest.skip("x-transformers is not in the corpus cache (python benchmarks/corpus.py --only x-transformers)")
    pytest.importorskip("paddle")
    pytest.importorskip("torch")
    out = tmp_path / "results.json"
    # one translation (both models are built from the same script; user_hybrid_blocks, which
    # carries the same library again, is left to the harness run: minutes on 2 cores)
    args = ["--only", "xt_encoder", "--only", "xt_decoder", "--mode", "file",
            "--out", str(tmp_path / "runs"), "--json", str(out)]
    assert corpus.main(args) == 0
    results = {r["model"]: r for r in json.loads(out.read_text())["results"]}
    for name in ("xt_encoder", "xt_decoder"):
        r = results[name]
        assert r["stage"] == "match", r
        assert r["max_diff"] is not None and r["max_diff"] < 1e-4
    written = (tmp_path / "runs" / "x-transformers" / "file" / "xtransformers_lm.py").read_text()
    assert "from einops.layers.paddle import Rearrange" in written
    assert "x_transformers" not in written.split("# --- definitions translated")[0]
