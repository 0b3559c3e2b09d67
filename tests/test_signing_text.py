"""The text edits of signing: every byte the therapist wrote is kept; only additions pass the lock."""

from __future__ import annotations

import datetime as dt

import pytest
from chartkeep.signing import (
    add_addendum,
    addenda,
    insert_fields,
    locked_change,
    open_addendum,
    sign,
    sign_addendum,
    signature_field,
    split,
)

AT = dt.datetime(2026, 3, 4, 20, 15)
NOTE = """---
record: note   # a comment the therapist wrote
start: "19:03"
risk:
  suicidal: denied
---

## Plan
Regular sleep routine.
"""


def test_sign_inserts_before_the_closing_fence_and_appends_the_line() -> None:
    signed = sign(NOTE, "jdoe", "Jane Doe", "LCSW", AT, late=False)
    assert (
        signed
        == NOTE.replace("\n---\n\n## Plan", '\nsigned: {by: jdoe, at: "2026-03-04T20:15"}\n---\n\n## Plan')
        + "\nElectronically signed by Jane Doe, LCSW on 2026-03-04 20:15\n"
    )
    assert "late: true" in sign(NOTE, "jdoe", "Jane Doe", "LCSW", AT, late=True)


def test_crlf_bom_and_a_missing_final_newline_are_kept() -> None:
    text = "\ufeff" + NOTE.replace("\n", "\r\n").rstrip("\r\n")
    signed = sign(text, "jdoe", "Jane Doe", "LCSW", AT, late=False)
    assert signed.startswith("\ufeff---\r\nrecord: note   # a comment")
    assert "\n" not in signed.replace("\r\n", "")
    assert signed.endswith("routine.\r\n\r\nElectronically signed by Jane Doe, LCSW on 2026-03-04 20:15\r\n")
    assert locked_change(signed, signed.replace("\r\n", "\n")) is None


def test_values_that_yaml_would_misread_are_quoted() -> None:
    assert signature_field("signed", "no", AT) == 'signed: {by: "no", at: "2026-03-04T20:15"}'
    field = signature_field("attestation", "jdoe", AT, 'Paper chart, "lost" key')
    assert field.endswith('reason: "Paper chart, \\"lost\\" key"}')


def test_addendum_cycle() -> None:
    signed = sign(NOTE, "jdoe", "Jane Doe", "LCSW", AT, late=False)
    opened = add_addendum(signed, "Jane Doe", "LCSW", AT + dt.timedelta(days=1))
    assert opened.startswith(signed)
    assert opened.endswith("\n\n## Addendum 2026-03-05 20:15 — Jane Doe, LCSW\n\n")
    found = open_addendum(opened)
    assert found is not None and not found.written and found.name == "Jane Doe"
    written = opened + "The sleep routine starts Monday.\n"
    assert locked_change(signed, written) is None
    done = sign_addendum(written, "Jane Doe", "LCSW", AT + dt.timedelta(days=1))
    assert open_addendum(done) is None and addenda(split(done).body)[-1].signed
    assert locked_change(signed, done) is None
    assert locked_change(done, done.replace("Monday", "Tuesday")) is not None
    assert locked_change(opened, written) is None  # an unsigned addendum may still be written


def test_addendum_cycle_in_a_crlf_note() -> None:
    """The credential is read without the line's \r (sign used to look for "LCSW\r")."""
    signed = sign(NOTE.replace("\n", "\r\n"), "jdoe", "Jane Doe", "LCSW", AT, late=False)
    opened = add_addendum(signed, "Jane Doe", "LCSW", AT + dt.timedelta(days=1))
    found = open_addendum(opened + "Written.\r\n")
    assert found is not None and found.name == "Jane Doe" and found.credential == "LCSW"


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda t: t.replace("Regular sleep", "Irregular sleep"), "signed text differs"),
        (lambda t: t.replace('start: "19:03"', 'start: "19:00"'), "front matter line 3"),
        (lambda t: t.replace("suicidal: denied", "suicidal: passive"), "front matter line 5"),
        (lambda t: t + "\nOne more thing.\n", "outside an addendum"),
        (lambda t: t + "\n## Addendum 2026-03-05 20:15 — Jane Doe, LCSW\n\nok\n\n## Plan\nnew plan\n", "not an addendum"),
        (lambda t: t + "\n## Addendum\n\nLate correction, by no one on no date.\n", "no date and author"),
        (lambda t: t + "\n## Addendum x\n\nok\n", "no date and author"),
        (lambda t: t.replace("---\n\n## Plan", "---\n## Plan"), "signed text differs"),
    ],
)
def test_changes_to_signed_text_are_caught(edit, reason) -> None:  # type: ignore[no-untyped-def]
    signed = sign(NOTE, "jdoe", "Jane Doe", "LCSW", AT, late=False)
    change = locked_change(signed, edit(signed))
    assert change is not None and reason in change.reason


def test_cosignature_and_attestation_may_be_added_but_not_changed() -> None:
    signed = sign(NOTE, "jdoe", "Jane Doe", "LCSW", AT, late=True)
    cosigned = insert_fields(signed, [signature_field("cosigned", "sup", AT)])
    attested = insert_fields(cosigned, [signature_field("attestation", "jdoe", AT, "late")])
    assert locked_change(signed, attested) is None
    assert locked_change(cosigned, attested) is None
    assert locked_change(attested, attested.replace('reason: "late"', 'reason: "x"')) is not None
    assert locked_change(attested, signed) is not None  # removing the co-signature
