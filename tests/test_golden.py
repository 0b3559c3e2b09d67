"""Golden cases: tests/data/invalid/X.md placed in the fixture practice must report exactly the
problems in X.expected (each case is named after the code it exists for); tests/data/valid/X.md
must report none. `pytest --update-golden` rewrites the expected files for review."""

from __future__ import annotations

import io
import shutil
from contextlib import chdir, redirect_stdout
from pathlib import Path

import pytest
from chartkeep.cli import main

from tests.conftest import AS_OF, DATA, FIXTURE_PRACTICE

INVALID = sorted((DATA / "invalid").glob("*.md"))
VALID = sorted((DATA / "valid").glob("*.md"))


def place(case: Path, tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "practice"
    shutil.copytree(FIXTURE_PRACTICE, root)
    expected = case.with_suffix(".expected")
    first = expected.read_text().splitlines()[0]
    assert first.startswith("# at: "), f"{expected}: first line must be '# at: PATH'"
    where = first.removeprefix("# at: ").strip()
    target = root / where
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(case.read_bytes())
    return root, where


def check(root: Path, where: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    with redirect_stdout(out), chdir(root):
        status = main(["check", "--practice", str(root), "--as-of", AS_OF])
    lines = [line for line in out.getvalue().splitlines() if line.startswith(f"{where}:")]
    return status, [line.removeprefix(f"{where}:") for line in lines]


@pytest.mark.parametrize("case", INVALID, ids=[c.stem for c in INVALID])
def test_invalid_case(case: Path, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    root, where = place(case, tmp_path)
    status, got = check(root, where)
    expected_file = case.with_suffix(".expected")
    if request.config.getoption("--update-golden"):
        expected_file.write_text("\n".join([f"# at: {where}", *got]) + "\n")
        pytest.skip("expected problems rewritten: review the diff of tests/data")
    expected = expected_file.read_text().splitlines()[1:]
    assert got == expected
    code = case.stem.split("-")[0]
    assert any(f" {code}: " in line for line in got), f"{case.name} must report {code}"
    if any(" error " in line for line in got):
        assert status == 1


@pytest.mark.parametrize("case", VALID, ids=[c.stem for c in VALID])
def test_valid_case(case: Path, tmp_path: Path) -> None:
    root, where = place(case, tmp_path)
    status, got = check(root, where)
    assert got == []
    assert status == 0


def test_enough_golden_cases() -> None:
    assert len(INVALID) >= 60
    codes = {case.stem.split("-")[0] for case in INVALID}
    from chartkeep.problems import CATALOGUE

    # tested inline (test_check_cli.py) or with real git history (test_signing.py)
    inline_only = {"CK012", "CK090", "CK410", "CK413", "CK505", "CK504", "CK509", "CK702"}
    missing = set(CATALOGUE) - codes - inline_only
    assert not missing, f"codes without a golden case: {sorted(missing)}"
