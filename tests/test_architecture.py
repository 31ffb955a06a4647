"""The architecture, checked: the folder layout and the gateway rules of docs/contributing.md.

`lint-imports` (run by .ci/run) checks the layers; these tests check what it cannot see."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cftwatch"
GATEWAY = {PACKAGE / "workspace.py", *(PACKAGE / "engine").glob("*.py")}
MAX_FILE_LINES = 700
MAX_FUNCTION_LINES = 80
DATA_TABLES: dict[str, str] = {
    # qualified function name -> why it may be longer: it is a table of data.
}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_only_the_gateway_touches_the_duckdb_connection():
    offenders = []
    for path in _modules():
        if path in GATEWAY:
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Attribute) and node.attr in {"con", "_con"}:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not offenders, f"use the Workspace gateway instead of .con: {offenders}"


def test_no_importlib_tricks_outside_registries():
    offenders = []
    for path in _modules():
        if path.name == "registry.py" or path == PACKAGE / "__init__.py":
            # a registry discovers one-module-per-extension packages; the package facade
            # imports a stage only when one of its public names is first used (Splink-style)
            continue
        for node in ast.walk(_tree(path)):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            uses = any(n == "importlib" or n.startswith("importlib.") for n in names)
            if uses and not _only_resources(node):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not offenders, f"no importlib outside registries: {offenders}"


def _only_resources(node: ast.AST) -> bool:
    """`from importlib import resources` / `importlib.metadata` read data, not code."""
    if isinstance(node, ast.ImportFrom):
        if node.module in {"importlib.resources", "importlib.metadata"}:
            return True
        return node.module == "importlib" and all(
            a.name in {"resources", "metadata"} for a in node.names
        )
    return False


def test_no_module_is_over_the_size_limit():
    too_long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES
    }
    assert not too_long, f"split these modules along their seams: {too_long}"


def test_no_function_is_over_the_size_limit():
    too_long = {}
    for path in _modules():
        for qualname, node in _functions(_tree(path)):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            key = f"{path.relative_to(PACKAGE.parent)}::{qualname}"
            if length > MAX_FUNCTION_LINES and key not in DATA_TABLES:
                too_long[key] = length
    assert not too_long, f"split these functions: {too_long}"


def _functions(tree: ast.Module | ast.ClassDef | ast.FunctionDef, prefix: str = ""):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield prefix + node.name, node
            yield from _functions(node, prefix + node.name + ".")  # type: ignore[arg-type]
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, prefix + node.name + ".")  # type: ignore[arg-type]
