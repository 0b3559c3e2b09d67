"""Where things live in a practice, and the few file operations every command shares.

A practice is a directory with `chartkeep.toml`, `notes/<CODE>/…`, `private/<CODE>/…`,
`notes/groups/<GROUP>/…` and `templates/`. Writes are atomic (temp file + rename in the same
directory) so an interrupted command never leaves half a note.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from chartkeep.errors import SetupError, UsageError

SETTINGS_FILE = "chartkeep.toml"
NOTES_DIR = "notes"
PRIVATE_DIR = "private"
GROUPS_DIR = "groups"
TEMPLATES_DIR = "templates"
PROTECTED_DIRS = (NOTES_DIR, PRIVATE_DIR)
FACE_SHEET = "client.md"
PLAN_PREFIX = "plan-"


def is_context_file(path: str) -> bool:
    """Face sheets and treatment plans: checking any note needs them (its client's plan in
    force, every client's names for the privacy check)."""
    name = path.rsplit("/", 1)[-1]
    return name == FACE_SHEET or name.startswith(PLAN_PREFIX)


def find_practice(start: str | os.PathLike[str] | None = None) -> Path:
    """The practice directory: `start` itself when given, else the nearest parent with settings."""
    if start is not None:
        root = Path(start).resolve()
        if not root.is_dir():
            raise SetupError(f"{start}: no such practice directory")
        if not (root / SETTINGS_FILE).is_file():
            raise SetupError(
                f"{root}: no {SETTINGS_FILE} here. Run `chartkeep init {start}` to make it a practice."
            )
        return root
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / SETTINGS_FILE).is_file():
            return candidate
    raise SetupError(
        f"no {SETTINGS_FILE} in {here} or any parent. Run inside a practice, pass --practice DIR, "
        "or run `chartkeep init DIR`."
    )


def safe_relative(root: Path, name: str | os.PathLike[str]) -> PurePosixPath:
    """`name` as a path inside `root`, refusing `..`, absolute paths outside it and symlink escapes."""
    raw = Path(name)
    candidate = raw if raw.is_absolute() else (Path.cwd() / raw)
    try:
        resolved = candidate.resolve()
        relative = resolved.relative_to(root.resolve())
    except RuntimeError:  # Python 3.11 raises it for a symbolic link loop
        raise UsageError(f"{name}: a symbolic link that points to itself; remove it") from None
    except (OSError, ValueError):
        raise UsageError(f"{name}: not inside the practice {root}") from None
    if any(part == ".." for part in PurePosixPath(str(name).replace(os.sep, "/")).parts):
        raise UsageError(f"{name}: paths with '..' are refused; name the file inside the practice")
    return PurePosixPath(relative.as_posix())


def atomic_write(
    path: Path, data: bytes | str, *, exclusive: bool = False, mode: int = 0o600, durable: bool = True
) -> None:
    """Write `data` to `path` via a temp file and rename; with `exclusive`, never replace a file.
    Without `durable`, the data is not flushed to the disk first (a cache, which a crash may
    leave damaged but never half-written)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".ck-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if mode != 0o600:  # mkstemp made it 0600; FAT and exFAT refuse chmod
            os.chmod(tmp_name, mode)
        if not exclusive:
            os.replace(tmp_name, path)
        elif not _link(tmp_name, path):
            # No hard links here (FAT or exFAT, as on most USB sticks): claim the name with an
            # empty file, failing if it exists, then move the whole file over the claim.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            try:
                os.replace(tmp_name, path)
            except BaseException:
                os.unlink(path)
                raise
        else:
            os.unlink(tmp_name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def read_regular(path: str | os.PathLike[str]) -> tuple[os.stat_result, bytes]:
    """A regular file's stat data and bytes. Anything else raises OSError without waiting: a
    named pipe would block the reader forever, a device might never end."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory", os.fspath(path))
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file (a pipe or a device): move it out of the practice", os.fspath(path))
        return info, handle.read()


def _link(source: str, target: Path) -> bool:
    """Hard-link `source` as `target`, which fails if the target exists, so no race can overwrite
    a therapist's file; False on a file system without hard links."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError as error:
        if error.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            return False
        raise
    return True


@contextlib.contextmanager
def private_tempdir(prefix: str = "chartkeep-") -> Iterator[Path]:
    """A mode-0700 temp directory for plaintext, removed on exit whatever happens."""
    old = os.umask(0o077)
    try:
        path = Path(tempfile.mkdtemp(prefix=prefix))
    finally:
        os.umask(old)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def cache_dir(root: Path) -> Path:
    """Where chartkeep keeps derived data for a practice: inside `.git` when there is one
    (never committed, never synced as a work-tree file), else a private user cache directory."""
    git_dir = root / ".git"
    if git_dir.is_dir():
        base = git_dir / "chartkeep"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        import hashlib

        digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
        base = Path(xdg) / "chartkeep" / digest
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return base
