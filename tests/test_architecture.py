"""The shape of the code: layers, private names, module sizes, public surface.

The pipeline's packages (``adcompile._src.*``) import only the packages below
them (pyproject.toml's import-linter contracts); what two modules share is
public in one of them; no module grows past 500 lines; ``adcompile`` shows
its public API and nothing else, and that API is typed (mypy, as configured
in pyproject.toml).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import adcompile

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "adcompile"
MAX_LINES = 500


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_import_layers_hold():
    """import-linter's contracts (layers, no cycles, a numpy-only runtime)."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def _private_names_imported(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    aliases = set()  # names bound to adcompile's modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "adcompile"
        ):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"from {node.module} import {alias.name}")
                aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            aliases.update(
                a.asname or a.name for a in node.names if a.name.startswith("adcompile")
            )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    used = {
        str(path.relative_to(PACKAGE)): names
        for path in modules()
        if (names := _private_names_imported(path))
    }
    # ``_version`` and ``_src`` are private packages, not private names in one
    used = {
        module: [n for n in names if not n.endswith(("import _version", "import _src"))]
        for module, names in used.items()
    }
    assert not {m: n for m, n in used.items() if n}


def test_the_private_name_check_finds_what_it_looks_for(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "from adcompile._src.normal.lower import _hidden\n"
        "from adcompile._src.read import calls\n"
        "calls._compiled\n"
    )
    assert _private_names_imported(module) == [
        "from adcompile._src.normal.lower import _hidden",
        "calls._compiled",
    ]


def test_no_module_is_over_500_lines():
    long = {
        str(path.relative_to(PACKAGE)): n
        for path in modules()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long


def test_every_package_states_its_stage():
    for init in (PACKAGE / "_src").glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and len(doc.splitlines()) >= 3, f"{init}: no docstring to speak of"


def test_dir_shows_the_public_api_only():
    assert dir(adcompile) == sorted(adcompile.__all__)
    for name in adcompile.__all__:
        assert hasattr(adcompile, name), name
    assert not any(
        name.startswith("_") and name != "__version__" for name in dir(adcompile)
    )
    assert sorted(adcompile.custom.__all__) == [
        "custom_vjp",
        "defjvp",
        "defvjp",
        "nondiff",
    ]


def test_the_package_is_typed():
    assert (PACKAGE / "py.typed").exists()


def test_the_public_api_type_checks(tmp_path):
    """mypy, configured in pyproject.toml: the public modules and the API."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
