"""What the inner layers may import, as allowlists: the domain the standard library, the
use cases that and the domain. import-linter guards the outer layers' packages; this
checks what no list of forbidden packages can: that nothing else creeps in."""

import ast
import sys
from pathlib import Path

import pytest

import application
import domain

STDLIB = set(sys.stdlib_module_names)


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize(
    ("package", "allowed"),
    [(domain, STDLIB | {"domain"}), (application, STDLIB | {"domain", "application"})],
    ids=["domain", "application"],
)
def test_an_inner_layer_imports_only_what_it_may(package: object, allowed: set[str]) -> None:
    root = Path(package.__file__).parent  # type: ignore[attr-defined]
    offenders = {
        str(path.relative_to(root)): sorted(_imported_roots(path) - allowed)
        for path in root.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_allowlist_would_catch_a_framework(tmp_path: Path) -> None:
    module = tmp_path / "leak.py"
    module.write_text("from sqlalchemy import select\nimport json\n")
    assert _imported_roots(module) - STDLIB == {"sqlalchemy"}
