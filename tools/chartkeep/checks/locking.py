"""CK505: a signed note is locked; git history is the witness (CMS PIM ch. 3 §3.3.2.5).

For each note, the version that first carried `signed:` in a commit is its signed original. What
is on disk now must be that text plus what a signed note may receive afterwards: addenda at the
end, a co-signature, an attestation (`signing.locked_change`). Every later committed version
locks its own signed addenda the same way. Comparing with the work tree rather than following
commits means an edit is caught whether it is unsaved, committed with `--no-verify`, or committed
by another tool. A signed note deleted from disk is reported too.

Where a signer's settings name an SSH `signing_key`, the signing commit must carry a good SSH
signature from an allowed signer (`.chartkeep/allowed_signers`, kept in the practice).

This check runs git (one `git log` pass and one `git cat-file` process for the whole practice):
it is the one check with I/O, kept at the edge in `chartkeep.history`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkeep.history import ALLOWED_SIGNERS, History, HistoryError, Version, open_history
from chartkeep.layout import read_regular
from chartkeep.practice import Practice
from chartkeep.problems import CATALOGUE, WARNING, Problem, problem

_SIGNED = re.compile(r"^signed[ \t]*:", re.MULTILINE)
_SIGNED_BY = re.compile(r"^signed[ \t]*:.*?\bby:[ \t]*[\"']?([^,\"'}\s]+)", re.MULTILINE | re.DOTALL)
NOT_A_REPOSITORY = (
    "not a git repository, so signed notes cannot be checked for changes after signing (CK505 "
    "skipped): run `git init` and commit the practice, or `chartkeep init`"
)
VERIFY_CODE = "CK509" if "CK509" in CATALOGUE else "CK505"


@dataclass(frozen=True)
class LockState:
    """A note's signing as history shows it."""

    path: str
    signing: Version | None  # the commit that first stored it signed
    signer: str | None  # clinician id in that version's `signed: {by}`
    problems: tuple[Problem, ...]
    on_disk: bool
    signed_on_disk: bool


def front_of(text: str) -> str:
    """The front matter text (empty when there is none)."""
    if not text.startswith("---"):
        return ""
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[3:], re.MULTILINE)
    return text[3 : 3 + end.start()] if end else ""


def is_signed(text: str) -> bool:
    return _SIGNED.search(front_of(text.lstrip("\ufeff").replace("\r\n", "\n"))) is not None


def check_locking(practice: Practice) -> list[Problem]:
    """CK505 for every signed note changed after signing; one warning when there is no git."""
    history = open_history(practice.root)
    if history is None:
        return [Problem("(history)", 0, "CK505", WARNING, NOT_A_REPOSITORY)]
    with history:
        try:
            states = lock_states(practice, history)
        except HistoryError as error:
            return [Problem("(history)", 0, "CK505", WARNING, f"cannot read git history ({error})")]
    return [p for state in states for p in state.problems]


def lock_states(practice: Practice, history: History) -> list[LockState]:
    """The lock state of every note git has ever held a signed version of.

    Results are cached inside `.git/chartkeep/` by (the note's blob ids, the SHA-256 of its work
    tree file): hashes and problem messages only, never note text. A warm run reads no blob."""
    versions = history.versions()
    cache = _Cache(practice.root)
    states: dict[str, LockState] = {}
    missing: list[tuple[str, list[Version], bytes | None, str]] = []
    for path, chain in sorted(versions.items()):
        file = practice.root / path
        try:
            current = read_regular(file)[1]
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            current = None  # no longer a file: deleted
        except OSError:  # there but unreadable: the reader reports it (CK012); not judged here
            continue
        key = _cache_key(chain, current)
        cached = cache.get(path, key, chain)
        if cached is not None:
            states[path] = cached
        else:
            missing.append((path, chain, current, key))
    history.preload(v for _, chain, _, _ in missing for v in chain)
    for path, chain, current, key in missing:
        text = None if current is None else current.decode("utf-8", "replace")
        state = _state(history, path, chain, text)
        cache.put(path, key, chain, state)
        states[path] = state
    _verify(practice, history, states, cache)
    cache.save()
    return [s for s in states.values() if s.signing is not None or s.signed_on_disk]


def _verify(practice: Practice, history: History, states: dict[str, LockState], cache: _Cache) -> None:
    """Signing commits of clinicians with a `signing_key` must verify (replaces states)."""
    pending: list[tuple[str, str, Version]] = []
    for state in states.values():
        clinician = practice.settings.clinicians.get(state.signer or "")
        if state.signing is not None and clinician is not None and clinician.signing_key:
            pending.append((state.path, clinician.email or clinician.id, state.signing))
    if not pending:
        return
    signers = practice.root / ALLOWED_SIGNERS
    stamp = hashlib.sha256(signers.read_bytes() if signers.is_file() else b"").hexdigest()[:16]
    verdicts = {c: tuple(v) for c, v in cache.verified.items() if v[2] == stamp}
    unknown = [v.commit.id for _, _, v in pending if v.commit.id not in verdicts]
    for commit, (status, who) in history.verify(unknown).items():
        verdicts[commit] = (status, who, stamp)
        cache.verified[commit] = [status, who, stamp]
        cache.changed = True
    required = _after_signers(history)
    for path, principal, version in pending:
        status, who, _ = verdicts.get(version.commit.id, ("N", "", ""))
        if status == "G" and who == principal:
            continue
        if version.commit.id not in required and status != "B":
            continue  # signed before the practice kept signers: nothing to verify against
        why = {
            "N": "is not SSH-signed",
            "B": "has a bad SSH signature",
            "U": "is signed by a key of unknown validity",
        }.get(status, f"has a signature git cannot verify (status {status!r})")
        if status == "G":
            why = f"is SSH-signed by {who!r}, not by {principal!r}"
        extra = problem(
            VERIFY_CODE,
            path,
            1,
            f"the signing commit {version.commit.short} {why}: the signer's settings name a "
            f"signing_key, so it must verify against {ALLOWED_SIGNERS}",
        )
        state = states[path]
        states[path] = LockState(
            path,
            state.signing,
            state.signer,
            (*state.problems, extra),
            state.on_disk,
            state.signed_on_disk,
        )


def _after_signers(history: History) -> set[str]:
    """Commits made since `.chartkeep/allowed_signers` was first committed: from then on a
    clinician with a signing_key signs every signing commit."""
    spec = f":(top,literal){history.prefix}{ALLOWED_SIGNERS}"
    added = history.git("log", "--format=%H", "--diff-filter=A", "HEAD", "--", spec, check=False).split()
    if not added:
        return set()
    return set(history.git("rev-list", "HEAD", f"^{added[-1]}^@", check=False).split())


def _cache_key(chain: list[Version], current: bytes | None) -> str:
    digest = hashlib.sha256()
    for version in chain:
        digest.update(f"{version.commit.id}:{version.blob or '-'};".encode())
    digest.update(b"missing" if current is None else hashlib.sha256(current).digest())
    return digest.hexdigest()


class _Cache:
    """Lock states by path and key, in `.git/chartkeep/locking.json` (no cache outside git)."""

    FORMAT = 1

    def __init__(self, root: Path) -> None:
        git_dir = root / ".git"
        self.file = git_dir / "chartkeep" / "locking.json" if git_dir.is_dir() else None
        self.entries: dict[str, Any] = {}
        self.verified: dict[str, list[str]] = {}  # commit → [status, principal, signers hash]
        self.changed = False
        if self.file is not None and self.file.is_file():
            try:
                data = json.loads(self.file.read_text(encoding="utf-8"))
                if data.get("format") == self.FORMAT:
                    self.entries = data.get("entries", {})
                    self.verified = data.get("verified", {})
            except (OSError, ValueError):
                self.entries = {}

    def get(self, path: str, key: str, chain: list[Version]) -> LockState | None:
        entry = self.entries.get(path)
        if not entry or entry.get("key") != key:
            return None
        index = entry["signing"]
        problems = tuple(
            Problem(path, line, code, severity, message)
            for line, code, severity, message in entry["problems"]
        )
        return LockState(
            path,
            chain[index] if index >= 0 else None,
            entry["signer"],
            problems,
            entry["on_disk"],
            entry["signed_on_disk"],
        )

    def put(self, path: str, key: str, chain: list[Version], state: LockState) -> None:
        self.entries[path] = {
            "key": key,
            "signing": chain.index(state.signing) if state.signing is not None else -1,
            "signer": state.signer,
            "problems": [[p.line, p.code, p.severity, p.message] for p in state.problems],
            "on_disk": state.on_disk,
            "signed_on_disk": state.signed_on_disk,
        }
        self.changed = True

    def save(self) -> None:
        if self.file is None or not self.changed:
            return
        from chartkeep.layout import atomic_write

        try:
            self.file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write(
                self.file,
                json.dumps({"format": self.FORMAT, "entries": self.entries, "verified": self.verified}),
            )
        except OSError:
            pass  # a cache that cannot be written is only slower


def _signer_of(text: str) -> str | None:
    match = _SIGNED_BY.search(front_of(text.replace("\r\n", "\n")))
    return match[1] if match else None


def _state(history: History, path: str, chain: list[Version], current: str | None) -> LockState:
    from chartkeep.signing import locked_change

    signing_index = None
    texts: dict[str, str | None] = {}
    for index, version in enumerate(chain):
        if version.blob is None:
            continue
        text = history.text(path, version.blob)
        texts[version.blob] = text
        if text is not None and is_signed(text):
            signing_index = index
            break
    on_disk = current is not None
    signed_now = current is not None and is_signed(current)
    if signing_index is None:
        return LockState(path, None, None, (), on_disk, signed_now)
    signing = chain[signing_index]
    signer = _signer_of(texts[signing.blob] or "") if signing.blob else None
    later = tuple(v for v in chain[signing_index + 1 :] if v.blob is not None)
    when = f"{signing.commit.short} ({signing.commit.at:%Y-%m-%d %H:%M}, {signing.commit.author})"
    fix = f"`git diff {signing.commit.short} -- {path}` shows the change"
    problems: list[Problem] = []
    if current is None:
        restore = f"{chain[-1].commit.short}~1" if chain[-1].blob is None else "HEAD"
        problems.append(
            problem(
                "CK505",
                path,
                0,
                f"this note was signed in commit {when} and has been deleted: a signed record is kept. "
                f"Restore it with `git checkout {restore} -- {path}`",
            )
        )
    elif not signed_now:
        problems.append(
            problem(
                "CK505",
                path,
                1,
                f"signed in commit {when}, but its `signed:` field has been removed. Restore the signed "
                f"text ({fix}) and put corrections in an addendum (`chartkeep addendum {path}`)",
            )
        )
    else:
        # A later commit locks its signed addenda only when it is itself a legitimate
        # continuation of the signed text: an edit committed with --no-verify locks nothing.
        bases: list[tuple[Version, str]] = []
        for version in (signing, *later):
            assert version.blob is not None
            if version.blob not in texts:
                texts[version.blob] = history.text(path, version.blob)
            text = texts[version.blob]
            if text is None:
                continue
            if not bases or all(locked_change(b, text) is None for _, b in (bases[0], bases[-1])):
                bases.append((version, text))
        for version, base in bases:
            change = None if base == current else locked_change(base, current)
            if change is None:
                continue
            if version is signing:
                message = (
                    f"changed after it was signed in commit {when}: {change.reason}. Restore the "
                    f"signed text ({fix}) and write the correction as an addendum "
                    f"(`chartkeep addendum {path}`)"
                )
            else:
                message = (
                    f"changed after commit {version.commit.short} ({version.commit.at:%Y-%m-%d %H:%M}, "
                    f"{version.commit.author}), which followed the signature in {signing.commit.short}: "
                    f"{change.reason}. Signed text and signed addenda cannot change; restore them "
                    f"(`git diff {version.commit.short} -- {path}`)"
                )
            problems.append(problem("CK505", path, change.line, message))
            break
    return LockState(path, signing, signer, tuple(problems), on_disk, signed_now)


def refuse_signed_changes(root: Path) -> list[str]:
    """Pre-commit guard: refuse a commit that alters a signed note's text (staged vs HEAD), and
    print the staged notes' check problems without blocking, so a draft can always be saved."""
    from chartkeep.signing import locked_change

    history = open_history(root)
    if history is None:
        return []
    messages: list[str] = []
    with history:
        try:
            staged = history.staged_paths()
        except HistoryError as error:  # the check still compares with history later
            import sys

            print(f"chartkeep: signed notes not guarded in this commit ({error})", file=sys.stderr)
            return []
        for path in staged:
            head = history.tree_text("HEAD", path) if history.has_commits else None
            if head is None or not is_signed(head):
                continue
            new = history.staged_text(path)
            if new is None:
                messages.append(
                    f"{path}: this signed note would be deleted. A signed record is kept; "
                    f"restore it with `git restore --staged --worktree {path}`"
                )
                continue
            change = locked_change(head, new)
            if change is not None:
                messages.append(
                    f"{path}:{change.line}: this note is signed and locked ({change.reason}). Undo "
                    f"the edit (`git diff --cached -- {path}`), then write the correction as an "
                    f"addendum: `chartkeep addendum {path}`"
                )
    _print_problems(root, staged)
    return messages


def _print_problems(root: Path, paths: list[str]) -> None:
    """The check problems of the notes being committed, as notices (never blocking)."""
    import sys

    from chartkeep.layout import SETTINGS_FILE

    present = [p for p in paths if (root / p).is_file()]
    if not present or not (root / SETTINGS_FILE).is_file():
        return
    try:
        from chartkeep.checks import run_checks
        from chartkeep.practice import load_practice

        practice = load_practice(root, paths=present)
        wanted = set(present)
        shown = [p for p in run_checks(practice) if p.path in wanted]
    except Exception as error:  # noqa: BLE001 - a notice must never block a commit
        print(f"chartkeep: could not check the staged notes ({error})", file=sys.stderr)
        return
    if shown:
        print("chartkeep check (not blocking this commit; fix before signing):", file=sys.stderr)
        for item in shown:
            print(f"  {item.as_text()}", file=sys.stderr)
