"""The apps' modules import each other in one direction: no cycle, and no import hidden inside a
function to dodge one.

An import cycle that Python tolerates in one import order breaks in another (a module found
half-initialised), and an import moved into a function to dodge it hides the tangle instead
of undoing it. The graph is read from the source (every module-level import, and the packages
a module outside them loads on the way), so a cycle is caught whichever module a process
happens to import first; one fresh interpreter then sets Django up and imports every module.
"""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("sharing", "audit", "accounts")

# Imports left inside a function, each with its reason; none of them dodges a cycle.
ALLOWED_LOCAL_IMPORTS = {
    # An apps module is loaded before the app registry is ready: what needs the models is
    # imported in ready(), or in a receiver it connects.
    ("accounts.apps", "accounts.lockout"): "AppConfig.ready (django-axes' models)",
    ("accounts.apps", "accounts.policy"): "AppConfig.ready",
    ("audit.apps", "audit.models"): "post_migrate receiver",
    ("audit.apps", "audit.services"): "post_migrate receiver",
    ("audit.apps", "audit.signals"): "AppConfig.ready",
    ("audit.apps", "audit.tasks"): "AppConfig.ready: registers the tasks published by name",
    ("sharing.apps", "sharing.tasks"): "AppConfig.ready: registers the tasks published by name",
    # The French named-entity model weighs hundreds of megabytes and is optional.
    ("sharing.privacy.model", "spacy"): "heavy and optional: loaded when first needed",
}


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if "migrations" in parts:
                continue
            package = parts[-1] == "__init__"
            if package:
                parts = parts[:-1]
            found[".".join(parts)] = (path, package)
    return found


MODULES = _modules()


def _targets(module: str, package: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import statement loads: `from pkg import sub` names the submodule."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".") if package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        prefix = ".".join([*base, node.module] if node.module else base)
    else:
        prefix = node.module or ""
    return [
        f"{prefix}.{alias.name}" if f"{prefix}.{alias.name}" in MODULES else prefix
        for alias in node.names
    ]


def _imports(module: str) -> tuple[set[str], list[tuple[int, str]]]:
    """(modules imported at module level, [(line, module) imported inside a function])."""
    path, package = MODULES[module]
    top: set[str] = set()
    local: list[tuple[int, str]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                for target in _targets(module, package, child):
                    if in_function:
                        local.append((child.lineno, target))
                    else:
                        top.add(target)
            is_function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, in_function or is_function)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return top, local


def _graph() -> dict[str, set[str]]:
    """Module → the project modules loading it loads: each module imported, and each package
    above it that the importer is not itself inside (Python runs that `__init__` first)."""
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        edges = set()
        own_packages = {module.rsplit(".", depth)[0] for depth in range(module.count(".") + 1)}
        for target in _imports(module)[0]:
            parts = target.split(".")
            for end in range(1, len(parts) + 1):
                name = ".".join(parts[:end])
                if name in MODULES and name not in own_packages:
                    edges.add(name)
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_apps_modules_import_each_other_without_a_cycle():
    assert _cycles(_graph()) == []


def test_a_cycle_is_found_when_there_is_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_importing_a_module_of_another_package_loads_that_package_first():
    # Were sharing/reminders/__init__ to import the ledger (which calls the services, which
    # notify through the outbox), the outbox's use of the schedule would close a cycle.
    assert "sharing.reminders" in _graph()["sharing.notifications.outbox"]


def test_no_import_is_left_inside_a_function_but_the_listed_ones():
    local = {(module, target): line for module in MODULES for line, target in _imports(module)[1]}
    unexplained = [
        f"{module}:{line} imports {target}"
        for (module, target), line in sorted(local.items())
        if (module, target) not in ALLOWED_LOCAL_IMPORTS
    ]
    assert unexplained == []
    assert sorted(set(ALLOWED_LOCAL_IMPORTS) - set(local)) == []  # no stale entry


def test_a_fresh_interpreter_sets_up_django_and_imports_every_module():
    names = sorted(MODULES)
    code = (
        "import importlib, django\n"
        "django.setup()\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, our own code
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
