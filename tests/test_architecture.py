"""The layering in design.md: ``scoring`` and ``pledges`` are pure libraries that import
neither Flask (nor any Flask extension), SQLAlchemy nor ``portal``; and every ``portal``
module can be imported on its own (no import cycles that only work in one order)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = ("scoring", "pledges")


def is_forbidden(module: str) -> bool:
    top = module.split(".")[0]
    return top in {"flask", "sqlalchemy", "portal"} or top.startswith("flask_")


def _package_of(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        return parts[:-1]
    return parts[:-1]


def import_violations(path: Path, root: Path) -> list[str]:
    """Forbidden imports in one file: absolute, relative (escaping its top package) and
    dynamic (``importlib.import_module("...")`` / ``__import__("...")`` with a literal)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _package_of(path, root)
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names = [node.module or ""]
            else:
                if node.level > len(package):
                    found.append(f"{path}:{node.lineno}: relative import escapes {package[0]}")
                    continue
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                names = [module]
        elif isinstance(node, ast.Call):
            func = node.func
            called = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if (
                called in ("import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = [node.args[0].value]
        for name in names:
            if is_forbidden(name):
                found.append(f"{path}:{node.lineno}: imports {name}")
    return found


def _python_files(package: str, root: Path = ROOT) -> list[Path]:
    return sorted(p for p in (root / package).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_do_not_import_the_web_stack(package):
    files = _python_files(package)
    assert files, f"{package}/ has no Python files"
    violations = [v for path in files for v in import_violations(path, ROOT)]
    assert violations == []


def test_the_checker_finds_each_kind_of_forbidden_import(tmp_path):
    pkg = tmp_path / "scoring"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from . import rules\nfrom .rules import x\n")
    (pkg / "rules.py").write_text("import pandas\nimport tomllib\nfrom dataclasses import field\n")
    (pkg / "sub" / "__init__.py").write_text("from .. import rules\nfrom ..rules import x\n")
    bad = {
        "a.py": "import flask\n",
        "b.py": "from flask_login import current_user\n",
        "c.py": "import sqlalchemy.orm as orm\n",
        "d.py": "from sqlalchemy import select\n",
        "e.py": "from portal.models import Facility\n",
        "f.py": "import portal\n",
        "g.py": "def f():\n    import flask_babel\n",
        "h.py": "import os, flask\n",
        "i.py": "import importlib\nm = importlib.import_module('portal.queries')\n",
        "j.py": "m = __import__('flask')\n",
    }
    for name, source in bad.items():
        (pkg / name).write_text(source)
    (pkg / "sub" / "escape.py").write_text("from ... import portal\n")
    (pkg / "sub" / "escape2.py").write_text("from ...portal import models\n")

    flagged = {
        path.name
        for path in _python_files("scoring", tmp_path)
        if import_violations(path, tmp_path)
    }
    assert flagged == set(bad) | {"escape.py", "escape2.py"}


def test_is_forbidden():
    assert is_forbidden("flask")
    assert is_forbidden("flask_wtf.csrf")
    assert is_forbidden("sqlalchemy.orm")
    assert is_forbidden("portal.models.enums")
    assert not is_forbidden("flasky")  # not a Flask package, only a similar name
    assert not is_forbidden("pandas")
    assert not is_forbidden("portalocker")
    assert not is_forbidden("scoring.rules")


_IMPORT_EACH = """
import importlib, json, sys, traceback
failures = {}
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in ("portal", "scoring", "pledges")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failures[name] = traceback.format_exc(limit=3)
print(json.dumps(failures))
"""


def _modules(package: str) -> list[str]:
    names = []
    for path in _python_files(package):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def test_every_module_imports_on_its_own():
    """Import each module first, in a clean set of project modules: an import cycle that
    works only when something else was imported before fails here."""
    modules = _modules("portal") + _modules("scoring") + _modules("pledges")
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert failures == {}, "\n".join(f"{k}:\n{v}" for k, v in failures.items())


def test_every_form_derives_from_the_portal_form():
    """Forms read files only into file fields and never a JSON body (portal.form_fields.Form);
    one derived from Flask-WTF's FlaskForm directly would again read a file sent under a
    text field's name into that field."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "portal").rglob("*.py"))
        if path.name != "form_fields.py" and "FlaskForm" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
