"""The package's shape (issue 11): no import cycles, no module longer than 800 lines, and the
environment read only at the command-line edge.

The import graph is read with ``ast`` from every module under ``translator/``: ``import x``,
``from x import y`` and ``from . import y`` anywhere in a module (function-local imports count
too), relative imports resolved, ``from p import y`` counted as an import of the submodule
``p.y`` when there is one and of the package ``p`` otherwise.  A package's ``__init__.py`` is the
package.  Importing ``p.y`` is not counted as an import of ``p`` (Python runs ``p/__init__.py``
first, but a package that re-exports its submodules would otherwise always be a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "translator"
MAX_LINES = 800

# Modules outside translator/cli/ that may read os.environ, each with the reason.
ENVIRON_OUTSIDE_CLI: dict[str, str] = {}


def _modules() -> dict[str, Path]:
    """``{dotted name: file}`` for every module under translator/ (a package is its __init__)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name ``from <level dots><name>`` means inside ``module``."""
    if not level:
        return name or ""
    base = module.split(".")
    if not is_package:
        base.pop()
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, *([name] if name else [])])


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The translator modules ``module`` imports, anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def add(name: str) -> None:
        # the longest known prefix: `import translator.cli.output` imports translator.cli.output
        parts = name.split(".")
        while parts and ".".join(parts) not in known:
            parts.pop()
        if parts:
            found.add(".".join(parts))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                add(sub if sub in known else base)
    found.discard(module)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return components


def _one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as ``[a, b, ..., a]``."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return component


def test_graph_sees_relative_and_local_imports():
    graph = import_graph()
    assert "translator.diagnostics" in graph["translator.cli.translate"]  # from ..diagnostics import
    assert "translator.cli.output" in graph["translator.cli.sync"]  # from .output import
    assert "translator.weights.cli" in graph["translator.cli"]  # function-local
    assert "translator.weights" in graph["translator.verify.check"]  # a package's __init__


def test_no_import_cycles():
    graph = import_graph()
    cycles = [c for c in strongly_connected(graph) if len(c) > 1]
    report = [" -> ".join(_one_cycle(graph, c)) + f"  (component: {', '.join(c)})" for c in cycles]
    assert not cycles, "import cycles in translator/:\n" + "\n".join(report)


def _line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_no_module_is_longer_than_800_lines():
    too_long = {
        str(path.relative_to(ROOT).as_posix()): _line_count(path)
        for path in PACKAGE.rglob("*.py")
        if _line_count(path) > MAX_LINES
    }
    assert not too_long, f"modules longer than {MAX_LINES} lines: {too_long}"


def _reads_environ(path: Path) -> bool:
    """Whether the module touches ``os.environ``/``os.getenv`` (however ``os`` is named)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    os_names = {"os"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            os_names |= {a.asname for a in node.names if a.name == "os" and a.asname}
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and not node.level:
            if any(a.name in ("environ", "getenv", "environb", "putenv", "unsetenv") for a in node.names):
                return True
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv", "environb", "putenv", "unsetenv")
            and isinstance(node.value, ast.Name)
            and node.value.id in os_names
        ):
            return True
    return False


def test_environment_is_read_only_at_the_cli_edge():
    readers = sorted(
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if _reads_environ(path)
    )
    outside = [p for p in readers if not p.startswith("translator/cli/") and p not in ENVIRON_OUTSIDE_CLI]
    assert not outside, f"os.environ read outside translator/cli/: {outside}"
    assert any(p.startswith("translator/cli/") for p in readers)  # the check sees the CLI's reads


def test_every_package_is_in_pyproject():
    """A subpackage missing from [tool.setuptools] packages would be left out of the wheel."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    packages = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in PACKAGE.rglob("__init__.py")
    }
    assert packages - listed == set(), "add to [tool.setuptools] packages in pyproject.toml"
