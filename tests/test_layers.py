"""The import contracts of `[tool.importlinter]` in pyproject.toml hold, and they can fail.

`pipelines` assembles and runs, `checks` checks the assets, `assets` imports neither; the stages'
domain modules import no Dagster. `lint-imports` reads the imports without running the code, so
both tests take a second or two.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ["pipelines", "checks", "assets"]


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """`lint-imports` on `project` (its pyproject.toml and packages), without a cache folder."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_hold():
    done = lint_imports(REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "wrong_import", "reported"),
    [
        ("assets/metadata.py", "import pipelines.jobs", "assets.metadata -> pipelines.jobs"),
        ("checks/wrong.py", "import pipelines.run", "checks.wrong -> pipelines.run"),
        ("assets/indicators/wrong.py", "import dagster", "assets.indicators.wrong -> dagster"),
        (
            "assets/supply/wrong.py",
            "from assets.supply import assets",
            "assets.supply.wrong -> assets.supply.assets",
        ),
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path, module, wrong_import, reported):
    """A copy of the three packages with one import that looks up, or a domain module that
    imports Dagster or its stage's adapter: `lint-imports` fails and names the import."""
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / module
    code = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(f"{code}\n{wrong_import}\n", encoding="utf-8")

    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 broken" in done.stdout
    assert reported in done.stdout
