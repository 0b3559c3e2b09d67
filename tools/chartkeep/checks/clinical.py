"""CK4xx: the clinical content an auditor reads: the sections each note type needs, risk asked and
answered, measures that make sense, goals linked to the plan in force, psychotherapy notes kept to
process notes, templates reviewed."""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from functools import cache
from itertools import groupby
from operator import attrgetter

from chartkeep.checks import Env, Facts, TimedCheck
from chartkeep.model import GroupSession, ProgressNote, PsychotherapyNote, Record, TreatmentPlan
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem
from chartkeep.reader import Section
from chartkeep.schema import GOAL_TYPES
from chartkeep.settings import Settings

PLAN_TYPES = GOAL_TYPES | {"family", "group"}
GROUP_SECTIONS = ("Theme", "Interventions")


def _sections_of(env: Env, record: Record) -> tuple[str, ...]:
    if isinstance(record, GroupSession):
        return GROUP_SECTIONS
    if isinstance(record, ProgressNote):
        return env.sections.get(record.type, ())
    return ()


def local(record: Record, env: Env) -> list[Problem]:
    """Sections present and written, risk documented, psychotherapy notes kept to process."""
    if isinstance(record, ProgressNote):
        return [*_sections(record, env), *_risk(record)]
    if isinstance(record, GroupSession):
        return _sections(record, env)
    if isinstance(record, PsychotherapyNote):
        return _private_content(record)
    return []


def _sections(record: ProgressNote | GroupSession, env: Env) -> list[Problem]:
    out = []
    raw = record.raw
    by_title: dict[str, Section] = {}  # what `raw.section` finds, for all the titles at once
    for found in raw.sections:
        by_title.setdefault(found.title.casefold(), found)
    for title in _sections_of(env, record):
        section = by_title.get(title.casefold())
        if section is None:
            kind = record.type if isinstance(record, ProgressNote) else "group"
            out.append(problem("CK401", record.path, raw.body_line,
                               f"a {kind} note needs a '## {title}' section: add it and fill it in"))
        elif section.is_empty:
            out.append(problem("CK402", record.path, section.line,
                               f"'## {title}' is empty (template prompts do not count): write it"))
    return out


def _risk(note: ProgressNote) -> list[Problem]:
    out: list[Problem] = []
    if not note.billable:
        return out
    risk = note.risk
    if "risk" not in note.raw.meta:
        out.append(problem(
            "CK403", note.path, note.raw.body_line - 1,
            "risk not documented: ask about suicidal and homicidal ideation and record it, e.g. "
            "`risk: {suicidal: denied, homicidal: denied}`"))
    elif risk is not None and not risk.denied:
        missing = [name for name in ("level", "safety_plan") if not getattr(risk, name)]
        if missing:
            out.append(problem(
                "CK404", note.path, note.line("risk"),
                f"ideation is {risk.suicidal}/{risk.homicidal} (suicidal/homicidal) but "
                f"{' and '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing: record "
                "the risk level and the safety plan"))
        elif risk.level == "none":
            out.append(problem(
                "CK404", note.path, note.line("risk.level"),
                "risk level 'none' while ideation is present: assess and record the level"))
    phq9 = note.measures.get("phq9", {})
    item9 = phq9.get("item9")
    if item9 and (risk is None or risk.suicidal == "denied"):
        out.append(problem(
            "CK405", note.path, note.line("measures.phq9.item9"),
            f"PHQ-9 item 9 is {item9} (thoughts of self-harm) but no suicide risk assessment is "
            "recorded: document it under `risk` (suicidal, level, safety_plan)"))
    if item9 is not None and "total" in phq9 and item9 > phq9["total"]:
        out.append(problem("CK406", note.path, note.line("measures.phq9.item9"),
                           f"PHQ-9 item 9 ({item9}) cannot exceed the total ({phq9['total']})"))
    return out


def _plans(practice: Practice) -> list[Problem]:
    """Each note against the plan in force on its day: there is one, reviewed in time, with the
    note's goals and the measures it tracks."""
    out = []
    for client, notes in groupby(practice.notes, attrgetter("client")):
        dates, in_force, due_by = _plans_in_force(practice, client)
        for note in notes:
            kind = note.type
            if kind not in PLAN_TYPES:
                continue
            at = bisect_right(dates, note.date) - 1  # the last plan dated on or before the note
            if at < 0:
                out.append(problem(
                    "CK408", note.path, note.line("date"),
                    f"no treatment plan for {note.client} in force on {note.date}: write one "
                    f"(`chartkeep new-note {note.client} plan`) dated on or before the session"))
                continue
            plan, due = in_force[at], due_by[at]
            if due < note.date:
                out.append(problem(
                    "CK409", note.path, note.line("date"),
                    f"the plan in force ({plan.path}) was due for review on {due}, before this session: "
                    "review it and write the updated plan"))
            goals = note.goals
            for index, goal in enumerate(goals):
                if goal not in plan.goals:
                    out.append(problem(
                        "CK407", note.path, note.line(f"goals.{index}"),
                        f"goal {goal!r} is not in the plan in force ({plan.path}: "
                        f"{', '.join(plan.goals) or 'no goals'})"))
            if kind in GOAL_TYPES:
                if not goals:
                    out.append(problem(
                        "CK412", note.path, note.raw.body_line - 1,
                        f"link the session to the plan's goals: add `goals: [{', '.join(plan.goals)}]` "
                        "(the ones this session addressed)"))
                for measure in plan.measures:
                    if measure not in note.measures:
                        out.append(problem(
                            "CK414", note.path, note.raw.body_line - 1,
                            f"the plan tracks {measure} but this note has no score: add "
                            f"`measures: {{{measure}: {{total: N}}}}`"))
    return out


def _plans_in_force(
    practice: Practice, client: str
) -> tuple[list[dt.date], list[TreatmentPlan], list[dt.date]]:
    """A client's plan dates in order, the plan in force from each (`practice.plan_in_force`:
    of the plans dated on or before a day, the last in the client's list), and when that plan is
    due for review; a note's plan is then found by bisection."""
    plans = practice.plans.get(client, [])
    by_date = sorted(range(len(plans)), key=lambda position: plans[position].date)
    dates = [plans[position].date for position in by_date]
    in_force, last = [], -1
    for position in by_date:
        last = max(last, position)
        in_force.append(plans[last])
    return dates, in_force, [practice.review_due(plan) for plan in in_force]


def _reviews(practice: Practice) -> Facts:
    """Each active client's latest plan and when its review is due, `(path, line, due, client)`."""
    out: Facts = []
    for code, client in practice.clients.items():
        plans = practice.plans.get(code)
        if client.status != "active" or not plans:
            continue
        plan = plans[-1]
        out.append((plan.path, plan.line("review_by"), practice.review_due(plan), code))
    return out


def _judge_reviews(facts: Facts, now: dt.datetime, settings: Settings) -> list[Problem]:
    """Date-dependent, so only a warning: a practice that checks clean stays clean."""
    out = []
    today = now.date()
    warn_days = settings.plan_due_warning_days
    for path, line, due, code in facts:
        left = (due - today).days
        if left < 0:
            out.append(problem("CK410", path, line,
                               f"review was due {due} ({-left} days ago): review the plan with "
                               f"{code} and write the next one"))
        elif left <= warn_days:
            out.append(problem("CK410", path, line, f"review due {due}, in {left} days: schedule it"))
    return out


check_plans = TimedCheck("check_plans", _reviews, _judge_reviews, _plans)


@cache
def _psychotherapy_checks() -> tuple[tuple[re.Pattern[str], str], ...]:
    """What a psychotherapy note must not hold, compiled on first use: only the parse stage reads
    psychotherapy notes, so a warm `chartkeep check` does not pay for compiling these."""
    time_range = re.compile(
        r"\b\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\s*(?:-|–|to)\s*\d{1,2}(?::\d{2})\s*(?:[ap]\.?m\.?)?",
        re.I,
    )
    start_stop = re.compile(r"\b(?:start(?:ed)?|end(?:ed)?|stop(?:ped)?)\s+(?:time|at)\b", re.I)
    icd = re.compile(r"\b[FZ]\d{2}(?:\.[0-9A-Z]{1,4})?\b")
    medication = re.compile(
        r"\b(?:\d+(?:\.\d+)?\s?mg|sertraline|fluoxetine|escitalopram|citalopram|paroxetine|bupropion|"
        r"venlafaxine|duloxetine|mirtazapine|trazodone|lithium|lamotrigine|quetiapine|aripiprazole|"
        r"olanzapine|risperidone|alprazolam|lorazepam|clonazepam|diazepam|methylphenidate|"
        r"amphetamine|zoloft|prozac|lexapro|wellbutrin|xanax|ativan|klonopin|adderall)\b",
        re.I,
    )
    test_results = re.compile(r"\b(?:PHQ-?9|GAD-?7)\b[^.\n]*\d", re.I)
    return (
        (time_range, "session start/stop times"),
        (start_stop, "session start/stop times"),
        (icd, "a diagnosis code"),
        (medication, "medication"),
        (test_results, "test results"),
    )


def _private_content(note: PsychotherapyNote) -> list[Problem]:
    """45 CFR 164.501: these belong in the progress note, which is part of the record."""
    out = []
    body = note.raw.body
    for pattern, what in _psychotherapy_checks():
        match = pattern.search(body)
        if match:
            line = note.raw.body_line + body.count("\n", 0, match.start())
            out.append(problem(
                "CK411", note.path, line,
                f"{what} ({match.group(0).strip()!r}) in a psychotherapy note: that belongs in the "
                "progress note; keep process notes here"))
    return out


def _templates(practice: Practice) -> Facts:
    """The practice's own templates and when each was last reviewed, `(path, line, date or None)`."""
    return [(template.path, template.raw.line_of("reviewed"), template.reviewed)
            for template in practice.templates.values() if not template.path.startswith("(built-in)")]


def _judge_templates(facts: Facts, now: dt.datetime, settings: Settings) -> list[Problem]:
    out = []
    limit = dt.timedelta(days=settings.template_review_days)
    for path, line, reviewed in facts:
        if reviewed is None:
            out.append(problem("CK413", path, line,
                               "template has no `reviewed: YYYY-MM-DD`: review it and record the date"))
        elif now.date() - reviewed > limit:
            out.append(problem("CK413", path, line,
                               f"template last reviewed {reviewed}, over a year ago: review it "
                               "against current payer rules and update `reviewed`"))
    return out


check_templates = TimedCheck("check_templates", _templates, _judge_templates)
