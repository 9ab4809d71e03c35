"""The layering rule, checked: engine/ is pure, web/ never touches SpiffWorkflow directly."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "engine": {"flask", "flask_sqlalchemy", "flask_migrate", "sqlalchemy", "marshmallow", "web", "forms"},
    "web": {"SpiffWorkflow", "RestrictedPython"},
    "forms": {"flask", "sqlalchemy", "SpiffWorkflow", "web"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_respect_the_layers(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        bad = imported_modules(path) & FORBIDDEN[package]
        if bad:
            offenders.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(bad))}")
    assert offenders == []

# What engine/ may import besides the standard library and itself, and why.
ENGINE_DEPENDENCIES = {
    "SpiffWorkflow": "the BPMN/DMN engine itself",
    "RestrictedPython": "compiles scripts and expressions for the sandbox",
    "lxml": "safe XML parsing and the BPMN/DMN schema checks",
    "jdatetime": "Jalali dates",
    "jinja2": "task instructions are Jinja templates; they render in the engine, under the scripts' budget",
    "markupsafe": "jinja2's HTML escaping, used by the instruction renderer",
    "holidays": "the official Iranian holiday calendar (engine/calendar.py)",
}


def test_the_engine_depends_only_on_the_standard_library_and_listed_packages():
    unlisted = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        extra = imported_modules(path) - set(sys.stdlib_module_names) - {"engine"} - set(ENGINE_DEPENDENCIES)
        if extra:
            unlisted.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(extra))}")
    assert unlisted == []


def test_the_checker_sees_a_violation(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import flask\nfrom sqlalchemy.orm import Session\n")
    assert imported_modules(sample) & FORBIDDEN["engine"] == {"flask", "sqlalchemy"}
