"""The shape of the code: no import cycles, small modules and functions,
function-local imports only with a reason, and the layers' directions."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agreements", "workflows", "notifications")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.relative_to(ROOT).parts:
                continue  # frozen revisions: checked by tests/application/test_migrations_frozen.py
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _target(name: str) -> str | None:
    """The module of ours an imported dotted name refers to, if any."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> list[tuple[str, ast.stmt, bool]]:
    """(imported module, statement, inside a function) for each import of ours."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, ast.stmt, bool]] = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if (target := _target(alias.name)) is not None:
                        found.append((target, child, local))
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for alias in child.names:
                    if (target := _target(f"{child.module}.{alias.name}")) is not None:
                        found.append((target, child, local))
            visit(child, inner)

    visit(tree, False)
    return [(t, s, local) for t, s, local in found if t != module]


def graph() -> dict[str, set[str]]:
    return {m: {t for t, _, _ in _imports(m, p)} for m, p in MODULES.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return groups


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_even_through_function_local_imports():
    assert cycles(graph()) == []


def test_the_layers_point_one_way():
    """workflows imports none of ours but itself; notifications only workflows;
    nothing imports the command line but the command line."""
    for module, targets in graph().items():
        top = module.split(".")[0]
        for target in targets:
            if top == "workflows":
                assert target.startswith("workflows"), (module, target)
            if top == "notifications":
                assert target.split(".")[0] in ("notifications", "workflows"), (module, target)
            if target.startswith("agreements.cli"):
                assert module.startswith("agreements.cli") or module == "agreements.__main__", (module, target)


def test_function_local_imports_say_why():
    """Outside the command line (whose commands load lazily by design, see
    agreements/cli/__init__.py), an import inside a function carries a comment
    saying why it is not at the top."""
    silent = []
    for module, path in MODULES.items():
        if module.startswith("agreements.cli"):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for _target_module, statement, local in _imports(module, path):
            if local and "#" not in lines[statement.lineno - 1] and "#" not in lines[statement.end_lineno - 1]:
                silent.append(f"{path.relative_to(ROOT)}:{statement.lineno}")
    assert silent == []


def test_modules_and_functions_are_small():
    big_modules, big_functions = [], []
    for path in MODULES.values():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            big_modules.append(str(path.relative_to(ROOT)))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    big_functions.append(f"{path.relative_to(ROOT)}:{node.name} ({length} lines)")
    assert big_modules == [] and big_functions == []


def test_tests_share_code_through_the_support_module_only():
    """No test module imports another (conftest included): what they share is
    in tests/support.py."""
    crossing = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
            if module.startswith("tests.") and module != "tests.support":
                crossing.append(f"{path.relative_to(ROOT)}:{node.lineno} {module}")
    assert crossing == []


def test_the_readme_layout_names_every_module():
    layout = (ROOT / "README.md").read_text(encoding="utf-8").split("## Layout", 1)[1]
    unnamed = [
        str(path.relative_to(ROOT))
        for path in MODULES.values()
        if path.name not in ("__init__.py", "__main__.py") and f"`{path.name}`" not in layout
    ]
    assert unnamed == []
