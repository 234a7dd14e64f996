"""Translated code against stored torch results, on whatever Paddle this environment has.

Run by ``scripts/paddle_compat.py`` (which computes the references with torch and runs this
file in a Paddle 2.6 venv and in the main environment); needs no torch. Collected only when
``TORCH2PADDLE_REFERENCE_DIR`` names a reference directory, skipped otherwise.

With ``TORCH2PADDLE_COMPAT_RESULTS`` set, results are appended there as JSON lines as they
happen (``{"start": "rules:torch.add"}`` before a check, ``{"result": "rules:torch.add",
"status": "pass"}`` after it, ``{"done": true}`` at the end), so that a check that crashes or
hangs the interpreter can be named and the run resumed without it:
``TORCH2PADDLE_COMPAT_SKIP`` names a JSON list of ``kind:name`` entries not to run again.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path

import pytest

REF = os.environ.get("TORCH2PADDLE_REFERENCE_DIR")
if not REF:
    pytest.skip("set TORCH2PADDLE_REFERENCE_DIR (scripts/paddle_compat.py does)", allow_module_level=True)

import numpy as np  # noqa: E402

paddle = pytest.importorskip("paddle")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compat_reference import compare_tree, model_weights  # noqa: E402

REF_DIR = Path(REF)
_SKIP = set(json.loads(Path(os.environ["TORCH2PADDLE_COMPAT_SKIP"]).read_text())) if os.environ.get("TORCH2PADDLE_COMPAT_SKIP") else set()
MODELS = json.loads((REF_DIR / "models.json").read_text()) if (REF_DIR / "models.json").is_file() else []
RULES = json.loads((REF_DIR / "rules.json").read_text()) if (REF_DIR / "rules.json").is_file() else []
MODELS = [m for m in MODELS if f"models:{m['factory']}" not in _SKIP]
RULES = [r for r in RULES if f"rules:{r['torch']}" not in _SKIP]
ATOL = RTOL = 1e-5
_OUT = os.environ.get("TORCH2PADDLE_COMPAT_RESULTS")


def _emit(record: dict) -> None:
    if _OUT:
        with open(_OUT, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, sort_keys=True) + "\n")


@pytest.fixture(scope="session", autouse=True)
def _write_results():
    _emit({"paddle": paddle.__version__, "numpy": np.__version__})
    yield
    _emit({"done": True})


class _Record:
    """Record the outcome of a test body under ``kind``/``name`` (re-raising failures)."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind, self.name = kind, name
        self.extra: dict = {}

    def __enter__(self):
        _emit({"start": f"{self.kind}:{self.name}"})
        return self

    def __exit__(self, exc_type, exc, tb):
        entry = dict(self.extra)
        if exc is None:
            entry["status"] = "pass"
        elif isinstance(exc, pytest.skip.Exception):
            entry.update(status="skip", message=str(exc))
        else:
            text = " ".join(f"{exc_type.__name__}: {exc}".split())
            entry.update(status="fail", message=text[:600])
        _emit({"result": f"{self.kind}:{self.name}", **entry})
        return False


@pytest.fixture(scope="module")
def arrays():
    path = REF_DIR / "rules.npz"
    if not path.is_file():
        pytest.skip("no rule references")
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


_loaded: dict[str, object] = {}


def _translated(module: str):
    if module not in _loaded:
        path = REF_DIR / "models" / f"{module}.py"
        name = f"compat_pd_{module}"
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _loaded[module] = mod
    return _loaded[module]


@pytest.mark.parametrize("entry", MODELS, ids=[m["factory"] for m in MODELS])
def test_model(entry):
    """A torchvision factory, translated: converted seeded weights, same output as torch."""
    from translator.weights import convert_state_dict

    with _Record("models", entry["factory"]) as rec:
        assert not entry["translation_errors"], entry["translation_errors"]
        module = _translated(entry["module"])
        model = getattr(module, entry["factory"])(**entry["kwargs"])
        state = model_weights(entry["manifest"], entry["seed"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            missing, unexpected = model.set_state_dict(convert_state_dict(state, model))
        assert not missing and not unexpected, (missing, unexpected)
        model.eval()
        with np.load(REF_DIR / "models" / f"{entry['factory']}.npz") as data:
            x, expected = data["input"], data["output"]
        with paddle.no_grad():
            got = model(paddle.to_tensor(x)).numpy()
        assert got.shape == expected.shape, (got.shape, expected.shape)
        rec.extra["max_abs_diff"] = float(np.max(np.abs(got - expected)))
        np.testing.assert_allclose(got, expected, atol=ATOL, rtol=RTOL)


@pytest.mark.parametrize("entry", RULES, ids=[r["torch"] for r in RULES])
def test_rule(entry, arrays):
    """A rule's numeric check: the translated snippet against the stored torch `out`."""
    from translator.weights import convert_state_dict

    with _Record("rules", entry["torch"]):
        if "error" in entry:
            pytest.fail(f"no reference: {entry['error']}")
        seed = entry["seed"]
        paddle.seed(seed)
        ns: dict = {name: paddle.to_tensor(arrays[key].copy()) for name, key in entry["inputs"].items()}
        exec(compile(entry["paddle_setup"], f"<paddle setup {entry['torch']}>", "exec"), ns)
        for name, state in entry["modules"]:
            layer = ns[name]
            converted = convert_state_dict({k: arrays[key] for k, key in state}, layer)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                missing, unexpected = layer.set_state_dict(converted)
            assert not missing and not unexpected, (missing, unexpected)
        exec(compile(entry["paddle_run"], f"<paddle run {entry['torch']}>", "exec"), ns)
        assert "out" in ns, "the translated run snippet did not set `out`"
        compare_tree(entry["out"], ns["out"], arrays, entry["atol"], entry["rtol"], entry["values"])
