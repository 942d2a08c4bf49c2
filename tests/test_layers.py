"""The layering of the code holds: .importlinter's contracts, checked by import-linter as CI runs them."""

import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
LINT_IMPORTS = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"]


def _lint():
    return subprocess.run([*LINT_IMPORTS, "--no-cache"], cwd=BASE_DIR, capture_output=True, text=True, timeout=300)


def test_every_contract_is_kept():
    result = _lint()

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize("where, imports, contract", [
    ("villages", "from specialists.access import scope", "The apps: api and frontend above specialists above villages"),
    ("api", "import frontend.views", "The API and the pages never import each other"),
    ("specialists/people", "from specialists.coverage import queries", "Inside specialists: concepts above import concepts below, never back"),
])
def test_an_import_against_the_layers_breaks_its_contract(where, imports, contract):
    """The contracts can fail: a module that imports upward, dropped in for the run, is caught."""
    probe = BASE_DIR / where / "_layer_probe.py"
    probe.write_text(imports + "\n")
    try:
        result = _lint()
    finally:
        probe.unlink()

    assert result.returncode != 0
    assert f"{contract} BROKEN" in result.stdout
