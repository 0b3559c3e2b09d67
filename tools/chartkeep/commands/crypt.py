"""Encryption commands: init, unlock, lock, export-key, status, install-hooks, hook.

Thin adapters over `chartkeep.gitcrypt.workflow`: parse the arguments, call, print. The cipher
and git plumbing are imported inside the handlers so other commands do not pay for them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chartkeep.cli import practice_option
from chartkeep.errors import RefusedError, SetupError, UsageError

if TYPE_CHECKING:
    from chartkeep.gitcrypt.keyfile import KeyFile
    from chartkeep.gitcrypt.repo import Repo

PASSPHRASE_ENV = "CHARTKEEP_PASSPHRASE"
AGE_MAGIC = (b"age-encryption.org/v1", b"-----BEGIN AGE ENCRYPTED FILE-----")
BACKUP_ADVICE = (
    "Keep a copy of each key off this machine (a USB stick in a safe, a password manager): "
    "a lost key is a lost record."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the encryption commands to the parser."""
    p = sub.add_parser("init", help="make DIR an encrypted practice (git, keys, hooks)")
    p.add_argument("dir", nargs="?", default=".", metavar="DIR", help="default: this directory")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("unlock", help="install keys and decrypt the notes in the work tree")
    practice_option(p)
    p.add_argument("keyfile", nargs="+", metavar="KEYFILE", help="git-crypt key or age backup")
    p.set_defaults(func=cmd_unlock)

    p = sub.add_parser("lock", help="remove the keys and leave only ciphertext in the work tree")
    practice_option(p)
    p.add_argument("--name", default=None, help="lock only this key (default: all keys)")
    p.set_defaults(func=cmd_lock)

    p = sub.add_parser("export-key", help="write a key to FILE for backup or a second machine")
    practice_option(p)
    p.add_argument("file", metavar="FILE", help="where to write it (outside the practice)")
    p.add_argument("--name", default=None, help="the key to export: default or private")
    p.add_argument(
        "--passphrase",
        action="store_true",
        help=f"protect it with a passphrase (age format; asked for, or ${PASSPHRASE_ENV})",
    )
    p.set_defaults(func=cmd_export_key)

    p = sub.add_parser("status", help="list protected paths stored in plaintext anywhere")
    practice_option(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("install-hooks", help="install the git hooks that guard commits")
    practice_option(p)
    p.set_defaults(func=cmd_install_hooks)

    p = sub.add_parser("hook", help="run a git hook's checks (called by the installed hooks)")
    practice_option(p)
    p.add_argument("name", choices=["pre-commit"], help="the hook")
    p.set_defaults(func=cmd_hook)


# --- helpers -------------------------------------------------------------------------------


def _repo(args: argparse.Namespace) -> Repo:
    from chartkeep.gitcrypt.repo import Repo

    start = Path(args.practice) if getattr(args, "practice", None) else Path.cwd()
    if not start.is_dir():
        raise SetupError(f"{start}: no such practice directory")
    return Repo.open(start)


def _key_name(name: str | None) -> str | None:
    from chartkeep.gitcrypt.keyfile import validate_key_name

    if name in (None, "default"):
        return None
    if reason := validate_key_name(name):
        raise UsageError(f"--name {name!r}: {reason}")
    return name


def _passphrase(prompt: str, *, confirm: bool) -> str:
    if PASSPHRASE_ENV in os.environ:
        if not os.environ[PASSPHRASE_ENV]:
            raise UsageError(f"{PASSPHRASE_ENV} is empty: an empty passphrase protects nothing")
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise UsageError(f"no terminal to ask for the passphrase: set {PASSPHRASE_ENV}")
    import getpass

    first = getpass.getpass(prompt)
    if not first:
        raise UsageError("an empty passphrase protects nothing: choose one")
    if confirm and getpass.getpass("Same passphrase again: ") != first:
        raise UsageError("the two passphrases differ: nothing was written")
    return first


def load_key_argument(path: Path) -> KeyFile:
    """A key from a git-crypt key file or an age passphrase backup of one."""
    from chartkeep.gitcrypt.keyfile import KeyFileError, parse

    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"{path}: cannot read the key file ({error.strerror})") from None
    if data.startswith(AGE_MAGIC):
        import pyrage

        secret = _passphrase(f"Passphrase for {path}: ", confirm=False)
        try:
            data = pyrage.passphrase.decrypt(data, secret)
        except pyrage.DecryptError:
            raise RefusedError(
                f"{path}: wrong passphrase (or an age file not made by `chartkeep export-key "
                "--passphrase`): nothing was changed"
            ) from None
    try:
        return parse(data)
    except KeyFileError as error:
        raise UsageError(f"{path}: not a usable git-crypt key: {error}") from None


def _warn(message: str | None) -> None:
    if message:
        print(f"chartkeep: warning: {message}", file=sys.stderr)


# --- commands ------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    """Make DIR a practice: git, settings, folders, attributes, keys, git config and hooks."""
    from chartkeep.gitcrypt import PRIVATE_KEY
    from chartkeep.gitcrypt.workflow import init_practice

    result = init_practice(Path(args.dir))
    _warn(result.hook_warning)
    print(f"{result.root}: encrypted practice ready ({'; '.join(result.done) or 'no changes'}).")
    if result.plaintext_versions:
        _warn(
            f"{result.plaintext_versions} version(s) of files under notes/ or private/ are "
            "stored in plaintext (`chartkeep status` lists them). Run `git add --renormalize "
            "notes private` and commit to encrypt the current versions; older commits keep the "
            "plaintext until the history is rewritten."
        )
    print(
        "Back up both keys now: `chartkeep export-key --passphrase FILE` and "
        f"`chartkeep export-key --name {PRIVATE_KEY} --passphrase FILE`. {BACKUP_ADVICE}"
    )
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    """Install keys (checked against the repository first) and decrypt the work tree."""
    from chartkeep.gitcrypt.workflow import summary, unlock

    repo = _repo(args)
    keys = [(Path(p), load_key_argument(Path(p))) for p in args.keyfile]
    labels = [key.label for _, key in keys]
    if len(set(labels)) != len(labels):
        raise UsageError(f"two key files for the same key ({summary(labels)}): give each once")
    result = unlock(repo, keys)
    _warn(result.hook_warning)
    for path, why in result.unreadable:
        print(f"{path}: error: cannot decrypt ({why}); left as ciphertext", file=sys.stderr)
    if result.unreadable:
        print(
            f"unlocked {len(result.paths) - len(result.unreadable)} of {len(result.paths)} "
            "file(s). Restore the files above from a good copy (another clone or a backup) and "
            "check `git log` for who changed them.",
            file=sys.stderr,
        )
        return 1
    print(f"unlocked {len(result.paths)} file(s) with the {', '.join(labels)} key(s).")
    return 0


def cmd_lock(args: argparse.Namespace) -> int:
    """Remove keys and filter config; leave ciphertext in the work tree."""
    from chartkeep.gitcrypt.workflow import lock

    repo = _repo(args)
    names = [_key_name(args.name)] if args.name else repo.installed_names()
    count = lock(repo, names)
    if count is None:
        print("already locked: no key is installed.")
    else:
        print(f"locked: {count} file(s) are ciphertext again; the key(s) were removed.")
    return 0


def cmd_export_key(args: argparse.Namespace) -> int:
    """Write an installed key to FILE, optionally sealed with a passphrase (age)."""
    from chartkeep.gitcrypt.keyfile import dump
    from chartkeep.layout import atomic_write

    repo = _repo(args)
    name = _key_name(args.name)
    key = repo.installed_key(name)
    if key is None:
        raise SetupError(
            f"no {name or 'default'} key is installed in {repo.root}: run `chartkeep unlock` first."
        )
    target = Path(args.file).resolve()
    if target.is_relative_to(repo.root) and not target.is_relative_to(repo.git_dir):
        raise RefusedError(
            f"{args.file}: inside the practice, where the key could be committed next to the notes "
            "it protects. Write it outside, e.g. to a USB stick."
        )
    if target.exists():
        raise RefusedError(f"{args.file}: already exists; never overwriting a key backup")
    data = dump(key)
    if args.passphrase:
        import pyrage

        secret = _passphrase("Passphrase for the backup: ", confirm=True)
        data = pyrage.passphrase.encrypt(data, secret)
    atomic_write(target, data, exclusive=True, mode=0o600)
    print(f"wrote the {key.label} key to {target}. {BACKUP_ADVICE}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Protected paths stored in plaintext in the index or history; exit 1 if any."""
    from chartkeep.gitcrypt.history import plaintext_blobs

    found = plaintext_blobs(_repo(args))
    for item in found:
        where = "the index" if item.where == "index" else f"commit {item.where}"
        print(f"{item.path}: error: stored in plaintext in {where} (blob {item.blob[:12]})")
    if found:
        print(
            f"{len(found)} plaintext version(s) of protected files. Anything in the index: "
            "`chartkeep unlock KEYFILE` then `git add` again. Anything committed stays readable "
            "in history until it is rewritten (git filter-repo) and every copy replaced.",
            file=sys.stderr,
        )
    return 1 if found else 0


def cmd_install_hooks(args: argparse.Namespace) -> int:
    from chartkeep.gitcrypt.workflow import hooks_directory
    from chartkeep.hooks import install_hooks

    for path in install_hooks(hooks_directory(_repo(args))):
        print(f"installed {path}")
    return 0


def cmd_hook(args: argparse.Namespace) -> int:
    from chartkeep.hooks import run_guards

    messages = run_guards(_repo(args).root)
    for message in messages:
        print(message, file=sys.stderr)
    if messages:
        print(f"chartkeep: {args.name}: commit refused ({len(messages)} problem(s)).", file=sys.stderr)
        return 1
    return 0
