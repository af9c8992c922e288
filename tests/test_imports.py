"""ddj's imports point down: no cycle between its modules, none inside a function.

An ``ast`` walk over ``ddj/`` lists every import of a ddj module, inside
functions too (``import ddj.x``, ``from ddj.x import y``, ``from . import x``,
``from .x import y``). ``from ddj.pkg import name`` counts as an import of the
submodule ``ddj.pkg.name`` when that file exists, else of ``ddj.pkg`` itself.
Imports under ``if TYPE_CHECKING:`` never run and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "ddj"


def module_name(path: Path, root: Path = ROOT) -> str:
    """``ddj/store/disk.py`` -> ``ddj.store.disk``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(root: Path = ROOT) -> dict[str, Path]:
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def _resolve(target: str, names: list[str], known: dict[str, Path]) -> list[str]:
    """The ddj modules one ``from target import names`` (or ``import target``) loads."""
    found = []
    for name in names:
        sub = f"{target}.{name}"
        if sub in known:
            found.append(sub)
        elif target in known:
            found.append(target)
    return found or ([target] if target in known else [])


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(path: Path, known: dict[str, Path], root: Path = ROOT) -> list[tuple[str, int, bool]]:
    """Every import of a ddj module in one file: (module, line, inside a function)."""
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other, in_function)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "ddj" or alias.name.startswith("ddj."):
                        for target in _resolve(alias.name, [], known):
                            found.append((target, child.lineno, in_function))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target == "ddj" or target.startswith("ddj."):
                    names = [alias.name for alias in child.names]
                    for module in _resolve(target, names, known):
                        found.append((module, child.lineno, in_function))
            inner = in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            visit(child, inner)

    visit(tree, False)
    return [item for item in dict.fromkeys(found) if item[0] != here]


def import_graph() -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """Edges module -> modules it imports (anywhere), and the in-function imports."""
    known = _modules()
    graph: dict[str, set[str]] = {name: set() for name in known}
    inside: list[tuple[str, str, int]] = []
    for name, path in known.items():
        for target, line, in_function in imports(path, known):
            graph[name].add(target)
            if in_function:
                inside.append((name, target, line))
    return graph, inside


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
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
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def _path_in(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One concrete loop through the group's first module, to name in a failure."""
    members = set(group)
    start = group[0]
    parent: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    loop = [node]
                    while loop[-1] != start:
                        loop.append(parent[loop[-1]])
                    return [*reversed(loop), start]
                if child not in parent:
                    parent[child] = node
                    following.append(child)
        frontier = following
    return group


def test_the_walk_finds_every_form_of_import(tmp_path):
    """The walker sees top-level, relative, in-function and TYPE_CHECKING imports."""
    package = tmp_path / "ddj"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from ddj import b\n"
        "from .sub import c\n"
        "if TYPE_CHECKING:\n    from ddj import d\n"
        "def f():\n    import ddj.sub.c\n    from ddj.d import x\n"
    )
    for name in ("b.py", "d.py", "sub/__init__.py", "sub/c.py"):
        (package / name).write_text("")
    found = imports(package / "a.py", _modules(package), package)
    assert found == [
        ("ddj.b", 2, False),
        ("ddj.sub.c", 3, False),
        ("ddj.sub.c", 7, True),
        ("ddj.d", 8, True),
    ]
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_ddj_modules():
    graph, _ = import_graph()
    found = cycles(graph)
    named = [
        " -> ".join(_path_in(group, graph)) + f"  ({len(group)} modules: {', '.join(group)})"
        for group in found
    ]
    assert not found, "import cycles (imports inside functions counted):\n" + "\n".join(named)


def test_no_ddj_import_inside_a_function():
    _, inside = import_graph()
    known = _modules()
    listed = [
        f"{known[name].relative_to(ROOT.parent)}:{line} imports {target}"
        for name, target, line in inside
    ]
    message = f"{len(inside)} imports of ddj modules inside functions (move them to module top):\n"
    assert not inside, message + "\n".join(listed)


if __name__ == "__main__":  # a census: python tests/test_imports.py
    from collections import Counter

    known = _modules()
    graph, inside = import_graph()
    total = sum(len(imports(path, known)) for path in known.values())
    lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in known.values())
    print(
        f"{len(known)} modules, {lines} lines, {total} imports of ddj modules, {len(inside)} inside functions"
    )
    for group in cycles(graph):
        print(f"cycle of {len(group)}: {', '.join(group)}")
    for name, count in sorted(Counter(name for name, _, _ in inside).items()):
        print(f"  {count:3d} in functions: {name}")
