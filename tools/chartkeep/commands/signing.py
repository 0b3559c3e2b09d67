"""`chartkeep sign`, `addendum`, `attest`, `cosign`, `history` and `audit`.

Each writing command edits the note as text (chartkeep.signing), then commits that one file with
the clinician from chartkeep.toml as author and committer, SSH-signed when their settings name a
`signing_key`. Git history is what shows any later edit (checks/locking.py, CK505).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from chartkeep.cli import practice_option

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

    from chartkeep.practice import Practice
    from chartkeep.reader import RawRecord
    from chartkeep.settings import Clinician, Settings

# Deadline problems do not stop a signature: signing late is how they are fixed.
DEADLINE_CODES = frozenset({"CK501", "CK506", "CK507"})
SIGNABLE = ("note", "group", "plan", "psychotherapy")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sign = sub.add_parser(
        "sign",
        help="sign a note (or its open addendum) and commit it",
        description="Check the note, refuse while it has errors, then add `signed: {by, at}` and "
        "the line 'Electronically signed by NAME, CREDENTIAL on DATE TIME', and commit the note "
        "alone. A signed note whose last addendum is unsigned: sign that addendum.",
    )
    practice_option(sign)
    sign.add_argument("note", metavar="NOTE", help="the note file")
    sign.add_argument("--as", dest="signer", metavar="CLINICIAN", help="clinician id (default: the note's)")
    sign.set_defaults(func=run_sign)

    addendum = sub.add_parser(
        "addendum",
        help="append a dated addendum heading to a signed note",
        description="Append '## Addendum YYYY-MM-DD HH:MM — NAME, CREDENTIAL' to a signed note. "
        "Write the correction under it, then `chartkeep sign NOTE` signs and commits it.",
    )
    practice_option(addendum)
    addendum.add_argument("note", metavar="NOTE")
    addendum.add_argument(
        "--as", dest="signer", metavar="CLINICIAN", help="author (default: the note's clinician)"
    )
    addendum.set_defaults(func=run_addendum)

    attest = sub.add_parser(
        "attest",
        help="attest a late signature (dated now, never back-dated)",
        description="Add `attestation: {by, at, reason}` to a note signed after the deadline, and "
        "commit it (CMS PIM ch. 3 §3.3.2.4).",
    )
    practice_option(attest)
    attest.add_argument("note", metavar="NOTE")
    attest.add_argument("--as", dest="signer", metavar="CLINICIAN", required=True)
    attest.add_argument("--reason", required=True, metavar="TEXT", help="why the signature is late")
    attest.set_defaults(func=run_attest)

    cosign = sub.add_parser(
        "cosign",
        help="co-sign a supervised clinician's signed note",
        description="Add `cosigned: {by, at}` to a signed note of a clinician whose settings name "
        "you as supervisor, and commit it.",
    )
    practice_option(cosign)
    cosign.add_argument("note", metavar="NOTE")
    cosign.add_argument("--as", dest="signer", metavar="SUPERVISOR", required=True)
    cosign.set_defaults(func=run_cosign)

    history = sub.add_parser(
        "history",
        help="a note's history: created, edited, signed, addenda, co-signed",
        description="Each commit that touched the note, oldest first, with author and time from "
        "git, and whether SSH signatures verify against .chartkeep/allowed_signers.",
    )
    practice_option(history)
    history.add_argument("note", metavar="NOTE")
    history.set_defaults(func=run_history)

    audit = sub.add_parser(
        "audit",
        help="practice audit report (exit 1 when anything needs action)",
        description="Unsigned notes past the deadline, signed notes changed after signing, "
        "treatment plans due or missing, missing measures, appointments with no note, and every "
        "check error. Exit 0: nothing needs action; 1: something does.",
    )
    practice_option(audit)
    audit.add_argument("--as-of", default=None, metavar="YYYY-MM-DDTHH:MM", help="audit as of this moment")
    audit.set_defaults(func=run_audit)


# -- shared steps -------------------------------------------------------------------------------


class _Note:
    """The note a command works on: where it is, its text and what the reader made of it."""

    def __init__(self, args: argparse.Namespace) -> None:
        from pathlib import Path

        from chartkeep.errors import UsageError
        from chartkeep.gitstate import require_unlocked
        from chartkeep.layout import PROTECTED_DIRS, find_practice, safe_relative
        from chartkeep.reader import read_record

        self.root: Path = find_practice(args.practice)
        require_unlocked(self.root)
        name = Path(args.note)
        if not name.is_absolute() and not name.exists() and (self.root / name).exists():
            name = self.root / name  # a path given relative to --practice
        self.rel = str(safe_relative(self.root, name))
        if self.rel.split("/", 1)[0] not in PROTECTED_DIRS or not self.rel.endswith(".md"):
            raise UsageError(f"{args.note}: not a note (notes live in notes/ or private/ as .md files)")
        self.path = self.root / self.rel
        try:
            self.data = self.path.read_bytes()
        except FileNotFoundError:
            raise UsageError(f"{args.note}: no such note") from None
        except OSError as error:
            raise UsageError(f"{args.note}: cannot read it as a note ({error.strerror}): name a .md file") from None
        self.text = self.data.decode("utf-8", "replace")
        self.raw: RawRecord = read_record(self.rel, self.data)

    def refuse_unreadable(self) -> None:
        from chartkeep.errors import RefusedError

        if not self.raw.readable:
            lines = "\n".join(p.as_text() for p in self.raw.problems)
            raise RefusedError(f"{self.rel} cannot be read as a record; fix these first:\n{lines}")

    @property
    def kind(self) -> str:
        return str(self.raw.meta.get("record", ""))

    def label(self) -> str:
        """What a commit message may say: client code (or group), date and type: never a name."""
        meta = self.raw.meta
        who = meta.get("client") or meta.get("group") or "?"
        kind = meta.get("type") or self.kind
        return f"{who} {meta.get('date', '')} {kind}".replace("  ", " ").strip()


def _settings(root: Path) -> Settings:
    """The practice's settings, refusing while they have errors: a signature's name, credential
    and time (its time zone) come from them, and a default in their place would be written for good."""
    from chartkeep.errors import RefusedError
    from chartkeep.problems import ERROR
    from chartkeep.settings import load_settings

    settings, problems = load_settings(root)
    errors = [p for p in problems if p.severity == ERROR]
    if errors:
        lines = "\n".join(p.as_text() for p in errors)
        raise RefusedError(f"chartkeep.toml has errors; fix them first (nothing was written):\n{lines}")
    return settings


def _clinician(settings: Settings, cid: str | None, role: str = "signer") -> Clinician:
    from chartkeep.errors import RefusedError, UsageError

    if not cid:
        raise UsageError(f"say who the {role} is: --as CLINICIAN (an id from chartkeep.toml)")
    clinician = settings.clinicians.get(cid)
    if clinician is None:
        known = ", ".join(sorted(settings.clinicians)) or "none"
        raise RefusedError(f"{cid!r} is not a clinician in chartkeep.toml (known: {known})")
    if not clinician.credential:
        raise RefusedError(
            f'{cid} has no credential in chartkeep.toml: add credential = "LCSW" (or theirs) to '
            f"[clinicians.{cid}]; a signature carries the credential"
        )
    return clinician


def _now(settings: Settings) -> dt.datetime:
    from chartkeep.practice import practice_now

    return practice_now(settings).replace(second=0)


def _require_git(root: Path) -> None:
    from chartkeep.errors import SetupError
    from chartkeep.history import open_history

    history = open_history(root)
    if history is None:
        raise SetupError(
            f"{root} is not a git repository: signing is recorded in git history, which is what "
            "shows any later edit. Run `chartkeep init` (or `git init`) first."
        )
    history.close()


def _write_and_commit(note: _Note, new_text: str, message: str, clinician: Clinician) -> str:
    """Write the note, commit it alone; on failure put the old text back. The commit id."""
    import os

    from chartkeep.errors import RefusedError
    from chartkeep.layout import atomic_write

    mode = note.path.stat().st_mode & 0o777
    atomic_write(note.path, new_text, mode=mode)
    try:
        return commit_note(note.root, [note.rel], message, clinician)
    except RefusedError:
        atomic_write(note.path, note.data, mode=mode)
        _git(note.root, "reset", "-q", "--", note.rel, check=False, env=dict(os.environ))
        raise


def _git(root: Path, *args: str, check: bool = True, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    import subprocess

    from chartkeep.errors import RefusedError

    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env=env, check=False)
    if check and result.returncode != 0:
        raise RefusedError(
            f"`git {args[0]}` failed, so nothing was signed:\n{(result.stderr or result.stdout).strip()}"
        )
    return result


def commit_note(root: Path, paths: list[str], message: str, clinician: Clinician) -> str:
    """Commit `paths` alone (not whatever else is staged), authored by the clinician, SSH-signed
    when they have a `signing_key`. Through the git command line so the encryption filter runs."""
    import os
    import sys

    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": clinician.name,
        "GIT_AUTHOR_EMAIL": clinician.email,
        "GIT_COMMITTER_NAME": clinician.name,
        "GIT_COMMITTER_EMAIL": clinician.email,
        "GIT_TERMINAL_PROMPT": "0",
    }
    signing: list[str] = []
    if clinician.signing_key:
        key = os.path.expanduser(clinician.signing_key)
        _ensure_allowed_signer(root, clinician, key, env)
        signing = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"]
    _git(root, "add", "--", *paths, env=env)
    result = _git(
        root, *signing, "commit", "-q", *(["-S"] if signing else []), "-m", message, "--", *paths, env=env
    )
    if result.stderr.strip():
        print(result.stderr.rstrip(), file=sys.stderr)  # the pre-commit hook's notices
    return str(_git(root, "rev-parse", "HEAD", env=env).stdout.strip())


def public_key(key: str) -> str:
    """The `type base64` public key of a signing key path (private or .pub)."""
    import subprocess
    from pathlib import Path

    from chartkeep.errors import SetupError

    candidates = [Path(key)] if key.endswith(".pub") else [Path(key + ".pub")]
    for candidate in candidates:
        if candidate.is_file():
            return " ".join(candidate.read_text(encoding="utf-8").split()[:2])
    try:
        result = subprocess.run(["ssh-keygen", "-y", "-f", key], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SetupError("ssh-keygen is not installed: install openssh-client to SSH-sign") from None
    if result.returncode != 0:
        raise SetupError(f"signing_key {key}: cannot read it ({result.stderr.strip()})")
    return " ".join(result.stdout.split()[:2])


def _ensure_allowed_signers_line(root: Path, clinician: Clinician, key: str) -> bool:
    """Add the clinician's key to .chartkeep/allowed_signers; True when the file changed."""
    from chartkeep.errors import SetupError
    from chartkeep.history import ALLOWED_SIGNERS
    from chartkeep.layout import atomic_write

    if not clinician.email:
        raise SetupError(
            f"[clinicians.{clinician.id}] needs an email to SSH-sign: the allowed-signers file "
            "names each signer by email"
        )
    pub = public_key(key)
    path = root / ALLOWED_SIGNERS
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == clinician.email and pub in line:
            return False
    if text and not text.endswith("\n"):
        text += "\n"
    atomic_write(path, f'{text}{clinician.email} namespaces="git" {pub}\n', mode=0o644)
    return True


def _ensure_allowed_signer(root: Path, clinician: Clinician, key: str, env: dict[str, str]) -> None:
    """Trust on first use: the first signature with a key records it, in its own commit."""
    import sys

    from chartkeep.history import ALLOWED_SIGNERS

    if not _ensure_allowed_signers_line(root, clinician, key):
        return
    _git(root, "add", "--", ALLOWED_SIGNERS, env=env)
    _git(
        root,
        "-c",
        "gpg.format=ssh",
        "-c",
        f"user.signingkey={key}",
        "commit",
        "-q",
        "-S",
        "-m",
        f"signers: add {clinician.id}'s SSH key",
        "--",
        ALLOWED_SIGNERS,
        env=env,
    )
    print(
        f"{ALLOWED_SIGNERS}: added {clinician.id}'s SSH key (review it: anyone who can commit "
        "can add keys; a protected remote shows when they do)",
        file=sys.stderr,
    )


def _load(note: _Note) -> tuple[Practice, object | None]:
    from chartkeep.practice import load_practice

    practice = load_practice(note.root, paths=[note.rel])
    record = next((r for r in practice.records if r.path == note.rel), None)
    return practice, record


# -- sign ---------------------------------------------------------------------------------------


def run_sign(args: argparse.Namespace) -> int:
    from chartkeep.errors import RefusedError

    note = _Note(args)
    note.refuse_unreadable()
    if note.kind not in SIGNABLE:
        raise RefusedError(f"{note.rel}: a {note.kind or 'file without a record type'} is not signed")
    _require_git(note.root)
    settings = _settings(note.root)
    if "signed" in note.raw.meta:
        return _sign_addendum(note, args.signer, settings)
    return _sign_note(note, args.signer, settings)


def _sign_note(note: _Note, signer: str | None, settings: Settings) -> int:
    import datetime as dt

    from chartkeep.checks import run_checks
    from chartkeep.checks.signatures import completed_at
    from chartkeep.errors import RefusedError
    from chartkeep.model import Signable
    from chartkeep.problems import ERROR
    from chartkeep.signing import sign

    practice, record = _load(note)
    problems = [
        p
        for p in run_checks(practice)
        if p.path == note.rel and p.severity == ERROR and p.code not in DEADLINE_CODES
    ]
    if problems:
        lines = "\n".join(p.as_text() for p in problems)
        raise RefusedError(f"{note.rel} has errors; fix them, then sign:\n{lines}")
    clinician = _clinician(settings, signer or str(note.raw.meta.get("clinician") or ""))
    now = _now(settings)
    done = completed_at(record) if isinstance(record, Signable) else None
    if done is not None and now < done:
        raise RefusedError(
            f"{note.rel}: the session ends at {done:%Y-%m-%d %H:%M}; a note is signed after the session"
        )
    late = done is not None and now > done + dt.timedelta(hours=settings.note_deadline_hours)
    new_text = sign(note.text, clinician.id, clinician.name, clinician.credential, now, late=late)
    commit = _write_and_commit(note, new_text, f"sign: {note.label()}", clinician)
    print(
        f"{note.rel}: signed by {clinician.name}, {clinician.credential} on {now:%Y-%m-%d %H:%M} "
        f"(commit {commit[:10]})"
    )
    if late:
        print(
            f"{note.rel}: signed after the {settings.note_deadline_hours}-hour deadline (late: true). "
            f'Attest it: `chartkeep attest {note.rel} --as {clinician.id} --reason "..."`'
        )
    return 0


def _sign_addendum(note: _Note, signer: str | None, settings: Settings) -> int:
    from chartkeep.errors import RefusedError
    from chartkeep.signing import open_addendum, sign_addendum

    signed = note.raw.meta.get("signed")
    opened = open_addendum(note.text)
    if opened is None:
        by = signed.get("by", "?") if isinstance(signed, dict) else "?"
        at = signed.get("at", "?") if isinstance(signed, dict) else "?"
        raise RefusedError(
            f"{note.rel} is already signed (by {by} at {at}) and locked. To correct or add to it, "
            f"write an addendum: `chartkeep addendum {note.rel}`, then `chartkeep sign {note.rel}`"
        )
    if not opened.written:
        raise RefusedError(
            f"{note.rel}: the addendum '{opened.heading}' is empty: write it under its heading, then sign"
        )
    author = next(
        (
            c
            for c in settings.clinicians.values()
            if c.name == opened.name and c.credential == opened.credential
        ),
        None,
    )
    if signer is None and author is None:
        raise RefusedError(
            f"{note.rel}: no clinician in chartkeep.toml is {opened.name}, {opened.credential} "
            "(the addendum's author): sign with --as CLINICIAN"
        )
    clinician = _clinician(settings, signer or (author.id if author else None))
    if author is not None and clinician.id != author.id:
        raise RefusedError(f"{note.rel}: the addendum is {opened.name}'s ({author.id}); its author signs it")
    now = _now(settings)
    new_text = sign_addendum(note.text, clinician.name, clinician.credential, now)
    commit = _write_and_commit(note, new_text, f"sign addendum: {note.label()}", clinician)
    print(
        f"{note.rel}: addendum signed by {clinician.name}, {clinician.credential} on "
        f"{now:%Y-%m-%d %H:%M} (commit {commit[:10]})"
    )
    return 0


# -- addendum, attest, cosign ---------------------------------------------------------------------


def run_addendum(args: argparse.Namespace) -> int:
    from chartkeep.errors import RefusedError
    from chartkeep.layout import atomic_write
    from chartkeep.signing import add_addendum, open_addendum

    note = _Note(args)
    note.refuse_unreadable()
    if "signed" not in note.raw.meta:
        raise RefusedError(
            f"{note.rel} is not signed yet: edit it directly, then `chartkeep sign {note.rel}`"
        )
    opened = open_addendum(note.text)
    if opened is not None:
        raise RefusedError(
            f"{note.rel} already has an unsigned addendum ('{opened.heading}'): finish it and "
            f"`chartkeep sign {note.rel}` first"
        )
    settings = _settings(note.root)
    clinician = _clinician(settings, args.signer or str(note.raw.meta.get("clinician") or ""), "author")
    now = _now(settings)
    new_text = add_addendum(note.text, clinician.name, clinician.credential, now)
    atomic_write(note.path, new_text, mode=note.path.stat().st_mode & 0o777)
    print(
        f"{note.rel}: addendum started at {now:%Y-%m-%d %H:%M} for {clinician.name}. Write it at "
        f"the end of the file, then `chartkeep sign {note.rel}`"
    )
    return 0


def run_attest(args: argparse.Namespace) -> int:
    import datetime as dt

    from chartkeep.checks.signatures import completed_at
    from chartkeep.errors import RefusedError, UsageError
    from chartkeep.model import Signable
    from chartkeep.signing import insert_fields, signature_field

    note = _Note(args)
    note.refuse_unreadable()
    if not args.reason.strip():
        raise UsageError("--reason: say why the signature is late")
    if "signed" not in note.raw.meta:
        raise RefusedError(
            f"{note.rel} is not signed: sign it first (`chartkeep sign {note.rel}`); a late "
            "signature is then attested"
        )
    if "attestation" in note.raw.meta:
        raise RefusedError(f"{note.rel} already has an attestation; it cannot be replaced")
    _require_git(note.root)
    settings = _settings(note.root)
    _, record = _load(note)
    clinician = _clinician(settings, args.signer)
    if isinstance(record, Signable) and record.signed is not None:
        allowed = {record.signed.by, str(getattr(record, "clinician", "") or "")}
        if clinician.id not in allowed:
            raise RefusedError(f"{note.rel}: the attestation is the author's: --as {record.signed.by}")
        done = completed_at(record)
        deadline = dt.timedelta(hours=settings.note_deadline_hours)
        if not record.late and (done is None or record.signed.at <= done + deadline):
            raise RefusedError(f"{note.rel} was signed in time: no attestation is needed")
    now = _now(settings)
    field = signature_field("attestation", clinician.id, now, args.reason.strip())
    commit = _write_and_commit(note, insert_fields(note.text, [field]), f"attest: {note.label()}", clinician)
    print(f"{note.rel}: attested by {clinician.name} on {now:%Y-%m-%d %H:%M} (commit {commit[:10]})")
    return 0


def run_cosign(args: argparse.Namespace) -> int:
    from chartkeep.errors import RefusedError
    from chartkeep.signing import insert_fields, signature_field

    note = _Note(args)
    note.refuse_unreadable()
    if "signed" not in note.raw.meta:
        raise RefusedError(f"{note.rel} is not signed yet: its author signs first, then the supervisor")
    if "cosigned" in note.raw.meta:
        raise RefusedError(f"{note.rel} is already co-signed")
    _require_git(note.root)
    settings = _settings(note.root)
    supervisor = _clinician(settings, args.signer, "supervisor")
    author_id = str(note.raw.meta.get("clinician") or "")
    author = settings.clinicians.get(author_id)
    if author is None or not author.supervisor:
        raise RefusedError(
            f"{note.rel}: {author_id or 'its clinician'} has no supervisor in chartkeep.toml "
            f'(supervisor = "{supervisor.id}" under [clinicians.{author_id or "ID"}]), so no '
            "co-signature is needed"
        )
    if author.supervisor != supervisor.id:
        raise RefusedError(
            f"{note.rel}: {author.id}'s supervisor is {author.supervisor}, not {supervisor.id}"
        )
    now = _now(settings)
    field = signature_field("cosigned", supervisor.id, now)
    commit = _write_and_commit(note, insert_fields(note.text, [field]), f"cosign: {note.label()}", supervisor)
    print(
        f"{note.rel}: co-signed by {supervisor.name}, {supervisor.credential} on "
        f"{now:%Y-%m-%d %H:%M} (commit {commit[:10]})"
    )
    return 0


# -- history, audit -----------------------------------------------------------------------------


def run_history(args: argparse.Namespace) -> int:
    from chartkeep.audit import note_history
    from chartkeep.errors import SetupError
    from chartkeep.history import open_history
    from chartkeep.settings import load_settings

    note = _Note(args) if _exists(args) else None
    root, rel = (note.root, note.rel) if note else _root_and_rel(args)
    history = open_history(root)
    if history is None:
        raise SetupError(f"{root} is not a git repository: there is no history to show")
    with history:
        events = note_history(root, rel, history, load_settings(root)[0])
    if not events:
        if not (root / rel).is_file():
            from chartkeep.errors import UsageError

            raise UsageError(f"{rel}: no such note, in the work tree or in git history")
        print(f"{rel}: never committed")
        return 0
    for event in events:
        print(event.as_text())
    return 0


def _exists(args: argparse.Namespace) -> bool:
    from pathlib import Path

    return Path(args.note).is_file() or (
        args.practice is not None and (Path(args.practice) / args.note).is_file()
    )


def _root_and_rel(args: argparse.Namespace) -> tuple[Path, str]:
    """A deleted note's history is still shown."""
    from chartkeep.layout import find_practice, safe_relative

    root = find_practice(args.practice)
    return root, str(safe_relative(root, args.note))


def run_audit(args: argparse.Namespace) -> int:
    from chartkeep.audit import audit
    from chartkeep.commands.check import parse_as_of
    from chartkeep.gitstate import require_unlocked
    from chartkeep.layout import find_practice
    from chartkeep.practice import load_practice

    root = find_practice(args.practice)
    require_unlocked(root)
    practice = load_practice(root, as_of=parse_as_of(args.as_of))
    report = audit(practice)
    print(report.as_text())
    return 1 if report.needs_action else 0
