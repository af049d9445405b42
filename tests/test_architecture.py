"""The shape the code keeps (issue 13's done-when): the module map is complete, the index package is one unit,
no lower layer reaches back up to the facade or an edge, and only config.py reads the environment."""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
MAP = PACKAGE.parent / "docs" / "architecture.md"
# The facade and the edges: what a question passes through on its way in, and the tools built on the facade.
UPPER = {"assistant", "cli", "web", "web_admin", "web_guard", "web_sources", "eval", "bench", "bench_startup",
         "counterfactual"}
# What the index package may use from outside itself: the layers below it.
BELOW_INDEX = {"config", "errors", "types"}


def modules() -> dict[str, Path]:
    """'index.record' -> its file, for every module of the package ('' for assistant/__init__.py)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path) -> set[str]:
    """The package modules a module imports at run time (imports under `if TYPE_CHECKING:` are types only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    guarded = [node for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)]
    typing_only = {id(n) for node in guarded for n in ast.walk(node)}
    parts = name.split(".") if name else []
    package = parts if path.name == "__init__.py" else parts[:-1]
    known = set(modules())
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            elif node.module and node.module.startswith("assistant"):
                target = node.module.removeprefix("assistant").lstrip(".")
            else:
                continue
            found.add(target)
            found |= {f"{target}.{a.name}".lstrip(".") for a in node.names} & known  # from . import x
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("assistant").lstrip(".") for a in node.names if a.name.startswith("assistant")}
    return found - {name}


def test_every_module_is_in_the_module_map():
    text = MAP.read_text(encoding="utf-8")
    block = text.split("```", 2)[1]
    listed, folder = set(), ""
    for line in block.splitlines()[1:]:
        match = re.match(r"(\s*)(\S+)", line)
        if not match or (match[1] and not folder and not match[2].endswith((".py", "/"))):
            continue
        entry = match[2]
        if not match[1]:
            folder = entry if entry.endswith("/") else ""
            listed.add(entry)
        elif entry.endswith(".py"):
            listed.add(folder + entry)
    files = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    assert files - listed == set(), "modules missing from docs/architecture.md"
    assert {e for e in listed if e.endswith(".py")} - files == set(), "docs/architecture.md lists modules that are gone"


def test_the_index_package_is_one_unit():
    graph = {name: imports(name, path) for name, path in modules().items()}
    reach_inside = {name: sorted(i for i in imported if i.startswith("index."))
                    for name, imported in graph.items() if not name.startswith("index") and name != ""}
    assert {n: i for n, i in reach_inside.items() if i} == {}, "outside code imports the index package, not its files"
    reach_out = {name: sorted(i for i in imported if not i.startswith("index") and i.split(".")[0] not in BELOW_INDEX)
                 for name, imported in graph.items() if name.startswith("index")}
    assert {n: i for n, i in reach_out.items() if i} == {}, "the index package uses only the layers below it"


def test_no_lower_layer_imports_the_facade_or_an_edge():
    upward = {name: sorted(i for i in imports(name, path) if i.split(".")[0] in UPPER)
              for name, path in modules().items() if name.split(".")[0] not in UPPER and name != ""}
    assert {n: i for n, i in upward.items() if i} == {}


def test_only_config_reads_the_environment():
    readers = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                     if re.search(r"os\.environ|getenv", p.read_text(encoding="utf-8")))
    assert readers == ["config.py"]
