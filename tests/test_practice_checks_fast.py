"""The practice checks' fast paths report exactly what the plain checks they replaced reported.

The practice checks group notes by client or by clinician and day, screen whole clients with set
operations, sweep one day at a time for overlaps, find the plan in force by bisection, rule out
cloned notes without building sentence sets, and split all paths at once. Each is held equal here
to the plain version, written out as it was (one note at a time), on practices whose records are
changed at random to reach every problem (sessions that overlap across clients and groups, plans
out of order, future dates, supervised clinicians, names in paths), and on the edge cases of each
fast path (pairs of sentence sets near the clone threshold, paths with letters that case-fold to
several, plans listed out of date order).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from array import array
from bisect import bisect_right
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
from chartkeep import checks
from chartkeep.checks import billing, clinical, diagnosis, privacy, quality, records, signatures
from chartkeep.demo_data import generate
from chartkeep.layout import NOTES_DIR
from chartkeep.model import (
    Client,
    GroupSession,
    ProgressNote,
    PsychotherapyNote,
    Record,
    Session,
    Signature,
    TreatmentPlan,
)
from chartkeep.practice import Practice, index_records, load_practice
from chartkeep.problems import Problem, adjust, problem, selected
from chartkeep.reader import RawRecord
from chartkeep.settings import Settings
from hypothesis import example, given, settings
from hypothesis import strategies as st

AS_OF = dt.datetime(2026, 11, 27, 12, 0)

# --- the plain checks, as they were -----------------------------------------------------------


def plain_records(practice: Practice) -> list[Problem]:
    out: list[Problem] = []
    for record in practice.records:
        client = getattr(record, "client", None)
        if client and not isinstance(record, Client) and client not in practice.clients:
            out.append(problem("CK113", record.path, record.line("client"),
                               f"no face sheet for {client}: create {NOTES_DIR}/{client}/client.md "
                               "(`chartkeep new-client`) or fix the code"))
        if isinstance(record, GroupSession):
            for index, member in enumerate(record.members):
                if member not in practice.clients:
                    out.append(problem("CK113", record.path, record.line(f"members.{index}"),
                                       f"group member {member} has no face sheet"))
        today = practice.today
        day = getattr(record, "date", None)
        if day is not None and day > today and not isinstance(record, Client):
            out.append(problem("CK108", record.path, record.line("date"),
                               f"dated {day}, in the future (today is {today}): fix the date"))
        if isinstance(record, Client) and record.dob is not None and record.dob > today:
            out.append(problem("CK107", record.path, record.line("dob"),
                               f"date of birth {record.dob} is in the future: fix it"))
        if isinstance(record, ProgressNote) and day is not None:
            face_sheet = practice.clients.get(record.client)
            if face_sheet and face_sheet.dob and face_sheet.dob > day:
                out.append(problem("CK107", record.path, record.line("date"),
                                   f"session on {day} is before the client's date of birth "
                                   f"{face_sheet.dob} ({face_sheet.path}): fix one of them"))
    return out


def plain_billing(practice: Practice) -> list[Problem]:
    out: list[Problem] = []
    for note in practice.notes:
        if not note.billable:
            continue
        client = practice.clients.get(note.client)
        payer = practice.settings.payer(client.payer if client else None)
        telehealth_pos = {payer.telehealth_pos_home, payer.telehealth_pos_elsewhere}
        telehealth_modifiers = {payer.video_modifier, payer.audio_modifier, "95", "93", "GT"}
        if not note.telehealth:
            if note.pos in telehealth_pos and note.modality == "in-person":
                out.append(problem("CK205", note.path, note.line("pos"),
                                   f"place of service {note.pos} is telehealth but the session was in "
                                   "person: use 11 (office) or where it was held"))
            for index, modifier in enumerate(note.modifiers):
                if modifier in telehealth_modifiers:
                    out.append(problem("CK206", note.path, note.line(f"modifiers.{index}"),
                                       f"modifier {modifier} is for telehealth; this session was in person"))
            continue
        location = (note.client_location or "").strip()
        at_home = bool(billing._AT_HOME.match(location.lower()))
        expected = payer.telehealth_pos_home if at_home else payer.telehealth_pos_elsewhere
        if location and note.pos != expected:
            where = "at home" if at_home else "not at home"
            out.append(problem("CK205", note.path, note.line("pos"),
                               f"the client was {where} ({location!r}); {payer.id} wants place of service "
                               f"{expected} for that, not {note.pos}"))
        wanted = payer.video_modifier if note.modality == "video" else payer.audio_modifier
        if wanted and wanted not in note.modifiers:
            out.append(problem("CK206", note.path, note.line("modifiers"),
                               f"{note.modality} session: {payer.id} wants modifier {wanted}; add it to "
                               "`modifiers`"))
    seen: dict[tuple[str, dt.date], ProgressNote] = {}
    for note in practice.notes:
        if note.service != "90839":
            continue
        key = (note.client, note.date)
        if key in seen:
            out.append(problem("CK211", note.path, note.line("service"),
                               f"90839 is billed once a day; {seen[key].path} already bills it: "
                               "add +90840 units to the first note instead"))
        else:
            seen[key] = note
    last: dict[str, ProgressNote] = {}
    for note in practice.notes:
        if note.service not in ("90791", "90792"):
            continue
        previous = last.get(note.client)
        if previous is not None:
            client = practice.clients.get(note.client)
            days = practice.settings.payer(client.payer if client else None).repeat_intake_days
            gap = (note.date - previous.date).days
            if gap < days:
                out.append(problem("CK208", note.path, note.line("service"),
                                   f"diagnostic evaluation {gap} days after the last one ({previous.path}); "
                                   f"this payer pays a repeat after {days} days: bill psychotherapy instead"))
        last[note.client] = note
    return out


def plain_overlaps(practice: Practice) -> list[Problem]:
    by_clinician: dict[str, list[tuple[dt.datetime, dt.datetime, str, Session]]] = defaultdict(list)
    for session in (*practice.notes, *practice.groups):
        if isinstance(session, ProgressNote) and (not session.billable or session.type == "cancellation"):
            continue
        start, end = session.starts_at(), session.ends_at()
        if start is None or end is None or end <= start:
            continue
        group = getattr(session, "group", None)
        identity = f"group:{group}:{start}" if group else session.path
        by_clinician[session.clinician].append((start, end, identity, session))
    out = []
    for sessions in by_clinician.values():
        sessions.sort(key=lambda item: (item[0], item[1], item[3].path))  # ties: in order of path
        latest_end: dt.datetime | None = None
        latest: tuple[dt.datetime, dt.datetime, str, Session] | None = None
        for item in sessions:
            start, end, identity, session = item
            if latest is not None and latest_end is not None and start < latest_end and identity != latest[2]:
                out.append(problem("CK209", session.path, session.line("start"),
                                   f"{session.clinician} has another session {latest[0]:%H:%M}–"
                                   f"{latest[1]:%H:%M} that day ({latest[3].path}): fix the times"))
            if latest_end is None or end > latest_end:
                latest_end, latest = end, item
    return out


def plain_diagnoses(practice: Practice) -> list[Problem]:
    out = []
    for note in practice.notes:
        client = practice.clients.get(note.client)
        if client is None:
            continue
        for index, code in enumerate(note.diagnoses):
            if code not in client.diagnoses:
                out.append(problem("CK303", note.path, note.line(f"diagnoses.{index}"),
                                   f"{code} is not among {note.client}'s diagnoses on the face sheet "
                                   f"({', '.join(client.diagnoses) or 'none'}): update {client.path} "
                                   "if it is a new diagnosis"))
    return out


def plain_plans(practice: Practice) -> list[Problem]:
    out = []
    for note in practice.notes:
        if note.type not in clinical.PLAN_TYPES:
            continue
        plan = practice.plan_in_force(note.client, note.date)
        if plan is None:
            out.append(problem("CK408", note.path, note.line("date"),
                               f"no treatment plan for {note.client} in force on {note.date}: write one "
                               f"(`chartkeep new-note {note.client} plan`) dated on or before the session"))
            continue
        due = practice.review_due(plan)
        if due < note.date:
            out.append(problem("CK409", note.path, note.line("date"),
                               f"the plan in force ({plan.path}) was due for review on {due}, before this "
                               "session: review it and write the updated plan"))
        for index, goal in enumerate(note.goals):
            if goal not in plan.goals:
                out.append(problem("CK407", note.path, note.line(f"goals.{index}"),
                                   f"goal {goal!r} is not in the plan in force ({plan.path}: "
                                   f"{', '.join(plan.goals) or 'no goals'})"))
        if note.type in clinical.GOAL_TYPES and not note.goals:
            out.append(problem("CK412", note.path, note.raw.body_line - 1,
                               "link the session to the plan's goals: add "
                               f"`goals: [{', '.join(plan.goals)}]` (the ones this session addressed)"))
        if note.type in clinical.GOAL_TYPES:
            for measure in plan.measures:
                if measure not in note.measures:
                    out.append(problem("CK414", note.path, note.raw.body_line - 1,
                                       f"the plan tracks {measure} but this note has no score: add "
                                       f"`measures: {{{measure}: {{total: N}}}}`"))
    reviews = clinical.check_plans
    out.extend(reviews.judge(reviews.facts(practice), practice.now, practice.settings))
    return out


def plain_signatures(practice: Practice) -> list[Problem]:
    settings = practice.settings
    deadline = dt.timedelta(hours=settings.note_deadline_hours)
    out: list[Problem] = []
    signables = [*practice.notes, *practice.groups, *(p for plans in practice.plans.values() for p in plans)]
    for record in signables:
        done = signatures.completed_at(record)
        if done is None:
            continue
        signed = record.signed
        if signed is None:
            if practice.now > done + deadline:
                hours = int((practice.now - done - deadline).total_seconds() // 3600)
                out.append(problem("CK501", record.path, 1,
                                   f"unsigned {hours} hours past the {settings.note_deadline_hours}-hour "
                                   f"deadline: complete and sign it (`chartkeep sign {record.path}`), "
                                   "then attest the late signature"))
            continue
        if signed.at > done + deadline and record.attestation is None:
            out.append(problem("CK506", record.path, record.line("signed.at"),
                               f"signed {signed.at:%Y-%m-%d %H:%M}, after the "
                               f"{settings.note_deadline_hours}-hour deadline: add an attestation "
                               f"(`chartkeep attest {record.path} --as {signed.by}`)"))
        author = settings.clinicians.get(getattr(record, "clinician", "") or "")
        if (author is not None and author.supervisor and record.cosigned is None
                and practice.now > done + deadline):
            out.append(problem("CK507", record.path, record.line("signed"),
                               f"{author.id} is supervised by {author.supervisor}: co-sign it "
                               f"(`chartkeep cosign {record.path} --as {author.supervisor}`)"))
    return out


def plain_names_in_paths(practice: Practice) -> list[Problem]:
    parts: dict[str, str] = {}
    for code, client in practice.clients.items():
        for token in privacy._PATH_TOKENS.split(privacy.fold(client.name)):
            if len(token) >= privacy.MIN_NAME_PART:
                parts[token] = code
    out = []
    for raw in practice.raws:
        tokens = set(privacy._PATH_TOKENS.split(privacy.fold(raw.path)))
        hit = sorted(tokens & parts.keys())
        if hit:
            out.append(problem("CK602", raw.path, 0,
                               f"the path contains a client's name ({hit[0]!r}): rename it using only "
                               "the client code and date"))
    return out


def plain_privacy(practice: Practice) -> list[Problem]:
    names = privacy._names(practice)
    out: list[Problem] = []
    for record in (*practice.notes, *practice.groups):
        own = getattr(record, "client", None) if isinstance(record, ProgressNote) else None
        found = practice.features.get(record.path)
        pairs = found.names if found is not None else privacy.name_pairs(record.raw)
        reported: set[str] = set()
        for pair, line in pairs:
            code = names.get(pair)
            if code is None or code == own or code in reported:
                continue
            reported.add(code)
            where = "a group record is read by every member's chart" if isinstance(record, GroupSession) \
                else "another client's name must not appear in this client's record"
            out.append(problem("CK601", record.path, line,
                               f"names another client ({code}): {where}; refer to them as "
                               "'another group member' or by role"))
    out.extend(plain_names_in_paths(practice))
    out.extend(privacy._codes(practice))
    return out


def _features_of(practice: Practice, note: ProgressNote) -> checks.Features:
    found = practice.features.get(note.path)
    return found if found is not None else checks.features(note)


def plain_lengths(practice: Practice) -> list[Problem]:
    out = []
    by_type: dict[str, list[ProgressNote]] = defaultdict(list)
    for note in practice.notes:
        by_type[note.type].append(note)
    for notes in by_type.values():
        if len(notes) < quality.MIN_NOTES_FOR_LENGTH:
            continue
        sizes = {n.path: _features_of(practice, n).chars for n in notes}
        usual = statistics.median(sizes.values())
        if usual <= 0:
            continue
        for note in notes:
            size = sizes[note.path]
            if size > usual * quality.LONG_FACTOR:
                out.append(problem("CK702", note.path, 1,
                                   f"{size} characters, over {quality.LONG_FACTOR:g}× this practice's usual "
                                   f"{note.type} note ({int(usual)}): keep to what the session needs; "
                                   "process material belongs in a psychotherapy note"))
            elif size < usual * quality.SHORT_FACTOR:
                out.append(problem("CK702", note.path, 1,
                                   f"{size} characters, under a quarter of this practice's usual "
                                   f"{note.type} note ({int(usual)}): is anything missing?"))
    return out


def plain_clones(practice: Practice) -> list[Problem]:
    def features_of(note: ProgressNote) -> checks.Features:
        return _features_of(practice, note)

    out = []
    previous: ProgressNote | None = None
    for note in practice.notes:
        if not note.billable or note.type == "group":
            continue
        if previous is not None and previous.client == note.client:
            before = features_of(previous).sentence_set()
            now = features_of(note).sentence_set()
            if len(now) >= quality.MIN_SENTENCES and len(before) >= quality.MIN_SENTENCES:
                shared = len(now & before) / len(now | before)
                if shared >= quality.CLONE_SIMILARITY:
                    out.append(problem("CK703", note.path, 1,
                                       f"{shared:.0%} of its sentences repeat the previous note "
                                       f"({previous.path}): payers reject cloned notes; write what happened "
                                       "in this session"))
        previous = note
    return out


def plain_adjust(
    found: list[Problem],
    *,
    severity: dict[str, str] | None = None,
    disable: tuple[str, ...] = (),
    select: tuple[str, ...] = (),
    strict: bool = False,
) -> list[Problem]:
    out = []
    for item in found:
        if disable and selected(item.code, disable):
            continue
        if select and not selected(item.code, select):
            continue
        new_severity = (severity or {}).get(item.code, item.severity)
        if strict:
            new_severity = "error"
        if new_severity != item.severity:
            item = replace(item, severity=new_severity)
        out.append(item)
    return sorted(set(out))


PAIRS = [
    (records.check_records, plain_records),
    (billing.check_billing, plain_billing),
    (billing.check_overlaps, plain_overlaps),
    (diagnosis.check_diagnoses, plain_diagnoses),
    (clinical.check_plans, plain_plans),
    (signatures.check_signatures, plain_signatures),
    (privacy.check_privacy, plain_privacy),
    (quality.check_quality, plain_clones),
    (quality.check_lengths, plain_lengths),
]

# --- practices changed at random ----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Practice:
    """Two clinicians with groups, a fifth of the notes with injected problems."""
    root = tmp_path_factory.mktemp("fast") / "practice"
    generate(root, notes=400, seed=11, problems=0.2, clinicians=2)
    return load_practice(root, as_of=AS_OF, use_cache=False)


def changed(practice: Practice, rng: random.Random, rate: float) -> Practice:
    """The practice with some records' fields changed, some face sheets doubled, some features
    missing, maybe a supervised clinician and another deadline; indexed afresh."""
    clinicians = [*practice.settings.clinicians, "ghost"]
    codes = [*practice.clients, "C9999"]
    times = [None, *(dt.time(hour, minute) for hour in range(8, 20) for minute in (0, 15, 30, 50))]
    future = [dt.date(2026, 11, 28), dt.date(2027, 1, 4)]
    days = sorted({note.date for note in practice.notes})[::7] + future * 5
    people = [client.name for client in practice.clients.values()][:5] + ["Notes Soap", "Ann Lee", "x"]

    def signature() -> Signature | None:
        at = dt.datetime(2026, rng.randint(1, 11), 3, 12)
        return rng.choice([None, Signature(rng.choice(clinicians), at)])

    def maybe(field: str, choices: list[object], chance: float = 0.25) -> dict[str, object]:
        return {field: rng.choice(choices)} if rng.random() < chance else {}

    out: list[Record] = []
    for record in practice.records:
        if rng.random() < rate:
            change: dict[str, object] = {}
            if isinstance(record, ProgressNote | GroupSession):
                change |= maybe("start", times, 0.5) | maybe("end", times, 0.5)
                change |= maybe("clinician", clinicians) | maybe("date", days)
                change |= maybe("service", ["90839", "90791", "90792", "90834", None, "90853"])
                change |= maybe("pos", ["10", "02", "11", None])
                change |= maybe("modality", ["video", "audio", "in-person", None])
                change |= maybe("modifiers", [(), ("95",), ("93", "GT"), ("25",)])
                change |= maybe("signed", [signature(), signature()]) | maybe("cosigned", [None, signature()])
                change |= maybe("attestation", [None, signature()], 0.1)
            if isinstance(record, ProgressNote):
                change |= maybe("type", ["soap", "dap", "cancellation", "contact", "group", "intake"])
                change |= maybe("client", codes) | maybe("group", [None, "g1", "g2"])
                change |= maybe("goals", [(), ("G1",), ("G1", "G9"), ("mood",)])
                change |= maybe("diagnoses", [(), ("F33.1",), ("F41.1", "Z63.0")])
                change |= maybe("client_location", [None, "", "home, X", " at home ", "nursing home"])
                change |= maybe("measures", [{}, {"phq9": {"total": 3}}], 0.1)
            if isinstance(record, GroupSession):
                change |= maybe("members", [tuple(rng.sample(codes, 3))]) | maybe("group", ["g1", "g2"])
            if isinstance(record, Client):
                change |= maybe("dob", [None, dt.date(1990, 1, 1), dt.date(2026, 6, 1), dt.date(2027, 1, 1)])
                change |= maybe("payer", ["self-pay", "nobody", *practice.settings.payers])
                change |= maybe("client", [*codes, "bad code"]) | maybe("name", people)
                change |= maybe("status", ["active", "discharged"]) | maybe("diagnoses", [(), ("F33.1",)])
            if isinstance(record, TreatmentPlan):
                change |= maybe("date", days) | maybe("review_by", [None, *days[:3]])
                change |= maybe("goals", [{}, {"G1": "x"}, {"G1": "x", "mood": "y"}])
                change |= maybe("measures", [(), ("phq9",), ("phq9", "gad7")]) | maybe("client", codes)
                change |= maybe("signed", [signature()])
            if isinstance(record, PsychotherapyNote):
                change |= maybe("date", days)
            record = replace(record, **change)
        out.append(record)
        if isinstance(record, Client) and rng.random() < rate:
            out.append(replace(record, path=record.path.replace("client.md", "client-2.md")))
    settings_ = practice.settings
    if rng.random() < 0.5:
        first = next(iter(settings_.clinicians.values()))
        supervised = {**settings_.clinicians, first.id: replace(first, supervisor="boss")}
        deadline = rng.choice([24, 72, 100_000])
        settings_ = replace(settings_, clinicians=supervised, note_deadline_hours=deadline)
    raws = list(practice.raws)
    if rng.random() < 0.5:
        raws += [RawRecord(path=f"notes/{code}/2026-01-05-{name.split()[-1]}.md") for code, name in
                 zip(codes, people, strict=False)]
    features = {path: found for path, found in practice.features.items() if rng.random() < 0.95}
    result = Practice(root=practice.root, settings=settings_, now=practice.now, templates=practice.templates,
                      sections=practice.sections, records=out, raws=raws, features=features)
    index_records(result)
    if rng.random() < 0.3:  # plans as another loader might leave them: not in date order
        for plans in result.plans.values():
            rng.shuffle(plans)
    return result


def test_on_the_practice_as_loaded(demo: Practice) -> None:
    for fast, plain in PAIRS:  # in any order: every caller sorts them (`adjust`)
        assert sorted(fast(demo)) == sorted(plain(demo)), fast.__name__


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.03, 0.15, 0.5]))
def test_on_changed_practices(demo: Practice, seed: int, rate: float) -> None:
    practice = changed(demo, random.Random(seed), rate)
    found = list(practice.problems)
    for fast, plain in PAIRS:
        result = fast(practice)
        assert sorted(result) == sorted(plain(practice)), fast.__name__
        found.extend(result)
    for options in ({}, {"strict": True}, {"select": ("billing", "CK6")}, {"disable": ("CK7", "privacy")},
                    {"severity": {"CK201": "warning", "CK701": "error"}}):
        assert adjust(found, **options) == plain_adjust(found, **options)  # type: ignore[arg-type]


def test_the_changes_reach_every_practice_problem(demo: Practice) -> None:
    """The random changes above are worth something only if they make the checks speak."""
    codes = set()
    for seed in range(12):
        practice = changed(demo, random.Random(seed), 0.15)
        codes |= {item.code for fast, _ in PAIRS for item in fast(practice)}
    wanted = {"CK107", "CK108", "CK113", "CK205", "CK206", "CK208", "CK209", "CK303", "CK407", "CK408",
              "CK409", "CK412", "CK414", "CK501", "CK506", "CK507", "CK601", "CK602", "CK702"}
    assert wanted <= codes


# --- each fast path on its own ------------------------------------------------------------------

CLOCK = [dt.time(hour, minute) for hour in (9, 10, 11) for minute in (0, 20, 30, 45)]


@st.composite
def sessions(draw: st.DrawFn) -> list[Session]:
    """A day or two of sessions for a few clinicians: notes, group notes and group sessions."""
    raw = RawRecord(path="x", lines={"start": 3})
    out: list[Session] = []
    for index in range(draw(st.integers(0, 12))):
        start, end = draw(st.sampled_from(CLOCK)), draw(st.sampled_from(CLOCK))
        common = {"raw": raw, "date": dt.date(2026, 3, draw(st.integers(1, 2))), "start": start, "end": end,
                  "clinician": draw(st.sampled_from(["a", "b"]))}
        if draw(st.booleans()):
            group = draw(st.sampled_from(["g", "h"]))
            out.append(GroupSession(path=f"notes/groups/{group}/{index}.md", group=group, **common))
        else:
            out.append(ProgressNote(path=f"notes/C000{index % 3}/{index}.md", client=f"C000{index % 3}",
                                    type=draw(st.sampled_from(["soap", "group", "cancellation"])),
                                    group=draw(st.sampled_from([None, "g", "h"])), **common))
    return out


@settings(max_examples=400, deadline=None)
@given(sessions())
def test_overlaps_by_day_are_the_clinicians_sweep(found: list[Session]) -> None:
    practice = Practice(root=Path("."), settings=Settings(), now=AS_OF,
                        notes=[s for s in found if isinstance(s, ProgressNote)],
                        groups=[s for s in found if isinstance(s, GroupSession)])
    assert sorted(billing.check_overlaps(practice)) == sorted(plain_overlaps(practice))


@st.composite
def plan_lists(draw: st.DrawFn) -> tuple[list[TreatmentPlan], list[dt.date]]:
    raw = RawRecord(path="x")
    day = st.integers(0, 40).map(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    plans = [TreatmentPlan(path=f"plan-{index}.md", raw=raw, client="C0001", date=draw(day),
                           review_by=draw(st.one_of(st.none(), day)))
             for index in range(draw(st.integers(0, 6)))]
    return plans, draw(st.lists(day, max_size=8))


@settings(max_examples=400, deadline=None)
@given(plan_lists(), st.booleans())
def test_plan_in_force_by_bisection_is_plan_in_force(found: tuple[list[TreatmentPlan], list[dt.date]],
                                                     in_order: bool) -> None:
    plans, days = found
    if in_order:
        plans.sort(key=lambda plan: plan.date)
    practice = Practice(root=Path("."), settings=Settings(plan_review_days=10), now=AS_OF,
                        plans={"C0001": plans} if plans else {})
    dates, in_force, dues = clinical._plans_in_force(practice, "C0001")
    for day in days:
        at = bisect_right(dates, day) - 1
        plan = practice.plan_in_force("C0001", day)
        assert (in_force[at] if at >= 0 else None) is plan
        if plan is not None:
            assert dues[at] == practice.review_due(plan)


def _packed(fingerprints: set[int]) -> bytes:
    return array("I", sorted(fingerprints)).tobytes()


@st.composite
def sentence_pairs(draw: st.DrawFn) -> tuple[set[int], set[int]]:
    """Two notes' fingerprints sharing some: from none to all, both sizes near each other or not."""
    fingerprint = st.integers(0, 2**32 - 1) if draw(st.booleans()) else st.integers(0, 600)
    shared = draw(st.sets(fingerprint, max_size=30))
    before = shared | draw(st.sets(fingerprint, max_size=draw(st.sampled_from([0, 2, 8, 30]))))
    now = shared | draw(st.sets(fingerprint, max_size=draw(st.sampled_from([0, 2, 8, 30]))))
    return before, now


@settings(max_examples=1500, deadline=None)
@given(sentence_pairs())
@example((set(range(10)), set(range(10))))
@example((set(range(8)), set(range(10))))  # exactly 80 %
@example((set(range(4)), set(range(5))))
@example((set(range(3)), set(range(3))))  # too few to compare
@example(({0, 256, 512, 768}, {1, 257, 513, 769}))  # same first bytes, nothing shared
def test_clone_screen_is_the_shared_share(pair: tuple[set[int], set[int]]) -> None:
    before, now = pair
    fast = quality._shared_if_cloned(_packed(before), _packed(now))
    if len(now) < quality.MIN_SENTENCES or len(before) < quality.MIN_SENTENCES:
        assert fast is None
        return
    share = len(now & before) / len(now | before)
    assert fast == (share if share >= quality.CLONE_SIMILARITY else None)


# Letters that case-fold to several (ß, ﬀ), to ASCII (K, ſ, the Kelvin sign), or by context in lower()
# (Σ), besides any character at all.
PATH_TEXT = st.text(st.sampled_from(list("abAB01-_./ ßİıſΣσςﬀK\u212a\t")) | st.characters(), max_size=30)


@settings(max_examples=600, deadline=None)
@given(st.lists(PATH_TEXT, max_size=6))
@example(["notes/C0001/2026-01-01-Maya.md", "notes/ANN2/x.md"])
@example(["notes/Strauß/a.md", "notes/C0001/ﬀ.md"])
def test_path_tokens_joined_are_each_paths_tokens(paths: list[str]) -> None:
    joined = set(privacy._path_tokens("/".join(paths).casefold()))
    each = set()
    for path in paths:
        folded = path.casefold()
        each |= set(privacy._PATH_TOKENS.split(folded)) - {""}
        assert set(privacy._path_tokens(folded)) == set(privacy._PATH_TOKENS.split(folded)) - {""}
    assert joined == each


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(PATH_TEXT, PATH_TEXT), min_size=1, max_size=4), st.lists(PATH_TEXT, max_size=8))
@example([("Maya", "Strauß")], ["notes/C0001/maya.md", "notes/STRASSE/x.md", "notes/strauss-x/y.md"])
@example([("Ann", "Lee")], ["notes/ann2/x.md", "notes/lee/x.md"])
def test_names_in_paths_is_each_path_split(names: list[tuple[str, str]], paths: list[str]) -> None:
    raw = RawRecord(path="x")
    clients = {f"C{index:04d}": Client(path="x", raw=raw, client=f"C{index:04d}", name=f"{first} {last}")
               for index, (first, last) in enumerate(names)}
    practice = Practice(root=Path("."), settings=Settings(), now=AS_OF, clients=clients,
                        raws=[RawRecord(path=path) for path in paths])
    assert privacy._names_in_paths(practice) == plain_names_in_paths(practice)


@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=40))
def test_median_is_statistics_median(values: list[int]) -> None:
    assert quality._median(list(values)) == statistics.median(values)
    assert type(quality._median(list(values))) is type(statistics.median(values))


def test_problems_sort_as_they_compare() -> None:
    rng = random.Random(5)
    found = [Problem(rng.choice(["a", "b", "a/b"]), rng.randint(0, 3), rng.choice(["CK101", "CK2"]),
                     rng.choice(["error", "warning"]), rng.choice(["x", "y"])) for _ in range(300)]
    assert adjust(found) == sorted(set(found))


def test_every_practice_check_is_held_equal_here() -> None:
    """A practice check added later needs its plain twin above (templates and locking read other
    things than the records, and are as they were)."""
    def module(check: object) -> str:  # a timed or rows check: its stages' module
        stage = getattr(check, "facts", None) or getattr(check, "rows", None) or check
        return str(stage.__module__).rsplit(".", 1)[-1]

    held = {f"{module(fast)}:{fast.__name__}" for fast, _ in PAIRS}
    assert set(checks.PRACTICE_CHECKS) - held == {"clinical:check_templates", "locking:check_locking"}
