"""The package's layers: a module imports only from its own layer or below, and no two modules
import each other, directly or round a longer circle. Imports inside functions count too
(``import x`` inside a function still ties the two modules together)."""

from __future__ import annotations

import ast
from pathlib import Path

import ivcli

PACKAGE = Path(ivcli.__file__).resolve().parent

# Lowest first. A module may import from its own layer and the ones before it, never after.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("ivcli", "ivcli.errors", "ivcli.enums", "ivcli.parsing", "ivcli.periods", "ivcli.settings",
     "ivcli.vocab", "ivcli.report_figures", "ivcli.labels", "ivcli.ethnicity"),
    ("ivcli.db", "ivcli.dialect", "ivcli.migrations", "ivcli.models", "ivcli.outfile"),
    ("ivcli.importing",),
    # The services: one package per capability, and three single-module ones.
    ("ivcli.referrals", "ivcli.volunteers", "ivcli.matching", "ivcli.visits", "ivcli.reports",
     "ivcli.safety", "ivcli.team", "ivcli.stored_settings", "ivcli.stored_mappings",
     "ivcli.demo"),
    ("ivcli.render", "ivcli.render_report", "ivcli.charts", "ivcli.prompts"),
    ("ivcli.cli", "ivcli.__main__"),
)
# Renderers take what they show as arguments: they import no service and no database module,
# whatever their layer (the shared definitions of a report live in ivcli.report_figures).
RENDERERS = ("ivcli.render", "ivcli.render_report", "ivcli.charts")
SERVICES = LAYERS[3]
NOT_FOR_RENDERERS = (*SERVICES, "ivcli.db", "ivcli.dialect", "ivcli.models",
                     "ivcli.importing")

# Known circles left to their owners, each to be removed when broken (the test then says so).
# db <-> outfile: db.backup_database refuses a target with outfile.refuse; outfile reads
# db.SQLITE_HEADER and db's storage errors.
KNOWN_CYCLES: list[list[str]] = [["ivcli.db", "ivcli.outfile"]]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The ivcli modules ``name`` imports anywhere in its source (functions included, and
    ``if TYPE_CHECKING:`` blocks left out: they never run)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            # "from ivcli.safety import audit" imports the module ivcli.safety.audit.
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t.startswith("ivcli") and t != name:
                out.add(t)
    return out


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(name, path, known) for name, path in found.items()}


def layer(name: str) -> int:
    best, level = "", -1
    for i, members in enumerate(LAYERS):
        for m in members:
            if (name == m or name.startswith(m + ".")) and len(m) > len(best):
                best, level = m, i
    return level


def test_every_module_has_a_layer() -> None:
    assert [m for m in modules() if layer(m) < 0] == []


def test_no_upward_import() -> None:
    upward = sorted(f"{a} imports {b}" for a, deps in graph().items() for b in deps
                    if layer(b) > layer(a) and not (a == "ivcli" and b == "ivcli.__main__"))
    assert upward == []


def test_renderers_import_no_service() -> None:
    found = sorted(f"{a} imports {b}" for a, deps in graph().items() for b in deps
                   if a in RENDERERS and b.startswith(NOT_FOR_RENDERERS))
    assert found == []


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The circles of imports: strongly connected components of more than one module
    (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
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

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle() -> None:
    # A package's __init__ and its own modules are one unit: importing a submodule runs it.
    g = {a: {b for b in deps if not a.startswith(b + ".")} for a, deps in graph().items()}
    assert cycles(g) == KNOWN_CYCLES


def test_the_checks_find_what_they_look_for() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    g = graph()
    assert "ivcli.errors" in g["ivcli.db"]
    assert layer("ivcli.safety.audit") > layer("ivcli.db") > layer("ivcli.errors")
    assert layer("ivcli.cli.today") == len(LAYERS) - 1
