#!/usr/bin/env python3
"""Read names off the installed torch into rules/torch_names.toml (run by hand after a torch
upgrade; the translator itself never imports torch).

* ``tensor_methods``: the public methods of ``torch.Tensor``.  A call of one of them on a
  receiver known to be a tensor, with no table entry, is reported instead of passing silently.
* ``aliases``: other spellings of the table's entries.  torch exposes most objects under several
  module paths (``torch.nn.modules.conv.Conv2d`` is ``torch.nn.Conv2d``,
  ``torch.functional.split`` is ``torch.split``); every public attribute of torch's public
  modules that *is* the object of a table entry (by identity) under another name is recorded,
  and ``torch.nn.init``'s deprecated wrappers, whose docstring says "deprecated in favor of
  X" for an entry X (``xavier_uniform``), are recorded as spellings of X (only there: other
  deprecated functions, such as ``torch.svd``, differ from what they point to).

It also writes ``docs/torch_api.json``: the public API of each namespace that the coverage page
counts (``python -m translator.docs`` reads it; the docs generator never imports torch either).
A namespace's public API is its ``__all__`` when it has one, else its attributes not starting
with ``_``; only callables (functions and classes) that are not modules count.

    python scripts/torch_names.py            # rewrite rules/torch_names.toml and docs/torch_api.json
    python scripts/torch_names.py --check    # exit 1 when either file is stale
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import re
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "rules" / "torch_names.toml"
# torch packages whose public modules are searched for other spellings (recursively)
PACKAGES = ("torch.nn", "torch.autograd", "torch.utils.data", "torch.optim", "torch.amp", "torch.fft",
            "torch.linalg", "torch.special", "torch.random", "torch.serialization", "torch.functional",
            "torch.hub", "torch.distributions", "torch.ao.nn")
API_OUT = ROOT / "docs" / "torch_api.json"
# the namespaces the coverage page counts (torch.Tensor: its public methods)
NAMESPACES = (
    "torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.utils",
    "torch.nn.utils.rnn", "torch.nn.utils.parametrizations", "torch.linalg", "torch.fft", "torch.special",
    "torch.sparse", "torch.signal.windows", "torch.distributions", "torch.autograd", "torch.autograd.functional",
    "torch.optim", "torch.optim.lr_scheduler", "torch.amp", "torch.cuda",
    "torch.random", "torch.utils.data", "torch.utils.checkpoint", "torch.jit", "torch.distributed",
    "torchvision.transforms", "torchvision.transforms.functional", "torchvision.transforms.v2",
    "torchvision.ops", "torchvision.models", "torchvision.datasets", "torchvision.utils", "torchvision.io",
)
_DEPRECATED = re.compile(r"deprecated in favor of :func:`~?([\w.]+)`")


def _object(dotted: str) -> object | None:
    """The object a dotted torch name refers to, or None."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:  # noqa: BLE001 - not a module (or not importable here)
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _modules() -> list[object]:
    import torch

    found = {"torch": torch}
    for name in PACKAGES:
        try:
            pkg = importlib.import_module(name)
        except Exception:  # noqa: BLE001
            continue
        found[name] = pkg
        for info in pkgutil.walk_packages(getattr(pkg, "__path__", []), name + "."):
            if any(part.startswith("_") for part in info.name.split(".")):
                continue
            try:
                found[info.name] = importlib.import_module(info.name)
            except Exception:  # noqa: BLE001 - optional dependencies, platform-specific modules
                continue
    return [found[k] for k in sorted(found)]


def read_names() -> dict[str, object]:
    import torch

    sys.path.insert(0, str(ROOT))
    from translator.rules import load_table

    table = load_table()
    known = set(table.apis) | set(table.modules)
    by_id: dict[int, str] = {}
    for name in sorted(table.apis, key=lambda n: (n.count("."), n)):  # the shortest spelling wins
        obj = _object(name)
        if obj is not None and (callable(obj) or isinstance(obj, type)):
            by_id.setdefault(id(obj), name)
    aliases: dict[str, str] = {}
    for module in _modules():
        for attr in dir(module):
            if attr.startswith("_"):
                continue
            try:
                obj = getattr(module, attr)
            except Exception:  # noqa: BLE001
                continue
            spelled = f"{module.__name__}.{attr}"
            if spelled in known:
                continue
            canonical = by_id.get(id(obj))
            if canonical is None and callable(obj) and module.__name__ == "torch.nn.init":
                # nn.init's deprecated spellings (xavier_uniform) wrap the entry with the same
                # signature; elsewhere a deprecated function may differ (torch.svd vs linalg.svd)
                doc = getattr(obj, "__doc__", None)
                match = _DEPRECATED.search(doc) if isinstance(doc, str) else None
                if match and match.group(1) in table.apis:
                    canonical = match.group(1)
            if canonical is not None and canonical != spelled:
                aliases[spelled] = canonical
    methods = sorted(n for n in dir(torch.Tensor) if not n.startswith("_") and callable(getattr(torch.Tensor, n, None)))
    return {"torch": torch.__version__.split("+")[0], "tensor_methods": methods, "aliases": dict(sorted(aliases.items()))}


def public_api() -> dict[str, object]:
    """Each namespace's public callables (``NAMESPACES``), sorted."""
    import types

    import torch

    api: dict[str, list[str]] = {}
    for namespace in NAMESPACES:
        if namespace == "torch.Tensor":
            names = [n for n in dir(torch.Tensor) if not n.startswith("_")]
            obj: object = torch.Tensor
        else:
            if namespace.startswith("torchvision"):
                sys.path.insert(0, str(ROOT))
                from translator.targets import load_torchvision_module

                load_torchvision_module("torchvision")  # its compiled ops do not load next to this torch
            try:
                obj = importlib.import_module(namespace)
            except Exception:  # noqa: BLE001 - not importable here: not counted
                continue
            names = list(getattr(obj, "__all__", None) or [n for n in dir(obj) if not n.startswith("_")])
        public = []
        for name in names:
            try:
                value = getattr(obj, name)
            except Exception:  # noqa: BLE001
                continue
            if callable(value) and not isinstance(value, types.ModuleType):
                public.append(name)
        api[namespace] = sorted(set(public))
    versions = {"torch": torch.__version__.split("+")[0]}
    try:
        from importlib.metadata import version

        versions["torchvision"] = version("torchvision").split("+")[0]
    except Exception:  # noqa: BLE001
        pass
    return {"versions": versions, "namespaces": api}


def render_api(api: dict[str, object]) -> str:
    return json.dumps(api, indent=1, sort_keys=True) + "\n"


def render(names: dict[str, object]) -> str:
    lines = [
        "# Generated by scripts/torch_names.py from the installed torch; do not edit by hand.",
        "# tensor_methods: public torch.Tensor methods (a call on a known tensor with no entry is reported).",
        "# aliases: other spellings of table entries, found by object identity in torch's modules.",
        "",
        "[names]",
        f'torch = "{names["torch"]}"',
        "tensor_methods = [",
        *(f'    "{m}",' for m in names["tensor_methods"]),  # type: ignore[union-attr]
        "]",
        "",
        "[names.aliases]",
        *(f'"{k}" = "{v}"' for k, v in names["aliases"].items()),  # type: ignore[union-attr]
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when rules/torch_names.toml is stale")
    args = parser.parse_args(argv)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = {OUT: render(read_names()), API_OUT: render_api(public_api())}
    if args.check:
        for path, text in outputs.items():
            current = path.read_text(encoding="utf-8") if path.is_file() else ""
            if current != text:
                print(f"{path.relative_to(ROOT)} is stale: run python scripts/torch_names.py", file=sys.stderr)
                return 1
        return 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
