"""Signing, addenda, attestations, co-signatures and history, in real git repositories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from chartkeep.checks import run_checks
from chartkeep.checks.locking import check_locking, refuse_signed_changes
from chartkeep.cli import main
from chartkeep.practice import load_practice

from tests.gitutil import git, git_out, scrub_environ
from tests.signing_practice import PRIVATE, make_practice, note_path, note_text, today


@pytest.fixture
def practice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    scrub_environ(monkeypatch)
    root = make_practice(tmp_path / "practice", notes=(1, 10))
    monkeypatch.chdir(root)
    return root


def ck(*args: str) -> int:
    return main(list(args))


def locking(root: Path) -> list[str]:
    return [p.as_text() for p in check_locking(load_practice(root))]


def codes(root: Path, path: str) -> set[str]:
    return {p.code for p in run_checks(load_practice(root)) if p.path == path}


def test_sign_writes_the_signature_and_commits_the_note_alone(practice: Path, capsys) -> None:
    note = note_path(1)
    before = (practice / note).read_text()
    (practice / "scratch.txt").write_text("staged, not part of the signature\n")
    git(practice, "add", "scratch.txt")
    assert ck("sign", note) == 0
    after = (practice / note).read_text()
    front, body = before.split("\n---\n", 1)
    assert after.startswith(front + "\n")  # every byte the therapist wrote is still there
    assert '\nsigned: {by: jdoe, at: "' in after and "late:" not in after
    assert body.rstrip("\n") in after
    assert after.rstrip().splitlines()[-1].startswith("Electronically signed by Jane Doe, LCSW on ")
    assert git_out(practice, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s") == (
        f"Jane Doe <jane@example.org>|Jane Doe <jane@example.org>|sign: C0001 {today() - dt.timedelta(days=1)} soap"
    )
    assert git_out(practice, "show", "--name-only", "--format=", "HEAD") == note
    assert "scratch.txt" in git_out(practice, "diff", "--cached", "--name-only")
    assert codes(practice, note) <= {"CK703"}
    assert locking(practice) == []
    assert "signed by Jane Doe" in capsys.readouterr().out


def test_signing_twice_is_refused(practice: Path, capsys) -> None:
    note = note_path(1)
    assert ck("sign", note) == 0
    head = git_out(practice, "rev-parse", "HEAD")
    text = (practice / note).read_text()
    assert ck("sign", note) == 1
    assert "already signed" in capsys.readouterr().err
    assert (practice / note).read_text() == text
    assert git_out(practice, "rev-parse", "HEAD") == head


def test_sign_is_refused_while_the_note_has_errors(practice: Path, capsys) -> None:
    note = note_path(1)
    broken = note_text(1).replace("risk:\n  suicidal: denied\n  homicidal: denied\n", "")
    (practice / note).write_text(broken)
    head = git_out(practice, "rev-parse", "HEAD")
    assert ck("sign", note) == 1
    err = capsys.readouterr().err
    assert "has errors" in err and "CK403" in err
    assert (practice / note).read_text() == broken
    assert git_out(practice, "rev-parse", "HEAD") == head


def test_late_signature_then_attestation(practice: Path, capsys) -> None:
    note = note_path(10)
    assert "CK501" in codes(practice, note)
    assert ck("sign", note) == 0
    text = (practice / note).read_text()
    assert "\nlate: true\n" in text
    assert "chartkeep attest" in capsys.readouterr().out
    assert "CK506" in codes(practice, note) and "CK501" not in codes(practice, note)
    assert ck("attest", note, "--as", "jdoe", "--reason", "Power outage; notes were on paper") == 0
    text = (practice / note).read_text()
    assert 'attestation: {by: jdoe, at: "' in text and 'reason: "Power outage; notes were on paper"}' in text
    assert "CK506" not in codes(practice, note)
    assert (
        git_out(practice, "log", "-1", "--format=%s")
        == f"attest: C0001 {today() - dt.timedelta(days=10)} soap"
    )
    assert locking(practice) == []
    assert ck("attest", note, "--as", "jdoe", "--reason", "again") == 1  # never replaced


def test_attestation_is_refused_for_a_note_signed_in_time(practice: Path, capsys) -> None:
    note = note_path(1)
    assert ck("attest", note, "--as", "jdoe", "--reason", "x") == 1  # not signed yet
    assert ck("sign", note) == 0
    assert ck("attest", note, "--as", "jdoe", "--reason", "x") == 1
    assert "signed in time" in capsys.readouterr().err


def test_edit_after_signing_is_detected_in_the_work_tree_and_after_no_verify(practice: Path) -> None:
    note = note_path(1)
    assert ck("sign", note) == 0
    signing = git_out(practice, "rev-parse", "--short=10", "HEAD")
    path = practice / note
    signed = path.read_text()
    path.write_text(signed.replace("four hours", "five hours"))
    found = locking(practice)
    assert len(found) == 1 and "CK505" in found[0] and signing in found[0]
    assert found[0].startswith(f"{note}:")
    git(practice, "commit", "-q", "--no-verify", "-am", "tidy wording")
    found = locking(practice)
    assert len(found) == 1 and signing in found[0]
    # `chartkeep check` reports it too, once the check is registered
    assert "CK505" in {p.code for p in check_locking(load_practice(practice, paths=[note]))}
    path.write_text(signed)
    git(practice, "commit", "-q", "--no-verify", "-am", "restore")
    assert locking(practice) == []


def test_removing_the_signature_or_the_note_is_detected(practice: Path) -> None:
    note = note_path(1)
    assert ck("sign", note) == 0
    path = practice / note
    signed = path.read_text()
    path.write_text("\n".join(line for line in signed.split("\n") if not line.startswith("signed:")))
    assert "`signed:` field has been removed" in "".join(locking(practice))
    path.unlink()
    git(practice, "commit", "-q", "--no-verify", "-am", "remove")
    assert "has been deleted" in "".join(locking(practice))


def test_addendum_is_appended_signed_and_then_locked(practice: Path, capsys) -> None:
    note = note_path(1)
    assert ck("addendum", note) == 1  # only a signed note takes an addendum
    assert ck("sign", note) == 0
    path = practice / note
    signed = path.read_text()
    assert ck("addendum", note) == 0
    opened = path.read_text()
    assert opened.startswith(signed)
    heading = opened[len(signed) :].strip()
    assert heading.startswith("## Addendum ") and heading.endswith(" — Jane Doe, LCSW")
    assert locking(practice) == []
    assert ck("addendum", note) == 1  # one open addendum at a time
    assert ck("sign", note) == 1  # nothing written under it yet
    assert "is empty" in capsys.readouterr().err
    path.write_text(opened + "Client called: the conflict was at home, not at work.\n")
    assert locking(practice) == []
    assert ck("sign", note) == 0
    final = path.read_text()
    assert final.startswith(opened)
    assert final.rstrip().splitlines()[-1].startswith("Electronically signed by Jane Doe, LCSW on ")
    assert git_out(practice, "log", "-1", "--format=%s").startswith("sign addendum: C0001")
    assert locking(practice) == []
    assert codes(practice, note) <= {"CK703"}
    # the signed addendum is locked as well
    path.write_text(final.replace("not at work", "not at the office"))
    found = locking(practice)
    assert len(found) == 1 and "CK505" in found[0]


def test_cosignature_by_the_supervisor(practice: Path, capsys) -> None:
    note = "notes/C0001/" + note_path(2).rsplit("/", 1)[1]
    (practice / note).write_text(note_text(2, clinician="asmith").replace("four hours", "three hours"))
    git(practice, "add", note)
    git(practice, "commit", "-q", "-m", "draft")
    assert ck("cosign", note, "--as", "jdoe") == 1  # not signed yet
    assert ck("sign", note) == 0
    assert git_out(practice, "log", "-1", "--format=%an") == "Alex Smith"
    assert ck("cosign", note, "--as", "asmith") == 1  # not the supervisor
    assert "supervisor is jdoe" in capsys.readouterr().err
    assert ck("cosign", note, "--as", "jdoe") == 0
    text = (practice / note).read_text()
    assert 'cosigned: {by: jdoe, at: "' in text
    assert git_out(practice, "log", "-1", "--format=%an|%s").startswith("Jane Doe|cosign: C0001")
    assert "CK507" not in codes(practice, note)
    assert locking(practice) == []
    assert ck("cosign", note, "--as", "jdoe") == 1  # once


def test_history_lists_created_signed_addendum_cosigned(practice: Path, capsys) -> None:
    note = note_path(10)
    assert ck("sign", note) == 0
    assert ck("attest", note, "--as", "jdoe", "--reason", "late") == 0
    assert ck("addendum", note) == 0
    path = practice / note
    path.write_text(path.read_text() + "Correction: the session was in the office.\n")
    assert ck("sign", note) == 0
    path.write_text(path.read_text().replace("low mood", "a low mood"))
    capsys.readouterr()
    assert ck("history", note) == 0
    lines = capsys.readouterr().out.splitlines()
    kinds = [line[18:40].strip() for line in lines]
    assert kinds == ["created", "signed (late)", "attested", "addendum signed", "changed after signing"]
    assert "Jane Doe <jane@example.org>" in lines[1]
    assert "Test Clinician" in lines[0]


def test_signing_a_psychotherapy_note(practice: Path) -> None:
    note = f"private/C0001/{today() - dt.timedelta(days=1)}.md"
    (practice / note).parent.mkdir(parents=True)
    (practice / note).write_text(PRIVATE.format(date=today() - dt.timedelta(days=1)))
    assert ck("sign", note) == 0
    text = (practice / note).read_text()
    assert "\nsigned: {by: jdoe" in text and "Electronically signed by Jane Doe, LCSW" in text
    assert git_out(practice, "log", "-1", "--format=%s") == (
        f"sign: C0001 {today() - dt.timedelta(days=1)} psychotherapy"
    )
    assert locking(practice) == []


def test_a_signed_psychotherapy_note_passes_the_checks(practice: Path) -> None:
    note = f"private/C0001/{today() - dt.timedelta(days=1)}.md"
    (practice / note).parent.mkdir(parents=True)
    (practice / note).write_text(PRIVATE.format(date=today() - dt.timedelta(days=1)))
    assert ck("sign", note) == 0
    assert codes(practice, note) == set()


def test_chartkeep_check_reports_ck505(practice: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import chartkeep.checks

    if "locking:check_locking" not in getattr(chartkeep.checks, "PRACTICE_CHECKS", ()):
        monkeypatch.setattr(chartkeep.checks, "EXTRA_CHECKS", ["locking:check_locking"])
    note = note_path(1)
    assert ck("sign", note) == 0
    path = practice / note
    path.write_text(path.read_text().replace("four hours", "five hours"))
    capsys.readouterr()
    assert ck("check", note) == 1
    assert f"{note}:24: error CK505: changed after it was signed in commit" in capsys.readouterr().out


def test_ssh_signed_commit_is_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import shutil

    assert shutil.which("ssh-keygen"), "ssh-keygen is missing: run `make system-deps` (openssh-client)"
    scrub_environ(monkeypatch)
    key = tmp_path / "id_ed25519"
    import subprocess

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "jane", "-f", str(key)], check=True)
    root = make_practice(tmp_path / "practice", notes=(1, 2), jdoe_extra=f'signing_key = "{key}"')
    monkeypatch.chdir(root)
    assert ck("sign", note_path(1)) == 0
    assert "allowed_signers" in capsys.readouterr().err
    signers = (root / ".chartkeep/allowed_signers").read_text()
    assert signers.startswith('jane@example.org namespaces="git" ssh-ed25519 ')
    assert git_out(root, "log", "-2", "--format=%s").splitlines()[1] == "signers: add jdoe's SSH key"
    assert locking(root) == []
    assert ck("history", note_path(1)) == 0
    assert "SSH-signed, verified (jane@example.org)" in capsys.readouterr().out
    # a signature nobody can verify: the note signed by hand in an unsigned commit
    other = root / note_path(2)
    from chartkeep.signing import sign

    other.write_text(
        sign(
            other.read_text(),
            "jdoe",
            "Jane Doe",
            "LCSW",
            dt.datetime.now().replace(second=0, microsecond=0),
            late=False,
        )
    )
    git(root, "commit", "-q", "-am", "signed by hand")
    found = locking(root)
    assert len(found) == 1 and "is not SSH-signed" in found[0] and note_path(2) in found[0]


def test_outside_git_one_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scrub_environ(monkeypatch)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = make_practice(tmp_path / "plain", notes=(1, 2, 3), commit=False)
    found = check_locking(load_practice(root))
    assert len(found) == 1 and found[0].severity == "warning" and "not a git repository" in found[0].message
    monkeypatch.chdir(root)
    assert ck("sign", note_path(1)) == 2  # signing needs the history


def test_pre_commit_guard(practice: Path, capsys) -> None:
    note = note_path(1)
    draft = practice / note_path(10)
    draft.write_text(draft.read_text().replace("four hours", "six hours"))
    git(practice, "add", note_path(10))
    assert refuse_signed_changes(practice) == []  # drafts can always be saved
    git(practice, "commit", "-q", "-m", "draft")
    assert ck("sign", note) == 0
    path = practice / note
    signed = path.read_text()
    path.write_text(signed.replace("four hours", "five hours"))
    git(practice, "add", note)
    messages = refuse_signed_changes(practice)
    assert len(messages) == 1 and messages[0].startswith(f"{note}:") and "chartkeep addendum" in messages[0]
    path.write_text(signed + "\n## Addendum 2026-01-01 10:00 — Jane Doe, LCSW\n\nA correction.\n")
    git(practice, "add", note)
    assert refuse_signed_changes(practice) == []
    git(practice, "rm", "-q", "--cached", note)
    assert "would be deleted" in refuse_signed_changes(practice)[0]


def test_encrypted_practice_sign_guard_and_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """In a git-crypt practice: the commit is ciphertext, the hook refuses an edit of a signed
    note, and an edit committed with --no-verify is still found (blobs decrypted in-process)."""
    scrub_environ(monkeypatch)
    root = tmp_path / "practice"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Clinician")
    git(root, "config", "user.email", "clinician@example.org")
    assert ck("init", str(root)) == 0
    make_practice(root, notes=(1,), commit=False)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "practice")
    monkeypatch.chdir(root)
    note = note_path(1)
    assert ck("sign", note) == 0
    assert git(root, "cat-file", "-p", f"HEAD:{note}").stdout.startswith(b"\0GITCRYPT\0")
    path = root / note
    path.write_text(path.read_text().replace("four hours", "five hours"))
    refused = git(root, "commit", "-q", "-am", "tidy", check=False)
    assert refused.returncode != 0 and b"signed and locked" in refused.stderr
    git(root, "commit", "-q", "--no-verify", "-am", "tidy")
    found = locking(root)
    assert len(found) == 1 and "CK505" in found[0]
