"""Importing the model code a command names: ``FILE.py:FACTORY`` and ``module:FACTORY`` targets.

Both ``torch2paddle verify`` and ``torch2paddle convert-weights --model`` build models from such
targets, so this module sits below both (it imports nothing from the translator).

* :func:`build_paddle_model` imports a target and calls its factory, turning every failure into
  a :class:`TargetError` that names the target;
* :func:`load_module_from_file` imports a file, as part of its package when it is in one (so its
  relative imports work);
* :func:`load_torchvision_module` imports a torchvision module even where torchvision's compiled
  ops do not load next to the installed torch.

torch, torchvision and paddle are imported when first needed, never at import time.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

from .packages import package_root

__all__ = [
    "TargetError",
    "build_paddle_model",
    "call_arguments",
    "get_factory",
    "import_from_package",
    "import_target_module",
    "is_path",
    "load_module_from_file",
    "load_torchvision_module",
    "package_root",
    "path_digest",
    "split_target",
]


class TargetError(ValueError):
    """A ``FILE.py:FACTORY`` / ``module:FACTORY`` target cannot be found or loaded (exit 2)."""


# torchvision registers fake kernels for these operators at import time; when its compiled
# library does not load next to the installed torch, the operators do not exist and the import
# fails. Defining their schemas (taken from torchvision's C++ registrations) lets the
# pure-Python model code import; the operators themselves still cannot run.
_TORCHVISION_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_torchvision_library: Any = None  # the torch.library.Library must stay alive


def _import_torchvision() -> Any:
    """Import torchvision, defining missing operator schemas if its compiled ops fail to load."""
    global _torchvision_library
    if "torchvision" in sys.modules and hasattr(sys.modules["torchvision"], "models"):
        return sys.modules["torchvision"]
    import torch

    defined: list[str] = []
    for _ in range(len(_TORCHVISION_SCHEMAS) + 1):
        try:
            import torchvision
        except RuntimeError as exc:
            op = _missing_torchvision_op(str(exc))
            if op is None or op not in _TORCHVISION_SCHEMAS or op in defined:
                raise
            for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
                del sys.modules[name]
            if _torchvision_library is None:
                _torchvision_library = torch.library.Library("torchvision", "DEF")
            # Define all known schemas at once: the next import would stop at the next one.
            for name, schema in _TORCHVISION_SCHEMAS.items():
                if name not in defined:
                    _torchvision_library.define(schema)
                    defined.append(name)
            continue
        if defined:
            warnings.warn(
                "torchvision's compiled ops could not be loaded with this torch; defined the "
                f"schemas of torchvision::{', torchvision::'.join(defined)} so its pure-Python models "
                "import (detection ops such as nms will not run)",
                RuntimeWarning,
                stacklevel=3,
            )
        return torchvision
    raise ImportError("torchvision could not be imported")


def _missing_torchvision_op(message: str) -> str | None:
    marker = "operator torchvision::"
    if marker not in message:
        return None
    rest = message.split(marker, 1)[1]
    return rest.split()[0].strip("'\".,")


def load_torchvision_module(name: str) -> Any:
    """Import a torchvision module (``"resnet"``, ``"models.resnet"`` or the full dotted name).

    Works where torchvision's compiled ops do not load next to the installed torch: their
    schemas are defined first and a ``RuntimeWarning`` says that the ops are unavailable.
    """
    if name.startswith("torchvision"):
        dotted = name
    elif "." in name:
        dotted = f"torchvision.{name}"
    else:
        dotted = f"torchvision.models.{name}"
    _import_torchvision()
    return importlib.import_module(dotted)


def _torchvision_root() -> Path | None:
    spec = importlib.util.find_spec("torchvision")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def _torchvision_dotted_name(path: Path) -> str | None:
    """``torchvision.models.resnet`` for a file inside the installed torchvision, else None."""
    root = _torchvision_root()
    if root is None:
        return None
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        return None
    parts = list(rel.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(["torchvision", *parts])


def split_target(spec: str) -> tuple[str, str]:
    """``("path/to/file.py", "factory")`` for ``"path/to/file.py:factory"``; TargetError if malformed."""
    module, sep, factory = spec.rpartition(":")
    if not sep or not module or not factory.isidentifier():
        raise TargetError(f"{spec}: expected FILE.py:FACTORY or dotted.module:FACTORY")
    return module, factory


def is_path(module: str) -> bool:
    """Whether a target's module part names a file rather than a dotted module."""
    return module.endswith(".py") or os.sep in module or "/" in module


def load_module_from_file(path: str | os.PathLike[str], name: str | None = None) -> Any:
    """Import a Python file.

    A file inside a package (its folder has ``__init__.py``) is imported as part of that
    package, so its relative imports work; the package is registered under a name derived from
    its location (``_t2p_pkg_<name>_<hash>``), so it cannot clash with another package of the
    same name. Any other file is imported as a fresh module named ``name`` (its folder is on
    ``sys.path`` while it imports).
    """
    path = Path(path).resolve()
    root = package_root(path)
    if root is not None:
        return import_from_package(path, root)
    if name is None:
        name = f"_t2p_{path.stem}_{path_digest(path)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise TargetError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    return module


def path_digest(path: Path) -> str:
    """A short hash of a path, for module names that cannot clash."""
    return hashlib.sha1(str(path).encode()).hexdigest()[:8]


def import_from_package(path: Path, root: Path) -> Any:
    """Import ``path`` as a module of the package folder ``root``, registered under an alias."""
    alias = f"_t2p_pkg_{root.name}_{path_digest(root)}"
    if alias not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            alias, root / "__init__.py", submodule_search_locations=[str(root)]
        )
        if spec is None or spec.loader is None:
            raise TargetError(f"{root}: cannot be imported as a package")
        package = importlib.util.module_from_spec(spec)
        sys.modules[alias] = package
        try:
            spec.loader.exec_module(package)
        except BaseException:
            sys.modules.pop(alias, None)
            raise
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    return importlib.import_module(".".join([alias, *parts]))


def import_target_module(module: str) -> tuple[Any, Path | None]:
    """Import a target's module; return it and its source file. Import errors propagate."""
    if is_path(module):
        path = Path(module)
        if not path.is_file():
            raise TargetError(f"{module}: no such file")
        dotted = _torchvision_dotted_name(path)
        if dotted is not None:
            return load_torchvision_module(dotted), path
        return load_module_from_file(path), path
    if module.split(".")[0] == "torchvision":
        mod = load_torchvision_module(module)
    else:
        # Like `python -m`, a dotted target is looked up from the current folder too (the
        # `torch2paddle` script's sys.path does not include it).
        cwd = os.getcwd()
        sys.path.insert(0, cwd)
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                raise TargetError(f"{module}: no such module") from None
            raise
        finally:
            sys.path.remove(cwd)
    source = getattr(mod, "__file__", None)
    return mod, Path(source) if source else None


def get_factory(module: Any, name: str, spec: str) -> Callable[..., Any]:
    """``module.<name>`` if it is callable, else a TargetError naming ``spec``."""
    factory = getattr(module, name, None)
    if not callable(factory):
        raise TargetError(f"{spec}: the module has no callable {name!r}")
    return factory


def call_arguments(text: str, module: Any, flag: str = "--kwargs") -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The factory arguments ``--kwargs`` gives: a JSON object (keyword arguments), or a Python
    expression evaluated in ``module``'s namespace (so ``ModelArgs(dim=64)`` finds the module's
    own ``ModelArgs``): a dict is keyword arguments, a tuple positional ones, anything else the
    one positional argument. A failure is a :class:`TargetError`."""
    import json

    try:
        value = json.loads(text)
    except ValueError:
        pass
    else:
        if isinstance(value, dict):
            return (), value
    namespace = dict(vars(module)) if module is not None else {}
    try:
        value = eval(compile(text, flag, "eval"), namespace)  # the user's own expression, as python -c would run it
    except SyntaxError as exc:
        raise TargetError(f"{flag}: {text!r} is neither a JSON object nor a Python expression: {exc.msg} (column {exc.offset})") from None
    except Exception as exc:
        where = f" in {getattr(module, '__name__', 'the module')}" if module is not None else ""
        raise TargetError(f"{flag}: evaluating {text!r}{where} failed: {type(exc).__name__}: {exc}") from None
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TargetError(f"{flag}: {text!r}: keyword argument names must be strings")
        return (), value
    if isinstance(value, tuple):
        return value, {}
    return (value,), {}


def build_paddle_model(spec: str, kwargs: dict[str, Any] | None = None, *, lazy: bool = False,
                       arguments: str | None = None) -> Any:
    """Import ``FILE.py:FACTORY`` (or ``module:FACTORY``) and return ``FACTORY(**kwargs)``.

    Any failure (no such file, module or factory; the code raising while importing or
    building) is a :class:`TargetError` naming the target. ``arguments`` (instead of ``kwargs``)
    is ``--kwargs`` text, evaluated in the target module by :func:`call_arguments`. With ``lazy``, the model is built
    under ``paddle.LazyGuard`` so its parameters get names and shapes but are not initialised
    (all the weight converter needs); if that fails, it is built normally.
    """
    module, name = split_target(spec)
    try:
        mod, _ = import_target_module(module)
    except TargetError:
        raise
    except Exception as exc:
        raise TargetError(f"{spec}: import failed: {type(exc).__name__}: {exc}") from exc
    factory = get_factory(mod, name, spec)
    args: tuple[Any, ...] = ()
    if arguments is not None:
        args, kwargs = call_arguments(arguments, mod)
    if lazy:
        import paddle

        guard = getattr(paddle, "LazyGuard", None)
        if guard is not None:
            try:
                with guard():
                    return factory(*args, **(kwargs or {}))
            except Exception:
                pass  # some code cannot run on uninitialised parameters: build it for real
    try:
        return factory(*args, **(kwargs or {}))
    except Exception as exc:
        raise TargetError(f"{spec}: {name}() failed: {type(exc).__name__}: {exc}") from exc
