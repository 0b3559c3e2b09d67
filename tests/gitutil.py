"""Run real git in tests with a scrubbed environment (pre-commit's `no_git_env`).

Inherited `GIT_*` variables (a hook's GIT_INDEX_FILE, a CI's GIT_DIR) would point git at the wrong
repository; the user's global and system config would change behaviour. Both are cut off here.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_KEEP = {"GIT_EXEC_PATH", "GIT_SSL_CAINFO", "GIT_SSL_NO_VERIFY"}


def git_env(**extra: str) -> dict[str, str]:
    """os.environ without GIT_* (except a few harmless ones), with global/system config off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k in _KEEP}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        LC_ALL="C.UTF-8",
    )
    env.update(extra)
    return env


def scrub_environ(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Apply git_env() to this process (for in-process CLI calls that run git)."""
    for key in [k for k in os.environ if k.startswith("GIT_") and k not in _KEEP]:
        monkeypatch.delenv(key)
    for key, value in git_env().items():
        if key.startswith("GIT_") or key == "LC_ALL":
            monkeypatch.setenv(key, value)


def git(
    repo: Path, *args: str, check: bool = True, input: bytes | None = None, **env: str
) -> subprocess.CompletedProcess[bytes]:
    """Run git in `repo`; raise AssertionError with git's stderr when it fails and `check`."""
    result = subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, env=git_env(**env), check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"git {' '.join(args)} failed ({result.returncode}):\n{result.stderr.decode('utf-8', 'replace')}"
        )
    return result


def git_out(repo: Path, *args: str) -> str:
    """git's stdout as text, stripped."""
    return git(repo, *args).stdout.decode("utf-8", "surrogateescape").strip()


def init_repo(path: Path, *, branch: str = "main") -> Path:
    """A fresh repository with a user set (commits need one)."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    set_user(path)
    return path


def set_user(path: Path) -> None:
    git(path, "config", "user.name", "Test Clinician")
    git(path, "config", "user.email", "clinician@example.org")


def commit_all(path: Path, message: str = "test", *, verify: bool = True) -> str:
    """Stage everything and commit (without hooks when not `verify`); the new commit id."""
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", message, *([] if verify else ["--no-verify"]))
    return git_out(path, "rev-parse", "HEAD")


def chartkeep(
    cwd: Path, *args: str, check: bool = True, input: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run the `chartkeep` CLI (this interpreter's) in `cwd` with a scrubbed environment."""
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "chartkeep", *args],
        cwd=cwd,
        input=input,
        capture_output=True,
        text=True,
        env=git_env(**env),
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"chartkeep {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def write_files(root: Path, files: dict[str, bytes]) -> None:
    """Write each file (practice-relative name: bytes), making its folders."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
