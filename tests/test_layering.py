"""Layering: the core knows nothing of Qt, reports know nothing of storage or Qt, the UI goes through services.

Checked statically with ``ast`` so that a forbidden import hidden in a function body or behind
``if TYPE_CHECKING:`` is caught too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: package folder -> modules it must never import (a name also forbids its submodules).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "okmot": ("PySide6", "ui"),
    "reports": ("sqlalchemy", "PySide6", "ui", "okmot.db", "okmot.models"),
    "ui": ("sqlalchemy", "okmot.db", "okmot.models"),
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module
            # `from okmot import db` imports okmot.db just as `import okmot.db` does.
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{module}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            yield node.lineno, node.args[0].value


def is_within(module: str, forbidden: str) -> bool:
    return module == forbidden or module.startswith(forbidden + ".")


def python_files(package: str) -> list[Path]:
    return sorted(
        p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts
    )


@pytest.mark.parametrize("package", sorted(p for p in FORBIDDEN if (ROOT / p).is_dir()))
def test_layer_imports(package: str) -> None:
    files = python_files(package)
    if package == "okmot":
        assert files, "no Python files found under okmot/; is ROOT right?"
    offences = []
    for path in files:
        for line, module in imported_modules(path):
            for forbidden in FORBIDDEN[package]:
                if is_within(module, forbidden):
                    offences.append(
                        f"{path.relative_to(ROOT)}:{line}: imports {module} ({package}/ must not use {forbidden})"
                    )
    assert not offences, "layering violations:\n" + "\n".join(sorted(set(offences)))


def test_checker_catches_forbidden_imports(tmp_path: Path) -> None:
    """The checker itself: absolute, from-, relative and dynamic imports are all seen."""
    pkg = tmp_path / "reports" / "sub"
    pkg.mkdir(parents=True)
    (pkg / "mod.py").write_text(
        "import os\n"
        "from okmot import db\n"
        "from ..models import Person\n"
        "def f():\n"
        "    import PySide6.QtCore\n"
        "    importlib.import_module('sqlalchemy.orm')\n",
        encoding="utf-8",
    )
    imports = list(imported_modules(pkg / "mod.py", root=tmp_path))
    assert {"os", "okmot.db", "reports.models", "PySide6.QtCore", "sqlalchemy.orm"} <= {m for _, m in imports}
    bad_lines = {line for line, m in imports if any(is_within(m, f) for f in FORBIDDEN["reports"])}
    assert bad_lines == {2, 5, 6}
