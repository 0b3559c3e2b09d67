"""Git at the edge: where keys live, how git is configured, and which files are encrypted.

Every git call goes through `git()`, which raises SetupError with git's own message and what to
do next. Keys are stored as git-crypt stores them: `.git/git-crypt/keys/<default|NAME>`, 0600.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from chartkeep.errors import SetupError
from chartkeep.gitcrypt import (
    DEFAULT_KEY,
    KEYS_SUBDIR,
    PRIVATE_KEY,
    attribute_name,
    key_file_name,
    looks_encrypted,
)
from chartkeep.gitcrypt.keyfile import KeyFile, KeyFileError, dump, parse
from chartkeep.layout import atomic_write

# One line per key, as git-crypt documents them, plus the merge driver chartkeep adds.
ATTRIBUTE_LINES = (
    "notes/** filter=git-crypt diff=git-crypt merge=git-crypt -text",
    (
        f"private/** filter=git-crypt-{PRIVATE_KEY} diff=git-crypt-{PRIVATE_KEY} "
        f"merge=git-crypt-{PRIVATE_KEY} -text"
    ),
)
KEY_NAMES: tuple[str | None, ...] = (None, PRIVATE_KEY)
WRAPPER_NAME = "gitcrypt-filter"
VENV_GONE = (
    "chartkeep's .venv is gone: run `make setup` where chartkeep is installed "
    "(or, to use git-crypt instead, see 'Without chartkeep' in chartkeep's doc/encryption.md)"
)


def git(
    cwd: Path,
    *args: str,
    stdin: bytes | None = None,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run git in `cwd`; on failure raise SetupError quoting git's message."""
    result = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True, env=env, check=False)
    if check and result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit {result.returncode}"
        raise SetupError(f"`git {' '.join(args[:3])}` failed in {cwd}: {message}")
    return result


@dataclass(frozen=True)
class Repo:
    """A work tree and its (common) git directory."""

    root: Path
    git_dir: Path

    @classmethod
    def open(cls, path: Path) -> Repo:
        result = git(path, "rev-parse", "--show-toplevel", "--git-common-dir", check=False)
        if result.returncode != 0:
            raise SetupError(f"{path}: not a git repository. Run `chartkeep init {path}` first.")
        top, common = result.stdout.decode().splitlines()[:2]
        root = Path(top)
        git_dir = Path(common) if Path(common).is_absolute() else (path / common)
        return cls(root.resolve(), git_dir.resolve())

    @property
    def keys_dir(self) -> Path:
        return self.git_dir.joinpath(*KEYS_SUBDIR)

    def key_path(self, name: str | None) -> Path:
        return self.keys_dir / key_file_name(name)

    def installed_key(self, name: str | None) -> KeyFile | None:
        """The key stored for `name`, or None; SetupError when the stored file is damaged."""
        path = self.key_path(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return parse(data)
        except KeyFileError as error:
            raise SetupError(f"{path}: {error}. Restore it with `chartkeep unlock BACKUP`.") from None

    def installed_names(self) -> list[str | None]:
        """Names of the keys stored in this repository (None for the default key)."""
        if not self.keys_dir.is_dir():
            return []
        names = sorted(p.name for p in self.keys_dir.iterdir() if p.is_file())
        return [None if n == DEFAULT_KEY else n for n in names]

    def store_key(self, key: KeyFile, *, exclusive: bool = False) -> Path:
        """Write `key` where git-crypt keeps it (mode 0600); with `exclusive`, never replace one."""
        path = self.key_path(key.name)
        self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(path, dump(key), exclusive=exclusive, mode=0o600)
        return path

    @property
    def wrapper(self) -> Path:
        return self.git_dir / "chartkeep" / WRAPPER_NAME


def write_wrapper(repo: Repo, python: str | None = None) -> Path:
    """The shell script git runs for the filter, textconv and merge driver: it finds chartkeep's
    interpreter, or says clearly what to do when the .venv is gone."""
    interpreter = python or sys.executable
    script = (
        "#!/bin/sh\n"
        "# Written by chartkeep: runs chartkeep's git-crypt compatible filter.\n"
        f"py={shlex.quote(interpreter)}\n"
        'if [ ! -x "$py" ]; then\n'
        f"  echo {shlex.quote(VENV_GONE)} >&2\n"
        "  exit 127\n"
        "fi\n"
        'exec "$py" -m chartkeep.gitcrypt "$@"\n'
    )
    atomic_write(repo.wrapper, script, mode=0o755)
    return repo.wrapper


def _git_crypt_command() -> str:
    """git-crypt's own command, quoted the way git-crypt writes it into the config."""
    found = shutil.which("git-crypt") or "git-crypt"
    escaped = "".join("\\" + c if c in '"\\$`' else c for c in found)
    return f'"{escaped}"'


def filter_config(repo: Repo, name: str | None) -> list[tuple[str, str]]:
    """The git config entries for one key: git-crypt's own, plus chartkeep's process and merge."""
    attr = attribute_name(name)
    option = f" --key-name={name}" if name else ""
    ours = shlex.quote(str(repo.wrapper))
    theirs = _git_crypt_command()
    return [
        (f"filter.{attr}.smudge", f"{theirs} smudge{option}"),
        (f"filter.{attr}.clean", f"{theirs} clean{option}"),
        (f"filter.{attr}.required", "true"),
        (f"filter.{attr}.process", f"{ours} process{option}"),
        (f"diff.{attr}.textconv", f"{ours} diff{option}"),
        (f"merge.{attr}.name", "chartkeep: merge encrypted notes as plaintext"),
        (f"merge.{attr}.driver", f"{ours} merge{option} %O %A %B %L %P"),
    ]


# Ciphertext does not compress, yet git deflates every new loose object (level 1 by default):
# for a 3 KB note that costs about as much as encrypting it. Storing loose objects as they are
# leaves packs (gc, push, clone) compressed as before, at `core.compression`. `make bench` times
# `git add` with and without it.
LOOSE_COMPRESSION = ("core.looseCompression", "0")


def configure(repo: Repo, name: str | None) -> None:
    """Write the filter, diff and merge configuration for one key, and `core.looseCompression=0`
    unless the repository or the user has chosen a level (that, or `core.compression`)."""
    for key, value in filter_config(repo, name):
        git(repo.root, "config", "--local", key, value)
    setting, level = LOOSE_COMPRESSION
    chosen = (git(repo.root, "config", "--get", s, check=False).returncode != 1 for s in (setting, "core.compression"))
    if not any(chosen):
        git(repo.root, "config", "--local", setting, level)


def deconfigure(repo: Repo, name: str | None) -> None:
    """Remove every filter/diff/merge section of one key (what `git-crypt lock` removes, and more)."""
    attr = attribute_name(name)
    for section in ("filter", "diff", "merge"):
        git(repo.root, "config", "--local", "--remove-section", f"{section}.{attr}", check=False)


def ensure_attributes(root: Path) -> bool:
    """Add the encryption lines to `.gitattributes` if missing; True when the file changed."""
    path = root / ".gitattributes"
    # git reads the file as bytes; any line that is not UTF-8 is kept exactly as it was
    text = path.read_bytes().decode("utf-8", "surrogateescape") if path.exists() else ""
    present = {" ".join(line.split()) for line in text.splitlines()}
    missing = [line for line in ATTRIBUTE_LINES if line not in present]
    if not missing:
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    text += "".join(line + "\n" for line in missing)
    atomic_write(path, text.encode("utf-8", "surrogateescape"), mode=0o644)
    return True


@dataclass(frozen=True)
class IndexEntry:
    """A file in the index: its path, blob id and filter attribute value."""

    path: str
    blob: str
    filter: str


def index_entries(
    repo: Repo, only: Iterable[str] | None = None, *, env: dict[str, str] | None = None
) -> list[IndexEntry]:
    """Regular files in the index (stage 0) with their filter attribute; restricted to the
    paths in `only` when given. With `env` naming another GIT_INDEX_FILE, attributes come from
    that index (`check-attr --cached`), for a clone that has no work tree yet."""
    out = git(repo.root, "ls-files", "-s", "-z", env=env).stdout
    wanted = None if only is None else set(only)
    staged: list[tuple[str, str]] = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, blob, stage = meta.decode().split()
        path = raw_path.decode("utf-8", "surrogateescape")
        if stage != "0" or not mode.startswith("100") or (wanted is not None and path not in wanted):
            continue
        staged.append((path, blob))
    attrs = filter_attributes(repo, [p for p, _ in staged], env=env)
    return [IndexEntry(p, b, attrs.get(p, "unspecified")) for p, b in staged]


def filter_attributes(repo: Repo, paths: Iterable[str], env: dict[str, str] | None = None) -> dict[str, str]:
    """The `filter` attribute of each path, from one `git check-attr --stdin` process."""
    listed = list(paths)
    if not listed:
        return {}
    payload = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in listed)
    args = ["check-attr", "-z", "--stdin", *(["--cached"] if env else []), "filter"]
    out = git(repo.root, *args, stdin=payload, env=env).stdout
    fields = out.split(b"\0")
    result: dict[str, str] = {}
    for i in range(0, len(fields) - 2, 3):
        result[fields[i].decode("utf-8", "surrogateescape")] = fields[i + 2].decode()
    return result


def read_blobs(repo: Repo, blobs: Iterable[str]) -> dict[str, bytes]:
    """The contents of blobs (missing ones left out), from one `git cat-file --batch` process."""
    unique = dict.fromkeys(blobs)
    return {blob: data for blob, data in stream_blobs(repo, unique) if data is not None}


def stream_blobs(repo: Repo, blobs: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
    """Each blob id with its contents (None when missing), in order, as `git cat-file --batch`
    produces them: git inflates the next objects while the caller works on this one."""
    wanted = list(blobs)
    if not wanted:
        return
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=repo.root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None

    def feed() -> None:
        try:
            for start in range(0, len(wanted), 512):
                process.stdin.write("".join(b + "\n" for b in wanted[start : start + 512]).encode())  # type: ignore[union-attr]
            process.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:  # git stopped early; its exit status says why
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    finished = False
    try:
        for blob in wanted:
            header = process.stdout.readline().split()
            if not header:  # git stopped: its exit status and message are raised below
                finished = True
                break
            if len(header) < 3 or header[1] == b"missing":
                yield blob, None
                continue
            size = int(header[2])
            data = process.stdout.read(size)
            process.stdout.read(1)  # the newline after the contents
            yield blob, data
        finished = True
    finally:
        process.stdout.close()
        writer.join()
        stderr = process.stderr.read() if process.stderr else b""
        if process.wait() != 0 and finished:
            message = stderr.decode("utf-8", "replace").strip() or f"exit {process.returncode}"
            raise SetupError(f"`git cat-file --batch` failed in {repo.root}: {message}")


def encrypted_entries(repo: Repo, name: str | None, *, env: dict[str, str] | None = None) -> list[IndexEntry]:
    """Index entries that the filter of key `name` applies to."""
    attr = attribute_name(name)
    return [e for e in index_entries(repo, env=env) if e.filter == attr]


def sample_encrypted_blobs(
    repo: Repo, entries: Sequence[IndexEntry], limit: int = 5
) -> list[tuple[str, bytes]]:
    """Up to `limit` (path, blob bytes) among `entries` that are ciphertext, to test a key on."""
    found: list[tuple[str, bytes]] = []
    for start in range(0, len(entries), 64):
        batch = entries[start : start + 64]
        contents = read_blobs(repo, [e.blob for e in batch])
        for entry in batch:
            data = contents.get(entry.blob, b"")
            if looks_encrypted(data):
                found.append((entry.path, data))
                if len(found) >= limit:
                    return found
    return found


def changes(repo: Repo) -> list[tuple[str, str]]:
    """(XY status, path) of tracked paths with changes, staged or not (`git status -uno`): X is
    the index against HEAD, Y the work tree against the index (` A`: added with `git add -N`)."""
    out = git(repo.root, "status", "--porcelain", "-z", "-uno", "--no-renames").stdout
    return [(r[:2].decode(), r[3:].decode("utf-8", "surrogateescape")) for r in out.split(b"\0") if len(r) > 3]


def changed_paths(repo: Repo) -> list[str]:
    """Tracked paths with changes, staged or not (`git status -uno`)."""
    return [path for _, path in changes(repo)]


def untracked_paths(repo: Repo, under: Sequence[str]) -> list[str]:
    """Untracked, not ignored files under the given directories."""
    args = ["ls-files", "-z", "--others", "--exclude-standard", "--", *under]
    out = git(repo.root, *args).stdout
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def rewrite_work_tree(
    repo: Repo, paths: Sequence[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Check `paths` out from the index again, through whatever filter is configured now.

    Git skips a file whose stat data matches the index, and any `git status` may refresh that
    data, so the files are removed first: git then always writes them (it would unlink each one
    before writing anyway). The caller has checked that they match the index; a file git cannot
    write stays missing and shows as deleted until the command is run again.
    `checkout-index --stdin` looks each path up directly; `git checkout -- PATHS` would match
    every pathspec against every index entry, which is quadratic in the number of notes.
    """
    for path in paths:
        (repo.root / path).unlink(missing_ok=True)
    payload = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)
    return git(
        repo.root,
        "checkout-index",
        "--force",
        "--index",
        "-z",
        "--stdin",
        stdin=payload,
        check=False,
        env=env,
    )


def index_path(repo: Repo) -> Path:
    """Where git keeps the index of this work tree (`.git/index`, a linked worktree's own, or
    $GIT_INDEX_FILE)."""
    out = git(repo.root, "rev-parse", "--git-path", "index").stdout.rstrip(b"\n")
    path = Path(os.fsdecode(out))
    return path if path.is_absolute() else repo.root / path


def has_no_index(repo: Repo, index: Path | None = None) -> bool:
    """True for a `git clone --no-checkout` (or an interrupted first checkout): a commit, but
    no index file yet (at `index`, by default where git keeps it)."""
    if (index or index_path(repo)).exists():
        return False
    return git(repo.root, "rev-parse", "--verify", "-q", "HEAD", check=False).returncode == 0


def work_tree_is_empty(repo: Repo) -> bool:
    return not any(entry.name != ".git" for entry in os.scandir(repo.root))


def check_out_head(repo: Repo, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """The first checkout of a `--no-checkout` clone, through the configured filters."""
    return git(repo.root, "reset", "-q", "--hard", "HEAD", check=False, env=env)
