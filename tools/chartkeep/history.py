"""Git as the record's history: every committed version of every note, read in one pass.

A signed note is locked by comparing what is on disk with the version that was committed when it
was signed (checks/locking.py). Git is at the edge here: one `git log --raw` for the whole
practice, one persistent `git cat-file --batch` (GitPython's object database) for the contents,
and git-crypt blobs decrypted in-process with the clone's key, so an encrypted practice of
thousands of notes costs no process per file.

The limit, said plainly: anyone with write access to the repository can rewrite its history.
SSH-signed commits (`signing_key` in chartkeep.toml) and a pushed remote that refuses force-pushes
make a rewrite detectable; nothing in a local repository alone can prevent it.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from chartkeep.layout import PROTECTED_DIRS

ALLOWED_SIGNERS = ".chartkeep/allowed_signers"
_NO_PROMPT = {"GIT_TERMINAL_PROMPT": "0"}


@dataclass(frozen=True)
class Commit:
    """Who committed what, when (author date, in the author's time zone)."""

    id: str
    author: str
    email: str
    at: dt.datetime
    subject: str

    @property
    def short(self) -> str:
        return self.id[:10]


@dataclass(frozen=True)
class Version:
    """A note as one commit left it: its blob, or None when the commit deleted it."""

    path: str  # practice-relative, with `/`
    blob: str | None
    commit: Commit


@dataclass
class History:
    """The git repository holding a practice, and where the practice sits inside it."""

    root: Path  # the practice
    top: Path  # the repository's work tree
    prefix: str  # the practice's path inside the repository ("" or "sub/dir/")
    _repo: Any = field(default=None, repr=False)
    _keys: dict[str, Any] = field(default_factory=dict, repr=False)
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)

    # -- processes -------------------------------------------------------------------------

    def git(self, *args: str, stdin: bytes | None = None, check: bool = True) -> str:
        """Run git in the practice; its stdout as text."""
        result = subprocess.run(
            ["git", *args],
            cwd=self.root,
            input=stdin,
            capture_output=True,
            check=False,
            env={**os.environ, **_NO_PROMPT},
        )
        if check and result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip()
            raise HistoryError(f"git {' '.join(args[:2])}: {message}")
        return result.stdout.decode("utf-8", "surrogateescape")

    def close(self) -> None:
        if self._repo is not None:
            self._repo.close()
            self._repo = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- history ---------------------------------------------------------------------------

    @property
    def has_commits(self) -> bool:
        return self.git("rev-parse", "--verify", "-q", "HEAD", check=False).strip() != ""

    def versions(self, paths: Sequence[str] | None = None) -> dict[str, list[Version]]:
        """Every committed version of the practice's notes (or of `paths`), oldest first."""
        if not self.has_commits:
            return {}
        specs = [f":(top,literal){self.prefix}{p}" for p in (paths or PROTECTED_DIRS)]
        out = self.git(
            "log",
            "-z",
            "--raw",
            "--no-abbrev",
            "--no-renames",
            "--topo-order",
            "--reverse",
            "--format=%x01%H%x1f%an%x1f%ae%x1f%aI%x1f%s",
            "HEAD",
            "--",
            *specs,
        )
        found: dict[str, list[Version]] = {}
        for chunk in out.split("\x01")[1:]:
            header, _, raw = chunk.partition("\0")
            commit = _commit(header)
            tokens = raw.split("\0")
            index = 0
            while index + 1 < len(tokens):
                meta = tokens[index].strip("\n")
                if not meta.startswith(":"):
                    index += 1
                    continue
                fields = meta[1:].split()
                path = tokens[index + 1]
                index += 2
                if not path.startswith(self.prefix) or not fields[1].startswith(("100", "000")):
                    continue
                relative = path[len(self.prefix) :]
                blob = None if fields[4].startswith("D") else fields[3]
                found.setdefault(relative, []).append(Version(relative, blob, commit))
        return found

    def commits(self, ids: Iterable[str]) -> dict[str, Commit]:
        """Commit records for ids (e.g. to name a signing commit)."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        out = self.git("log", "--no-walk=unsorted", "-z", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s", *wanted)
        return {c.id: c for c in (_commit(h) for h in out.split("\0") if h.strip())}

    # -- contents --------------------------------------------------------------------------

    def texts(self, versions: Iterable[Version]) -> dict[str, str | None]:
        """Decrypted text of each version's blob; None where it cannot be read (no key)."""
        out: dict[str, str | None] = {}
        for version in versions:
            if version.blob is None or version.blob in out:
                continue
            out[version.blob] = self.text(version.path, version.blob)
        return out

    def preload(self, versions: Iterable[Version]) -> None:
        """Read many blobs through one `git cat-file --batch` run (the locking check's bulk read)."""
        versions = list(versions)
        wanted = [v.blob for v in versions if v.blob is not None and v.blob not in self._texts]
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            return
        paths = {v.blob: v.path for v in versions if v.blob is not None}
        result = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=self.root,
            input="".join(b + "\n" for b in wanted).encode(),
            capture_output=True,
            check=False,
            env={**os.environ, **_NO_PROMPT},
        )
        data, pos = result.stdout, 0
        for blob in wanted:
            end = data.find(b"\n", pos)
            if end < 0:
                break
            header = data[pos:end].split()
            pos = end + 1
            if len(header) < 3 or header[1] == b"missing":
                continue
            size = int(header[2])
            content = self._decrypt(paths[blob], data[pos : pos + size])
            self._texts[blob] = None if content is None else content.decode("utf-8", "replace")
            pos += size + 1

    def text(self, path: str, blob: str) -> str | None:
        if blob in self._texts:
            return self._texts[blob]
        data = self.blob(blob)
        if data is None:
            return None
        data = self._decrypt(path, data)
        if data is None:
            return None
        self._texts[blob] = data.decode("utf-8", "replace")
        return self._texts[blob]

    def blob(self, blob: str) -> bytes | None:
        from gitdb.util import hex_to_bin

        if self._repo is None:
            import git

            self._repo = git.Repo(self.top)
        try:
            return bytes(self._repo.odb.stream(hex_to_bin(blob)).read())
        except (ValueError, OSError, Exception):  # noqa: BLE001 - a missing object is "unreadable"
            return None

    def staged_text(self, path: str) -> str | None:
        """The index's version of a practice path, decrypted; None when not staged."""
        line = self.git("ls-files", "-s", "-z", "--", f":(top,literal){self.prefix}{path}").strip("\0")
        if not line:
            return None
        blob = line.split()[1]
        return self.text(path, blob)

    def tree_text(self, rev: str, path: str) -> str | None:
        """A practice path's text at a commit (`HEAD`), decrypted; None when it is not there."""
        out = self.git("ls-tree", "-z", rev, "--", f":(top,literal){self.prefix}{path}", check=False)
        line = out.strip("\0")
        if not line:
            return None
        return self.text(path, line.split()[2])

    def staged_paths(self) -> list[str]:
        """Practice paths of notes whose staged version differs from HEAD (deletions included)."""
        against = "HEAD" if self.has_commits else "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        specs = [f":(top,literal){self.prefix}{d}" for d in PROTECTED_DIRS]
        out = self.git("diff", "--cached", "--name-only", "-z", "--no-renames", against, "--", *specs)
        return [p[len(self.prefix) :] for p in out.split("\0") if p.startswith(self.prefix) and p]

    def _decrypt(self, path: str, data: bytes) -> bytes | None:
        try:
            from chartkeep.gitcrypt import looks_encrypted
        except ImportError:
            return data
        if not looks_encrypted(data):
            return data
        key_name = "private" if path.startswith("private/") else None
        try:
            from chartkeep.gitcrypt.blob import smudge
            from chartkeep.gitcrypt.repo import Repo

            label = key_name or "default"
            if label not in self._keys:
                keyfile = Repo.open(self.top).installed_key(key_name)
                self._keys[label] = keyfile.latest if keyfile is not None else None
            if self._keys[label] is None:
                return None
            return bytes(smudge(self._keys[label], data))
        except Exception:  # noqa: BLE001 - a damaged or foreign blob is "unreadable", not a crash
            return None

    # -- signatures ------------------------------------------------------------------------

    def verify(self, commits: Iterable[str]) -> dict[str, tuple[str, str]]:
        """For each commit: (git's %G? status letter, the signer principal) checked against the
        allowed-signers file kept in the practice (`.chartkeep/allowed_signers`)."""
        wanted = list(dict.fromkeys(commits))
        if not wanted:
            return {}
        signers = self.root / ALLOWED_SIGNERS
        out = self.git(
            "-c",
            "gpg.format=ssh",
            "-c",
            f"gpg.ssh.allowedSignersFile={signers}",
            "log",
            "--no-walk=unsorted",
            "-z",
            "--format=%H%x1f%G?%x1f%GS",
            *wanted,
        )
        result = {}
        for record in out.split("\0"):
            parts = record.strip("\n").split("\x1f")
            if len(parts) == 3:
                result[parts[0]] = (parts[1], parts[2])
        return result


class HistoryError(RuntimeError):
    """Git failed while reading history."""


def _commit(header: str) -> Commit:
    commit_id, author, email, when, subject = (header.strip("\n").split("\x1f") + [""] * 5)[:5]
    try:
        at = dt.datetime.fromisoformat(when)
    except ValueError:
        at = dt.datetime.min
    return Commit(commit_id, author, email, at, subject)


def open_history(root: Path) -> History | None:
    """The history of the practice at `root`, or None when it is not inside a git work tree."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "--show-prefix"],
            cwd=root,
            capture_output=True,
            check=False,
            env={**os.environ, **_NO_PROMPT},
        )
    except OSError:  # git is not installed
        return None
    if result.returncode != 0:
        return None
    lines = result.stdout.decode("utf-8", "surrogateescape").split("\n")
    top = Path(lines[0])
    prefix = lines[1] if len(lines) > 1 else ""
    return History(root=root, top=top, prefix=prefix)
