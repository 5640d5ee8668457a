"""The data layer (and the scanner) never import textual: checked in a fresh interpreter.

import-linter checks the import statements (``lint-imports``); this checks what really ends
up in ``sys.modules``, dynamic imports included.
"""

from __future__ import annotations

import importlib.util
import pkgutil
import subprocess
import sys

import pytest

#: Packages that must work without the UI (a worker, the command line, a script).
HEADLESS_PACKAGES = ["tui_orders.data", "tui_orders.scanner"]

CHECK = """
import importlib, sys

def ui_modules():
    return sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))

for name in sys.argv[1:]:
    importlib.import_module(name)
    if ui_modules():
        print(f"importing {name} brought in textual: {', '.join(ui_modules()[:5])}")
        sys.exit(1)
print(f"ok: {len(sys.argv) - 1} modules")
"""


def modules_of(package: str) -> list[str]:
    """``package`` and every module below it, found without importing them here."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations is not None
    found = [package]
    for info in pkgutil.walk_packages(list(spec.submodule_search_locations), package + "."):
        found.append(info.name)
    return sorted(found)


@pytest.mark.parametrize("package", HEADLESS_PACKAGES)
def test_package_never_imports_textual(package: str) -> None:
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} does not exist yet")
    modules = modules_of(package)
    done = subprocess.run(
        [sys.executable, "-c", CHECK, *modules],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"ok: {len(modules)} modules" in done.stdout


def test_the_data_layer_has_modules_to_check() -> None:
    modules = modules_of("tui_orders.data")
    for name in ("db", "models", "orders", "schema"):
        assert f"tui_orders.data.{name}" in modules
