"""Author the golden cases: each invalid case is the valid base note with one mistake.

Run once to (re)write tests/data/invalid/*.md and the `# at:` line of each .expected; then
`pytest tests/test_golden.py --update-golden` writes the expected problems, which a person reviews.
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).parent
BASE = """---
record: note
type: soap
client: C0001
date: 2026-03-05
start: "19:03"
end: "19:58"
service: "90837"
pos: "11"
modality: in-person
diagnoses: [F33.0]
goals: [G1, G2]
risk: {suicidal: denied, homicidal: denied}
measures: {phq9: {total: 11, item9: 0}}
clinician: mo
session: 8
next_appointment: 2026-03-12
signed: {by: mo, at: "2026-03-05T20:40"}
---

## Subjective
Client reported increased low mood after a conflict with his partner and four hours of sleep.
He said he kept going to work and took his medication as prescribed.

## Objective
Disheveled compared with last week, slouched, slowed movements; attentive and cooperative.
Mood "down", affect congruent, speech soft, thought process linear.

## Assessment
Worsening consistent with F33.0, driven by sleep loss (G2) and the interpersonal conflict (G1).
Denied suicidal ideation; protective factors are his brother and his dog.

## Plan
Regular sleep routine from tonight; phone off an hour before bed; DBT PLEASE skills handout.

Electronically signed by Maya Okafor, LCSW on 2026-03-05 20:40
"""
NOTE = "notes/C0001/2026-03-05-soap.md"


def sub(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def fm(key: str, value: str, text: str = BASE) -> str:
    """Replace one front matter line `key: ...`."""
    pattern = re.compile(rf"^{re.escape(key)}: .*$", re.M)
    assert pattern.search(text), key
    return pattern.sub(f"{key}: {value}" if value else "", text, count=1).replace("\n\n---", "\n---")


def drop(key: str, text: str = BASE) -> str:
    return re.sub(rf"^{re.escape(key)}: .*\n", "", text, count=1, flags=re.M)


def add(line: str, text: str = BASE) -> str:
    """Add a front matter line just before the closing `---`."""
    end = text.index("\n---\n", 4)
    return f"{text[:end]}\n{line}{text[end:]}"


def unsigned(text: str) -> str:
    text = drop("signed", text)
    return re.sub(r"\nElectronically signed by .*\n", "\n", text)


FACE = """---
record: client
client: C0009
name: Robin Vale
dob: 1990-05-05
clinician: mo
payer: bluecross
diagnoses: [F41.1]
status: active
---
"""
PRIVATE = """---
record: psychotherapy
client: C0001
date: 2026-03-05
clinician: mo
---

Curious about his humour as a defence; my urge to rescue him came up again.
"""
GROUP = """---
record: group
group: tuesday
date: 2026-03-03
start: "18:00"
end: "19:30"
service: "90853"
pos: "11"
modality: in-person
clinician: mo
members: [C0001, C0002, C0004]
signed: {by: mo, at: "2026-03-03T20:00"}
---

## Theme
Coping with anticipatory anxiety.

## Interventions
Thought records; paced breathing practice.

Electronically signed by Maya Okafor, LCSW on 2026-03-03 20:00
"""
VIDEO = add(
    'client_location: "home, Springfield IL"',
    fm("modifiers", '["95"]', add("modifiers: []", fm("pos", '"10"', fm("modality", "video")))),
)

CASES: dict[str, tuple[str, bytes | str]] = {
    # CK0 reading
    "CK001-latin1": (
        NOTE,
        BASE.encode().replace(b"four hours", "quatre heures \u00e9t\u00e9".encode("latin-1")),
    ),
    "CK002-binary": (NOTE, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))),
    "CK003-empty": (NOTE, b""),
    "CK003-whitespace-only": (NOTE, b"\n  \n"),
    "CK004-locked": (NOTE, b"\x00GITCRYPT\x00" + bytes(range(12)) + b"ciphertext..."),
    "CK005-no-front-matter": (NOTE, BASE.split("---\n", 2)[2]),
    "CK005-front-matter-not-first-line": (NOTE, "\n" + BASE),
    "CK006-unclosed": (NOTE, BASE.replace("\n---\n\n## Subjective", "\n\n## Subjective", 1)),
    "CK007-unclosed-list": (NOTE, fm("diagnoses", "[F33.0")),
    "CK007-bad-indentation": (
        NOTE,
        sub("risk: {suicidal: denied, homicidal: denied}", "risk:\n  suicidal: denied\n homicidal: denied"),
    ),
    "CK008-list-front-matter": (NOTE, "---\n- record\n- note\n---\n\n## Notes\nText.\n"),
    "CK008-scalar-front-matter": (NOTE, "---\njust a sentence\n---\n\n## Notes\nText.\n"),
    "CK009-duplicate-key": (NOTE, add('service: "90834"')),
    "CK009-duplicate-nested-key": (
        NOTE,
        sub(
            "risk: {suicidal: denied, homicidal: denied}",
            "risk:\n  suicidal: denied\n  homicidal: denied\n  suicidal: passive",
        ),
    ),
    "CK010-tab": (NOTE, sub('pos: "11"', 'pos:\t"11"')),
    "CK011-anchor-alias": (NOTE, sub("diagnoses: [F33.0]", "diagnoses: &dx [F33.0]\nprevious: *dx")),
    "CK011-python-tag": (NOTE, add("payload: !!python/object/apply:os.system ['true']")),
    "CK011-merge-key": (
        NOTE,
        sub(
            "risk: {suicidal: denied, homicidal: denied}",
            "base: &b {suicidal: denied}\nrisk:\n  <<: *b\n  homicidal: denied",
        ),
    ),
    # CK1 schema
    "CK101-missing-service": (NOTE, drop("service")),
    "CK101-missing-record": (NOTE, drop("record")),
    "CK101-missing-risk-answer": (NOTE, fm("risk", "{suicidal: denied}")),
    "CK102-unknown-field-typo": (NOTE, fm("diagnoses", "[F33.0]").replace("diagnoses:", "diagnosis:")),
    "CK103-session-not-number": (NOTE, fm("session", "eight")),
    "CK103-risk-not-mapping": (NOTE, fm("risk", "denied")),
    "CK103-true-is-not-a-modality": (NOTE, fm("modality", "true")),
    "CK104-yes-is-read-as-the-word": (NOTE, fm("modality", "yes")),
    "CK104-suicidal-no": (NOTE, fm("risk", "{suicidal: no, homicidal: no}")),
    "CK104-modality-zoom": (NOTE, fm("modality", "zoom")),
    "CK105-date-slashes": (NOTE, fm("next_appointment", "03/12/2026")),
    "CK105-no-such-date": (NOTE, fm("next_appointment", "2026-02-30")),
    "CK105-signed-at-garbled": (NOTE, fm("signed", '{by: mo, at: "March 5th"}')),
    "CK106-time-am-pm": (NOTE, fm("start", "7:03 PM")),
    "CK106-time-number": (NOTE, fm("start", "1903")),
    "CK106-time-25-hours": (NOTE, fm("end", '"25:10"')),
    "CK107-dob-in-future": ("notes/C0009/client.md", FACE.replace("1990-05-05", "2031-01-01")),
    "CK108-dated-in-future": ("notes/C0001/2026-04-02-soap.md", fm("date", "2026-04-02")),
    "CK109-end-before-start": (NOTE, fm("end", '"07:58"')),
    "CK110-unknown-type": ("notes/C0001/2026-03-05-emdr.md", fm("type", "emdr")),
    "CK110-unknown-record": (NOTE, fm("record", "memo")),
    "CK111-wrong-folder": ("notes/C0004/2026-03-05-soap.md", BASE),
    "CK111-date-mismatch": ("notes/C0001/2026-03-06-soap.md", BASE),
    "CK111-type-mismatch": ("notes/C0001/2026-03-05-dap.md", BASE),
    "CK111-psychotherapy-under-notes": ("notes/C0001/2026-03-05-psychotherapy.md", PRIVATE),
    "CK111-progress-note-under-private": ("private/C0001/2026-03-05.md", BASE),
    "CK112-unknown-clinician": (NOTE, fm("clinician", "zz")),
    "CK113-no-face-sheet": ("notes/C0042/2026-03-05-soap.md", fm("client", "C0042")),
    "CK114-unknown-payer": ("notes/C0009/client.md", FACE.replace("bluecross", "aetna")),
    # CK2 billing
    "CK201-90834-too-long": (NOTE, fm("service", '"90834"')),
    "CK201-90837-too-short": (NOTE, fm("end", '"19:40"')),
    "CK201-family-under-26": (
        "notes/C0001/2026-03-05-family.md",
        fm(
            "type",
            "family",
            fm(
                "service",
                '"90847"',
                fm("end", '"19:25"', sub("## Subjective", "## Notes\nFamily session.\n\n## Subjective")),
            ),
        ),
    ),
    "CK201-crisis-under-30": (
        "notes/C0001/2026-03-05-crisis.md",
        fm(
            "type",
            "crisis",
            fm(
                "service",
                '"90839"',
                fm("end", '"19:28"', sub("## Subjective", "## Notes\nCrisis session.\n\n## Subjective")),
            ),
        ),
    ),
    "CK202-under-16-minutes": (NOTE, fm("service", '"90832"', fm("end", '"19:15"'))),
    "CK203-90785-with-crisis": (
        "notes/C0001/2026-03-05-crisis.md",
        add(
            'addons: ["90785"]',
            fm(
                "type",
                "crisis",
                fm("service", '"90839"', sub("## Subjective", "## Notes\nCrisis session.\n\n## Subjective")),
            ),
        ),
    ),
    "CK203-90840-without-90839": (NOTE, add('addons: ["90840"]')),
    "CK204-telehealth-no-location": (
        NOTE,
        fm("modality", "video", fm("pos", '"10"', add('modifiers: ["95"]'))),
    ),
    "CK205-home-but-pos-02": (NOTE, fm("pos", '"02"', VIDEO)),
    "CK205-relatives-home-is-not-home": (NOTE, VIDEO.replace("home, Springfield IL", "a relative's home, Joliet IL")),
    "CK205-in-person-with-pos-10": (NOTE, fm("pos", '"10"')),
    "CK206-video-without-modifier": (NOTE, fm("modifiers", "[]", VIDEO)),
    "CK206-in-person-with-95": (NOTE, add('modifiers: ["95"]')),
    "CK206-payer-wants-gt": (
        "notes/C0002/2026-03-04-soap.md",
        fm(
            "date",
            "2026-03-04",
            fm(
                "client",
                "C0002",
                fm(
                    "diagnoses",
                    "[F33.1]",
                    fm(
                        "goals",
                        "[G1]",
                        fm(
                            "measures",
                            "{}",
                            fm(
                                "signed",
                                '{by: mo, at: "2026-03-04T20:40"}',
                                VIDEO.replace("on 2026-03-05 20:40", "on 2026-03-04 20:40"),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    "CK207-group-of-13": (
        "notes/groups/tuesday/2026-03-03-group.md",
        GROUP.replace(
            "[C0001, C0002, C0004]",
            "[C0001, C0002, C0004, C0005, C0006, C0007, C0008, C0009, C0010, C0011, C0012, C0013, C0014]",
        ),
    ),
    "CK208-repeat-intake": (
        "notes/C0001/2026-03-05-intake.md",
        fm(
            "type",
            "intake",
            fm(
                "service",
                '"90791"',
                sub(
                    "## Subjective",
                    "## Presenting Problem\nLow mood.\n\n## History\nNone new.\n\n## Mental Status\nAlert.\n\n## Risk\nDenied.\n\n## Diagnosis\nF33.0.\n\n## Subjective",
                ),
            ),
        ),
    ),
    "CK209-overlapping-sessions": (NOTE, fm("start", '"10:30"', fm("end", '"11:25"'))),
    "CK210-unknown-service": (NOTE, fm("service", '"90899"')),
    "CK211-crisis-units": (
        "notes/C0001/2026-03-05-crisis.md",
        fm(
            "type",
            "crisis",
            fm(
                "service",
                '"90839"',
                fm("start", '"18:00"', sub("## Subjective", "## Notes\nCrisis session.\n\n## Subjective")),
            ),
        ),
    ),
    "CK212-audio-without-reason": (NOTE, fm("modality", "audio", fm("modifiers", '["93"]', VIDEO))),
    # CK3 diagnosis
    "CK301-not-a-code": (NOTE, fm("diagnoses", "[F99.99]")),
    "CK301-spelled-with-space": (NOTE, fm("diagnoses", '["F 33.0"]')),
    "CK302-category-header": (NOTE, fm("diagnoses", "[F43.1]")),
    "CK303-not-on-face-sheet": (NOTE, fm("diagnoses", "[F33.0, F41.1]")),
    # CK4 clinical
    "CK401-missing-assessment": (NOTE, re.sub(r"## Assessment\n.*?\n\n", "", BASE, count=1, flags=re.S)),
    "CK402-prompt-only-section": (
        NOTE,
        re.sub(
            r"(## Objective\n).*?\n\n",
            r"\1<!-- appearance, behaviour, mood, affect -->\n\n",
            BASE,
            count=1,
            flags=re.S,
        ),
    ),
    "CK403-risk-missing": (NOTE, drop("risk")),
    "CK404-passive-without-plan": (NOTE, fm("risk", "{suicidal: passive, homicidal: denied}")),
    "CK404-level-none-with-ideation": (
        NOTE,
        fm("risk", "{suicidal: active, homicidal: denied, level: none, safety_plan: reviewed}"),
    ),
    "CK405-item9-without-assessment": (NOTE, fm("measures", "{phq9: {total: 14, item9: 2}}")),
    "CK406-phq9-out-of-range": (NOTE, fm("measures", "{phq9: {total: 31, item9: 0}}")),
    "CK406-gad7-negative": (NOTE, fm("measures", "{phq9: {total: 11, item9: 0}, gad7: {total: -1}}")),
    "CK407-goal-not-in-plan": (NOTE, fm("goals", "[G1, G9]")),
    "CK408-before-first-plan": (
        "notes/C0001/2026-01-05-soap.md",
        fm(
            "date",
            "2026-01-05",
            fm(
                "signed",
                '{by: mo, at: "2026-01-05T20:40"}',
                BASE.replace("on 2026-03-05 20:40", "on 2026-01-05 20:40"),
            ),
        ),
    ),
    "CK409-plan-review-overdue": (
        "notes/C0004/2026-03-05-soap.md",
        fm(
            "client",
            "C0004",
            fm("diagnoses", "[F41.1]", fm("goals", "[G1]", fm("measures", "{gad7: {total: 9}}"))),
        ),
    ),
    "CK411-times-in-psychotherapy-note": (
        "private/C0001/2026-03-05.md",
        PRIVATE + "Session ran 7:03 PM - 7:58 PM.\n",
    ),
    "CK411-diagnosis-field-in-psychotherapy-note": (
        "private/C0001/2026-03-05.md",
        PRIVATE.replace("clinician: mo", "clinician: mo\ndiagnoses: [F33.0]"),
    ),
    "CK411-medication-in-psychotherapy-note": (
        "private/C0001/2026-03-05.md",
        PRIVATE + "Started sertraline 50 mg last week.\n",
    ),
    "CK412-goals-missing": (NOTE, drop("goals")),
    "CK414-plan-measure-missing": (NOTE, drop("measures")),
    # CK5 signatures
    "CK501-unsigned-past-deadline": (NOTE, unsigned(BASE)),
    "CK502-signed-before-end": (
        NOTE,
        fm("signed", '{by: mo, at: "2026-03-05T19:30"}', BASE.replace("20:40\n", "19:30\n")),
    ),
    "CK503-unknown-signer": (NOTE, fm("signed", '{by: ghost, at: "2026-03-05T20:40"}')),
    "CK506-signed-late-no-attestation": (
        NOTE,
        fm(
            "signed",
            '{by: mo, at: "2026-03-09T09:00"}',
            BASE.replace("on 2026-03-05 20:40", "on 2026-03-09 09:00"),
        ),
    ),
    "CK507-supervised-without-cosign": (
        NOTE,
        fm(
            "clinician",
            "lee",
            fm(
                "signed",
                '{by: lee, at: "2026-03-05T20:40"}',
                BASE.replace("Maya Okafor, LCSW", "Dana Lee, LPC-A"),
            ),
        ),
    ),
    "CK508-pasted-signature-image": (
        NOTE,
        unsigned(BASE).replace("## Plan", "## Plan").rstrip()
        + "\n\nClinician Signature:\n![signature](signature.png)\n",
    ),
    "CK508-typed-line-without-signing": (
        "notes/C0001/2026-03-10-soap.md",
        fm("date", "2026-03-10", fm("start", '"09:00"', fm("end", '"09:55"', drop("signed")))),
    ),
    "CK508-line-missing": (NOTE, re.sub(r"\nElectronically signed by .*\n", "\n", BASE)),
    # CK6 privacy
    "CK601-other-client-named": (
        NOTE,
        sub(
            "protective factors are his brother", "protective factors are Jane Doe from group and his brother"
        ),
    ),
    "CK602-name-in-path": ("notes/C0001/2026-03-05-soap-appleseed.md", BASE),
    "CK603-code-pattern": ("notes/X12/client.md", FACE.replace("C0009", "X12")),
    # CK7 quality
    "CK701-seems-upset": (NOTE, sub("Disheveled compared", "He seems upset. Disheveled compared")),
    "CK701-appears-to-be-doing": (
        NOTE,
        sub("Denied suicidal", "He appears to be doing better overall. Denied suicidal"),
    ),
    "CK703-cloned-from-last-week": (
        NOTE,
        BASE.split("\n---\n", 1)[0]
        + "\n---\n"
        + (HERE / "practice/notes/C0001/2026-02-26-soap.md")
        .read_text()
        .split("\n---\n", 1)[1]
        .replace("2026-02-26 20:30", "2026-03-05 20:40"),
    ),
    "CK704-personal-opinion": (
        NOTE,
        sub("Denied suicidal", "I think he is lazy about the homework. Denied suicidal"),
    ),
}
VALID: dict[str, tuple[str, str]] = {
    "soap": (NOTE, BASE),
    "bom-crlf": (NOTE, "\ufeff" + BASE.replace("\n", "\r\n")),
    "unquoted-times-and-codes": (
        NOTE,
        BASE.replace('"19:03"', "19:03")
        .replace('"19:58"', "19:58")
        .replace('"90837"', "90837")
        .replace('"11"', "11"),
    ),
    "video-at-home": (NOTE, VIDEO),
    "video-from-a-nursing-home-is-elsewhere": (NOTE, fm("pos", '"02"', VIDEO.replace("home, Springfield IL", "nursing home lounge, Joliet IL"))),
    "video-from-client-s-home": (NOTE, VIDEO.replace("home, Springfield IL", "client's home in Joliet")),
    "audio-with-reason": (
        NOTE,
        add(
            "audio_only_reason: client's connection could not carry video",
            fm("modality", "audio", fm("modifiers", '["93"]', VIDEO)),
        ),
    ),
    "crisis-with-one-unit": (
        "notes/C0001/2026-03-05-crisis.md",
        add(
            'addons: ["90840"]',
            fm(
                "type",
                "crisis",
                fm(
                    "service",
                    '"90839"',
                    fm(
                        "start",
                        '"18:00"',
                        fm(
                            "end",
                            '"19:30"',
                            sub(
                                "## Subjective",
                                "## Notes\nCrisis session; safety plan updated.\n\n## Subjective",
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    "passive-ideation-documented": (
        NOTE,
        fm(
            "risk",
            "{suicidal: passive, homicidal: denied, level: low, safety_plan: reviewed and updated; crisis line given}",
            fm("measures", "{phq9: {total: 15, item9: 1}}"),
        ),
    ),
    "contact-note": (
        "notes/C0001/2026-03-05-contact.md",
        '---\nrecord: note\ntype: contact\nclient: C0001\ndate: 2026-03-05\nclinician: mo\nsigned: {by: mo, at: "2026-03-05T12:00"}\n---\n\n## Notes\nClient called to confirm the appointment time.\n\nElectronically signed by Maya Okafor, LCSW on 2026-03-05 12:00\n',
    ),
    "psychotherapy-note": ("private/C0001/2026-03-05.md", PRIVATE),
    "group-session": ("notes/groups/tuesday/2026-03-03-group.md", GROUP),
}


def main() -> None:
    for folder, cases in (("invalid", CASES), ("valid", VALID)):
        target = HERE / folder
        target.mkdir(exist_ok=True)
        for name, (path, content) in cases.items():
            data = content.encode() if isinstance(content, str) else content
            (target / f"{name}.md").write_bytes(data)
            expected = target / f"{name}.expected"
            lines = expected.read_text().splitlines()[1:] if expected.exists() else []
            expected.write_text("\n".join([f"# at: {path}", *lines]) + "\n")
    print(f"{len(CASES)} invalid, {len(VALID)} valid cases")


if __name__ == "__main__":
    main()
