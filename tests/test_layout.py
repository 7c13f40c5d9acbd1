"""The code's shape, checked: a package per feature, no import cycles between
modules, modules a reader can hold in mind, each saying what lives in it."""
from __future__ import annotations

import ast
import os

import pytest

from support import ROOT

pytestmark = pytest.mark.once  # see tests/conftest.py

PACKAGE = "coding_duo"
MAX_LINES = 300
SEED_NAMES = {  # the seed design's names, each in the obvious file of its package
    "EventStreamsRegistry": "coding_duo/streams/registry.py",
    "SchedulerRegistry": "coding_duo/timer/registries.py",
    "TimestampRegistry": "coding_duo/timer/registries.py",
    "SchedulerService": "coding_duo/timer/service.py",
    "Timer": "coding_duo/timer/domain.py",
}


def modules() -> dict[str, str]:
    """Module name -> path, for every module of the app."""
    found = {}
    for folder, _dirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                found[rel.removesuffix(".__init__")] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every import statement, wherever it is (functions too), but those only for
    type checkers."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def dependencies(name: str, path: str, known: dict[str, str]) -> set[str]:
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    deps = set()
    for node in _imports(ast.parse(open(path).read())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = []
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)
        deps.update(t for t in targets if t in known and t != name)
    return deps


def test_no_import_cycles_between_modules():
    known = modules()
    graph = {name: dependencies(name, path, known) for name, path in known.items()}
    # The factory (the top package) imports everything on purpose; packages'
    # __init__ modules hold docstrings only. A cycle is among the modules proper.
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node, path):
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_layering_holds():
    """web is shared by every feature and knows none of their logic (the OpenAPI
    document reads their request bodies, nothing else); the composition root
    (duo) is imported by the factory alone."""
    known = modules()
    for name, path in known.items():
        deps = dependencies(name, path, known)
        if name.startswith(f"{PACKAGE}.web.") and name != f"{PACKAGE}.web.openapi":
            features = {d for d in deps if not d.startswith((f"{PACKAGE}.web", f"{PACKAGE}.context",
                                                             f"{PACKAGE}.extensions"))}
            assert not features, f"{name} reaches into {features}"
        if name not in (PACKAGE, f"{PACKAGE}.duo"):
            assert f"{PACKAGE}.duo" not in deps, f"{name} imports the composition root"


def test_modules_are_short_and_say_what_lives_in_them():
    too_long, undocumented = [], []
    for name, path in modules().items():
        source = open(path).read()
        if source.count("\n") > MAX_LINES:
            too_long.append(f"{name} ({source.count(chr(10))} lines)")
        if not ast.get_docstring(ast.parse(source)):
            undocumented.append(name)
    assert not too_long, f"over {MAX_LINES} lines: {too_long}"
    assert not undocumented, f"no docstring: {undocumented}"


def test_the_seed_designs_names_are_where_a_reader_looks():
    for name, rel in SEED_NAMES.items():
        tree = ast.parse(open(os.path.join(ROOT, rel)).read())
        assert any(isinstance(n, ast.ClassDef) and n.name == name for n in tree.body), (name, rel)


def test_every_feature_package_exists():
    for feature in ("rooms", "timer", "streams", "tools", "web"):
        assert os.path.isfile(os.path.join(ROOT, PACKAGE, feature, "__init__.py")), feature


def test_every_setting_is_in_the_readme_configuration_table():
    """A setting nobody can find is a setting nobody can use."""
    import re

    from coding_duo import config
    readme = open(os.path.join(ROOT, "README.md")).read()
    table = readme[readme.index("## Configuration"):]
    table = table[:table.index("\n## ", 3)]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    derived = {"SQLALCHEMY_DATABASE_URI": "DATABASE_URL", "MAX_STREAMS_CONFIGURED": "MAX_STREAMS"}
    settings = {derived.get(key, key) for key in config.from_environment("/tmp")}
    assert not settings - documented, f"not in README's configuration table: {settings - documented}"
