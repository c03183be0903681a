"""Imports point down the layers only: computed from the real import graph of perflint's source.

Every `import` and `from … import` counts, those inside functions too (they run when the function
does); only imports under `if TYPE_CHECKING:` are left out, since they never run. A subpackage
(readers, checks, history, formatters, batch, serve) is one unit; a top-level module is its own.

The source is parsed in a fresh interpreter (this file run as a script): CPython 3.11.7's AST
conversion keeps a recursion count across calls, and after some of the suite's earlier tests an
`ast.parse` in the same process fails with "AST constructor recursion depth mismatch".
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "perflint"
SUBPACKAGES = frozenset(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file())

# the layers of ARCHITECTURE.md, top down; an import may stay in its layer or go down, never up.
# Every module has its place (test_every_module_has_a_layer): a new one is placed here.
LAYERS = {
    # the front door: the commands, the API, the server, and what only they use
    "perflint.entry": 7, "perflint.cli": 7, "perflint.check_cli": 7, "perflint.checking": 7, "perflint.api": 7,
    "perflint.serve": 7, "perflint.__main__": 7, "perflint.exits": 7, "perflint.codecache": 7,
    "perflint.explain": 7, "perflint.rule_docs": 7, "perflint.rule_examples": 7, "perflint.convert": 7,
    "perflint.template": 7,
    # the run wiring
    "perflint.run": 6,
    # the engine and the batch; the formatters and the other sinks of results
    "perflint.engine": 5, "perflint.batch": 5, "perflint.lifecycle": 5, "perflint.formatters": 5,
    "perflint.report": 5, "perflint.messages": 5, "perflint.json_positions": 5, "perflint.annotate": 5,
    "perflint.ledger": 5, "perflint.baseline": 5,
    # the rules, and the policy they are run with
    "perflint.checks": 4, "perflint.scoring": 4, "perflint.catalogue": 4, "perflint.profiles": 4,
    "perflint.userrules": 4,
    # the cross-document index, and which files a run and its history sources hold
    "perflint.history": 3, "perflint.files": 3, "perflint.config": 3,
    # the readers, and the layouts and schemas they read by
    "perflint.readers": 2, "perflint.layouts": 2, "perflint.schema": 2,
    # the model and the vocabulary; the shipped data, the disk caches and atomic writes under everything
    "perflint.model": 1, "perflint.values": 1, "perflint.vocabulary": 1, "perflint": 1, "perflint.data": 1,
    "perflint.diskcache": 1, "perflint.output": 1,
}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path, modules: frozenset[str]) -> set[str]:
    """The perflint modules `path` imports at run time."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child.test):
                for other in child.orelse:
                    visit_statement(other)
                continue
            visit_statement(child)

    def visit_statement(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "perflint")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "perflint":
                for alias in node.names:  # `from . import tasks` imports the module perflint.batch.tasks
                    name = f"{target}.{alias.name}"
                    found.add(name if name in modules else target)
        visit(node)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(module)
    return found


def _unit(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in SUBPACKAGES:
        return ".".join(parts[:2])
    return module


def _parsed_here() -> dict[str, list[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = frozenset(_module(p) for p in files)
    return {_module(p): sorted(_imports(p, modules)) for p in files}


@lru_cache(maxsize=1)
def module_graph() -> dict[str, frozenset[str]]:
    out = subprocess.run([sys.executable, __file__], capture_output=True, text=True, timeout=120, check=True)
    return {module: frozenset(targets) for module, targets in json.loads(out.stdout).items()}


@lru_cache(maxsize=1)
def unit_graph() -> dict[str, frozenset[str]]:
    units: dict[str, set[str]] = {}
    for module, targets in module_graph().items():
        mine = units.setdefault(_unit(module), set())
        mine.update(_unit(t) for t in targets if _unit(t) != _unit(module))
    return {u: frozenset(t) for u, t in units.items()}


def imported_by(unit: str) -> frozenset[str]:
    return unit_graph().get(unit, frozenset())


def _cycles(graph: dict[str, frozenset[str]]) -> list[list[str]]:
    """The strongly connected components of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


# ---- the graph is the real one ----------------------------------------------------------------

def test_the_graph_holds_the_edges_the_code_has():
    graph = unit_graph()
    for importer, imported in [("perflint.entry", "perflint.check_cli"), ("perflint.entry", "perflint.cli"),
                               ("perflint.checking", "perflint.run"), ("perflint.api", "perflint.run"),
                               ("perflint.serve", "perflint.run"), ("perflint.run", "perflint.batch"),
                               ("perflint.run", "perflint.engine"), ("perflint.batch", "perflint.engine"),
                               ("perflint.batch", "perflint.history"), ("perflint.engine", "perflint.model"),
                               ("perflint.checks", "perflint.history"), ("perflint.history", "perflint.readers"),
                               ("perflint.readers", "perflint.model"), ("perflint.formatters", "perflint.report")]:
        assert imported in graph[importer], f"{importer} -> {imported}"
    # relative imports inside a package resolve to its modules
    assert "perflint.batch.tasks" in module_graph()["perflint.batch.pool"]
    # an import only for type annotations is no edge
    assert "perflint.run" not in imported_by("perflint.batch")


# ---- nothing runs back up -----------------------------------------------------------------------

def test_no_cycle_between_packages():
    assert _cycles(dict(unit_graph())) == []


def test_no_import_runs_up_the_layers():
    up = sorted((a, b) for a, targets in unit_graph().items() for b in targets
                if a in LAYERS and b in LAYERS and LAYERS[a] < LAYERS[b])
    assert up == []


def test_every_module_has_a_layer():
    assert sorted(set(unit_graph()) - set(LAYERS)) == []


def test_readers_know_formats_not_rules():
    assert imported_by("perflint.readers") & {"perflint.checks", "perflint.engine", "perflint.history",
                                              "perflint.batch", "perflint.run", "perflint.formatters"} == set()


def test_the_model_imports_only_values():
    assert imported_by("perflint.model") <= {"perflint.values"}


def test_formatters_know_findings_not_rules():
    assert imported_by("perflint.formatters") & {"perflint.checks", "perflint.engine", "perflint.history",
                                                 "perflint.batch", "perflint.run"} == set()


def test_the_index_never_imports_what_runs_it():
    assert imported_by("perflint.history") & {"perflint.engine", "perflint.run", "perflint.batch",
                                              "perflint.checks", "perflint.checking"} == set()


def test_one_front_door():
    # the command's entry point imports the typer app, never the other way round
    assert "perflint.entry" not in imported_by("perflint.cli")
    # every front door wires its run through perflint.run; only the wiring opens a batch
    importers_of_batch = {u for u, targets in unit_graph().items() if "perflint.batch" in targets}
    assert importers_of_batch == {"perflint.run"}


def test_one_process_mechanism():
    # every second process (the batch's workers and helper, the server's workers) is started by
    # lifecycle.start_child, so every one ends with its parent and leaves Ctrl-C to it
    starts = re.compile(r"^\s*(?:import|from)\s+(?:multiprocessing(?!\.connection)|subprocess|concurrent\.futures)\b"
                        r"|os\.fork\(|ProcessPoolExecutor", re.M)
    found = sorted(_module(p) for p in PACKAGE.rglob("*.py") if starts.search(p.read_text(encoding="utf-8")))
    assert found == ["perflint.lifecycle"]


if __name__ == "__main__":
    json.dump(_parsed_here(), sys.stdout)
