"""Shared fixtures: the fixture practice, a scrubbed environment, the golden update flag."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
FIXTURE_PRACTICE = DATA / "practice"
AS_OF = "2026-03-10T12:00"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/data/*/*.expected")


@pytest.fixture(autouse=True)
def _scrubbed_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No GIT_* variables from the developer's shell (pre-commit's no_git_env); a private HOME."""
    for key in list(os.environ):
        if key.startswith("GIT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.invalid")


@pytest.fixture
def practice(tmp_path: Path) -> Path:
    """A fresh copy of the fixture practice (fictional clients C0001, C0002, C0004)."""
    target = tmp_path / "practice"
    shutil.copytree(FIXTURE_PRACTICE, target)
    return target
