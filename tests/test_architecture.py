"""The import graph (docs/architecture.md): huinong_core under both applications, the build
(generator) and the service (lookup_api) not on each other, and no cycle between modules.

Read with the standard library's ast, imports inside functions included (they are imports too).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

PACKAGES = ("huinong_core", "generator", "lookup_api")

#: generator modules that may import lookup_api: the CLI starts and administers the service
#: (serve, cases keygen/rekey/staff accounts) and hands the build the service's 咨询投诉 figures.
MAY_START_THE_SERVICE = {"generator.cli"}
#: Known and still to be removed.  Nothing may be added here.
NOT_YET: set[tuple[str, str]] = set()
#: The web framework: the cases domain (lookup_api/cases/) reaches none of it.
WEB = {"fastapi", "starlette"}


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for f in (REPO / pkg).rglob("*.py"):
            parts = f.relative_to(REPO).with_suffix("").parts
            mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return mods


def _imports(name: str, path: Path, mods: dict[str, Path]) -> set[str]:
    """The modules of our packages that module `name` imports (the longest known prefix)."""
    found = set()
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in mods:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _web_imports(path: Path) -> set[str]:
    """The web framework packages a module imports itself."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found & WEB


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    """``start`` and every module it imports, directly or not."""
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(graph.get(m, ()))
    return seen


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {name: _imports(name, path, mods) for name, path in mods.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
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
    return out


def _top(module: str) -> str:
    return module.split(".", 1)[0]


def test_core_imports_neither_application():
    bad = [(m, t) for m, ts in _graph().items() if _top(m) == "huinong_core" for t in ts if _top(t) != "huinong_core"]
    assert not bad, bad


def test_the_service_imports_nothing_of_the_build():
    bad = [(m, t) for m, ts in _graph().items() if _top(m) == "lookup_api" for t in ts if _top(t) == "generator"]
    assert not bad, bad


def test_the_build_imports_the_service_only_to_start_it():
    bad = {(m, _top(t)) for m, ts in _graph().items() if _top(m) == "generator" for t in ts
           if _top(t) == "lookup_api" and m not in MAY_START_THE_SERVICE}
    assert bad <= NOT_YET, bad - NOT_YET
    assert bad == NOT_YET, f"fixed: remove {NOT_YET - bad} from NOT_YET"


def test_the_cases_domain_knows_no_http():
    """lookup_api/cases/ refuses with its CaseError family (refusals) and reaches nothing of FastAPI or
    Starlette, not even through another module: lookup_api/errors.py alone turns refusals into HTTP."""
    graph, mods = _graph(), _modules()
    bad = {(m, r) for m in graph if m.startswith("lookup_api.cases") for r in _reach(graph, m) if _web_imports(mods[r])}
    assert not bad, sorted(bad)


#: The HTTP layer: the modules that may give an answer its status (lookup_api/errors.py).
HTTP_LAYER = {"lookup_api.main", "lookup_api.deps", "lookup_api.middleware", "lookup_api.bodies", "lookup_api.pages"}


def test_only_the_http_layer_picks_a_status():
    """The services, the limits, the proofs and the cases domain refuse in their own terms
    (lookup_api/refusals.py); only the HTTP layer (the routes, the pages, …) reaches errors.py, whose
    one table gives each kind of refusal its status."""
    users = {m for m, ts in _graph().items() if "lookup_api.errors" in ts}
    assert "lookup_api.routes.lookup" in users  # the check sees the routes
    assert not {m for m in users if m not in HTTP_LAYER and not m.startswith("lookup_api.routes.")}


def test_the_routes_are_given_their_services():
    """create_app (main.py) puts the services on app.state and deps.py's providers alone read them
    there: every route and page helper is given what it needs through deps.py."""
    readers = {m for m, path in _modules().items() if "app.state" in path.read_text(encoding="utf-8")}
    assert readers == {"lookup_api.main", "lookup_api.deps"}


def test_no_import_cycle():
    assert _cycles(_graph()) == []


def test_the_checks_can_fail():
    """The reader sees relative, function-level and package imports; the cycle finder finds one."""
    mods = _modules()
    assert "huinong_core.regions" in _imports("huinong_core.models", mods["huinong_core.models"], mods)
    assert "generator.check" in _imports("generator.cli", mods["generator.cli"], mods)  # inside a function
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    assert _web_imports(mods["lookup_api.errors"]) == WEB
    assert "lookup_api.refusals" in _reach(_graph(), "lookup_api.cases.service")  # through cases.errors
