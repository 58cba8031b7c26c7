"""The library's layering, checked from the source (no imports executed).

* No import cycles between the modules of ``cold`` -- counting imports inside functions too,
  since a lazy import that closes a cycle is still a cycle in the design.
* Argparse lives in ``cold/cli.py`` only (the explorer's command is defined there as well).
* ``cold.reproduce`` orchestrates the repository (runs notebooks, writes reports) on top of the
  library: only the command line imports it, and the notebooks it runs never do.
"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "cold"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _is_module(name: str) -> bool:
    p = ROOT.joinpath(*name.split("."))
    return p.with_suffix(".py").is_file() or (p / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """Every ``cold`` module that ``path`` imports, anywhere in the file."""
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "cold" or a.name.startswith("cold."):
                    out.add(a.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not (target == "cold" or target.startswith("cold.")):
                continue
            for a in node.names:  # ``from . import data`` imports the submodule cold.data
                sub = f"{target}.{a.name}"
                out.add(sub if _is_module(sub) else target)
    out.discard(me)
    return out


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PKG.rglob("*.py")}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_in_cold():
    graph = _graph()
    # a package's __init__ re-exports its submodules; submodules must not import it back
    for name, deps in graph.items():
        if name != "cold":
            assert "cold" not in deps, f"{name} imports the package cold (import from the defining module)"
    assert _cycles(graph) == [], f"import cycles: {_cycles(graph)}"


def test_the_cycle_check_can_fail():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("folder", ["cold", "explorer"])
def test_argparse_only_in_cli(folder):
    users = [p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*.py")
             if "argparse" in {a.name for n in ast.walk(ast.parse(p.read_text()))
                               if isinstance(n, (ast.Import, ast.ImportFrom))
                               for a in (n.names if isinstance(n, ast.Import) else [ast.alias(n.module or "")])}]
    allowed = {"cold/cli.py", "explorer/screenshots.py"}  # the screenshot tool is a script of its own
    assert set(users) <= allowed, f"argparse outside cold/cli.py: {sorted(set(users) - allowed)}"


def test_reproduce_sits_on_top():
    graph = _graph()
    importers = sorted(m for m, deps in graph.items() if "cold.reproduce" in deps)
    assert importers == ["cold.cli"], importers
    for nb in (ROOT / "notebooks").glob("*.py"):
        mods = {a.name for n in ast.walk(ast.parse(nb.read_text())) if isinstance(n, ast.Import) for a in n.names}
        mods |= {n.module for n in ast.walk(ast.parse(nb.read_text())) if isinstance(n, ast.ImportFrom)}
        assert "cold.reproduce" not in mods, f"{nb.name} imports cold.reproduce"
