"""What `chartkeep init`, `unlock` and `lock` do, as plain functions over a repository.

The CLI adapters in `chartkeep.commands.crypt` parse arguments and print; these functions do the
work, raise `ChartkeepError`s with what to do next, and return what happened.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chartkeep.errors import RefusedError, SetupError, UsageError
from chartkeep.gitcrypt import attribute_name
from chartkeep.gitcrypt.blob import BlobError, decrypt, encrypt
from chartkeep.gitcrypt.checkout import decrypt_work_tree
from chartkeep.gitcrypt.filter_process import KEEP_UNREADABLE_ENV
from chartkeep.gitcrypt.guard import is_protected
from chartkeep.gitcrypt.history import plaintext_blobs
from chartkeep.gitcrypt.keyfile import KeyEntry, KeyFile, generate
from chartkeep.gitcrypt.repo import (
    KEY_NAMES,
    IndexEntry,
    Repo,
    changed_paths,
    changes,
    check_out_head,
    configure,
    deconfigure,
    encrypted_entries,
    ensure_attributes,
    git,
    has_no_index,
    index_entries,
    index_path,
    read_blobs,
    rewrite_work_tree,
    sample_encrypted_blobs,
    untracked_paths,
    work_tree_is_empty,
    write_wrapper,
)
from chartkeep.layout import (
    NOTES_DIR,
    PRIVATE_DIR,
    PROTECTED_DIRS,
    SETTINGS_FILE,
    TEMPLATES_DIR,
    atomic_write,
    private_tempdir,
)

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def summary(paths: Sequence[str], limit: int = 5) -> str:
    """`a, b, c and 7 more`: a list of paths short enough for one message."""
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def hooks_directory(repo: Repo) -> Path:
    """Where git looks for hooks (`core.hooksPath` or `.git/hooks`)."""
    hooks_dir = Path(git(repo.root, "rev-parse", "--git-path", "hooks").stdout.decode().strip())
    return hooks_dir if hooks_dir.is_absolute() else repo.root / hooks_dir


def install_practice_hooks(repo: Repo) -> str | None:
    """Install chartkeep's hooks; a warning instead of an error when a foreign hook is there."""
    from chartkeep.hooks import install_hooks

    try:
        install_hooks(hooks_directory(repo))
    except RefusedError as error:
        return str(error)
    return None


@dataclass(frozen=True)
class InitResult:
    """What `init` changed, and what the therapist should know."""

    root: Path
    done: tuple[str, ...]
    plaintext_versions: int
    hook_warning: str | None


def _write_settings(root: Path) -> bool:
    try:
        module = importlib.import_module("chartkeep.settings")
    except ImportError:  # the settings capability is not installed
        module = None
    write_default_settings = getattr(module, "write_default_settings", None)
    if write_default_settings is not None:
        return bool(write_default_settings(root))
    if (root / SETTINGS_FILE).exists():
        return False
    text = f'practice_name = "{root.name}"\n\n[clinicians]\n'
    atomic_write(root / SETTINGS_FILE, text, exclusive=True, mode=0o644)
    return True


def init_practice(directory: Path) -> InitResult:
    """Make `directory` an encrypted practice; safe to run again (never replaces a key)."""
    root = directory.resolve()
    if root.exists() and not root.is_dir():
        raise UsageError(f"{directory}: is a file; name a directory for the practice")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{directory}: cannot create the practice here ({error.strerror}); choose another directory") from None
    top = git(root, "rev-parse", "--show-toplevel", check=False)
    if top.returncode != 0 or Path(top.stdout.decode().strip()).resolve() != root:
        git(root, "init", "-q")
    repo = Repo.open(root)
    _refuse_a_clone_needing_its_key(repo)
    done: list[str] = []
    if _write_settings(root):
        done.append(f"wrote {SETTINGS_FILE}")
    for folder in (NOTES_DIR, PRIVATE_DIR, TEMPLATES_DIR):
        (root / folder).mkdir(exist_ok=True)
    if PACKAGE_TEMPLATES.is_dir():
        for source in sorted(PACKAGE_TEMPLATES.iterdir()):
            target = root / TEMPLATES_DIR / source.name
            if source.is_file() and not target.exists():
                shutil.copyfile(source, target)
    if ensure_attributes(root):
        done.append("wrote .gitattributes")
    write_wrapper(repo)
    for name in KEY_NAMES:
        if repo.installed_key(name) is None:
            repo.store_key(generate(name), exclusive=True)
            done.append(f"generated the {name or 'default'} key")
        configure(repo, name)
    warning = install_practice_hooks(repo)
    return InitResult(root, tuple(done), len(plaintext_blobs(repo)), warning)


def _refuse_a_clone_needing_its_key(repo: Repo) -> None:
    """A clone of an encrypted practice needs its key, not a new one. A `--no-checkout` clone has
    no index yet: its files are looked up in HEAD, through an index made aside."""
    with private_tempdir("chartkeep-init-") as tmp:
        env = None
        if has_no_index(repo):
            env = {**os.environ, "GIT_INDEX_FILE": str(tmp / "index")}
            git(repo.root, "read-tree", "HEAD", env=env)
        for name in KEY_NAMES:
            if repo.installed_key(name) is None and sample_encrypted_blobs(
                repo, encrypted_entries(repo, name, env=env), limit=1
            ):
                raise RefusedError(
                    f"{repo.root}: this repository already holds files encrypted with a "
                    f"{name or 'default'} key that is not installed here. "
                    "Run `chartkeep unlock KEYFILE` with that key."
                )


@dataclass(frozen=True)
class UnlockResult:
    """Files decrypted into the work tree, and those left as ciphertext (path, why)."""

    paths: tuple[str, ...]
    unreadable: tuple[tuple[str, str], ...]
    hook_warning: str | None


def _decrypts(key: KeyFile, data: bytes) -> bool:
    try:
        decrypt(key.latest, data)
    except BlobError:
        return False
    return True


def unlock(repo: Repo, keys: Sequence[tuple[Path, KeyFile]]) -> UnlockResult:
    """Check each key against the repository, install it, and decrypt the work tree.

    Refuses (changing nothing) a wrong key, a different key already installed, and uncommitted
    changes; resumes an interrupted unlock with the same keys.
    """
    installed = {key.name: repo.installed_key(key.name) for _, key in keys}
    resuming = all(installed[key.name] == key for _, key in keys)
    # A `git clone --no-checkout` has no index yet: its first checkout is built in an index aside
    # (`first_index`) that replaces the real one only at the end, so an interrupted unlock is
    # still a first checkout when run again. Files in its work tree can only come from such a run.
    index = index_path(repo)
    fresh = has_no_index(repo, index) and (resuming or work_tree_is_empty(repo))
    first_index = repo.git_dir / "chartkeep" / "unlock-index"
    index_env = None
    if fresh:
        first_index.parent.mkdir(parents=True, exist_ok=True)
        index_env = {**os.environ, "GIT_INDEX_FILE": str(first_index)}
        git(repo.root, "read-tree", "HEAD", env=index_env)
    in_index = index_entries(repo, env=index_env)
    entries_by_key = [[e for e in in_index if e.filter == attribute_name(k.name)] for _, k in keys]

    try:
        for (source, key), entries in zip(keys, entries_by_key, strict=True):
            _check_key(repo, source, key, entries, installed[key.name])
    except RefusedError:
        first_index.unlink(missing_ok=True)
        raise
    entries = [e for group in entries_by_key for e in group]
    paths = [e.path for e in entries]
    key_entries = {attribute_name(key.name): key.latest for _, key in keys}

    status = [] if fresh else changes(repo)
    changed = [path for _, path in status]
    if changed and resuming and all(is_protected(p, "") for p in changed):
        # What an interrupted unlock leaves looks changed to git (the index still holds the
        # ciphertext's size), but so does a note edited since an unlock that finished. An
        # interrupted unlock stages nothing, and leaves each file as stored, decrypted or missing.
        # A note added with `git add -N` has no content in the index and is left alone.
        staged = [path for xy, path in status if xy[0] != " "]
        touched = {path for xy, path in status if xy[1] != "A"}
        changed = staged or _edited(repo, [e for e in entries if e.path in touched], key_entries)
    if changed:
        raise RefusedError(
            f"uncommitted changes in {summary(changed)}: commit or stash them first, "
            "because unlocking rewrites the encrypted files."
        )
    write_wrapper(repo)
    for _, key in keys:
        repo.store_key(key)
        configure(repo, key.name)
    unreadable: list[tuple[str, str]] = []
    if fresh:
        # everything that is not ours to decrypt (plain files, notes of keys not given) as stored
        ours = set(paths)
        others = [e.path for e in in_index if e.path not in ours]
        _finish(repo, rewrite_work_tree(repo, others, env=index_env))
    done = None
    if entries or fresh:
        aside = first_index if fresh else None
        done = decrypt_work_tree(repo, entries, key_entries, index, first_index=aside)
    if done is not None:
        unreadable = list(done.unreadable)
    elif paths or fresh:  # an index not written back here (version 4, split, sparse): let git do it
        with private_tempdir("chartkeep-unlock-") as tmp:
            log = tmp / "unreadable"
            env = {**os.environ, KEEP_UNREADABLE_ENV: str(log)}
            if fresh:
                first_index.unlink(missing_ok=True)
                _finish(repo, check_out_head(repo, env=env))
            else:
                _finish(repo, rewrite_work_tree(repo, paths, env=env))
            if log.exists():
                for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
                    path, _, why = line.partition("\t")
                    unreadable.append((path, why))
    warning = install_practice_hooks(repo) if (repo.root / SETTINGS_FILE).exists() else None
    return UnlockResult(tuple(paths), tuple(unreadable), warning)


def _edited(repo: Repo, entries: Sequence[IndexEntry], keys: dict[str, KeyEntry]) -> list[str]:
    """Of `entries`, the files that hold neither their stored blob nor its plaintext: edits made
    in the work tree, which unlocking must not overwrite. A missing file is not an edit (an
    interrupted unlock removes each file before writing it); an unreadable one counts as one."""
    stored = read_blobs(repo, [e.blob for e in entries])
    edited = []
    for entry in entries:
        try:
            data = (repo.root / entry.path).read_bytes()
        except FileNotFoundError:
            continue
        except OSError:
            edited.append(entry.path)
            continue
        blob = stored.get(entry.blob)
        if data != blob and (blob is None or encrypt(keys[entry.filter], data) != blob):
            edited.append(entry.path)
    return edited


def _check_key(
    repo: Repo, source: Path, key: KeyFile, entries: Sequence[IndexEntry], installed: KeyFile | None
) -> None:
    """Refuse a key that decrypts none of its files, or that differs from the one installed."""
    # One damaged file must not make the right key look wrong: any sample that decrypts wins.
    samples = sample_encrypted_blobs(repo, entries)
    if samples and not any(_decrypts(key, data) for _, data in samples):
        raise RefusedError(
            f"wrong key: {source} ({key.label} key) does not decrypt {samples[0][0]}. "
            "Nothing was changed; find the key this practice was encrypted with."
        )
    if installed not in (None, key):
        raise RefusedError(
            f"{source}: a different {key.label} key is already installed in this clone. "
            "Export it (`chartkeep export-key FILE`) and run `chartkeep lock` first if you "
            "really mean to replace it."
        )


def _finish(repo: Repo, result: subprocess.CompletedProcess[bytes]) -> None:
    """Raise what to do when a checkout during unlock failed."""
    if result.returncode != 0:
        raise SetupError(
            f"decrypting the work tree failed:\n{result.stderr.decode('utf-8', 'replace')}"
            "The keys are installed. Fix or restore the files named above, then run "
            "`chartkeep unlock KEYFILE` again to finish."
        )


def lock(repo: Repo, names: Sequence[str | None]) -> int | None:
    """Remove the keys `names` and their git config, and put ciphertext back in the work tree;
    the number of files re-encrypted, or None when none of those keys was installed."""
    if not any(repo.key_path(n).exists() for n in names):
        return None
    if changed := changed_paths(repo):
        raise RefusedError(f"uncommitted changes in {summary(changed)}: commit or stash them before locking.")
    if loose := untracked_paths(repo, [d for d in PROTECTED_DIRS if (repo.root / d).is_dir()]):
        raise RefusedError(
            f"files not in git would stay readable after locking: {summary(loose)}. "
            "Commit them or move them off this disk first."
        )
    paths = [e.path for n in names for e in encrypted_entries(repo, n)]
    for name in names:
        repo.key_path(name).unlink(missing_ok=True)
        deconfigure(repo, name)
    if paths:
        result = rewrite_work_tree(repo, paths)
        if result.returncode != 0:
            raise SetupError(
                f"restoring ciphertext failed:\n{result.stderr.decode('utf-8', 'replace')}"
                "The keys are removed; run `git checkout-index --force --all` to finish."
            )
    return len(paths)
