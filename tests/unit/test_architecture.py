"""The domain imports only the standard library (import-linter checks the layers; this
checks what no list of forbidden packages can: that nothing else creeps in)."""

import ast
import sys
from pathlib import Path

import domain

DOMAIN = Path(domain.__file__).parent


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_domain_imports_only_the_standard_library() -> None:
    allowed = set(sys.stdlib_module_names) | {"domain"}
    offenders = {
        str(path.relative_to(DOMAIN)): sorted(_imported_roots(path) - allowed)
        for path in DOMAIN.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}
