"""CK7xx warnings: the documentation habits the seed article and payers warn about: vague or
subjective wording, personal opinions, notes far off the practice's usual length, and notes
cloned from the previous one (what payers reject as copy-forward)."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterator

from chartkeep.checks import Env, Features, features
from chartkeep.model import ProgressNote, Record
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem
from chartkeep.reader import COMMENT

_VAGUE = re.compile(
    r"\b(?:seem(?:s|ed)?|appear(?:s|ed)?)\s+(?:to\s+(?:be|feel)\s+)?(?:a\s+bit\s+|kind\s+of\s+|very\s+|really\s+|quite\s+)?"
    r"(?:upset|sad|angry|fine|okay|ok|happy|better|worse|off|down|good|bad|anxious|depressed|"
    r"stressed|agitated|frustrated|irritated|distressed)\b"
    r"|\b(?:seem(?:s|ed)?|appear(?:s|ed)?)\s+to\s+be\s+(?:at\s+risk|doing|having|struggling)\b"
    r"|\bdoes\s+not\s+(?:currently\s+)?seem\b",
    re.I,
)
_OPINION = re.compile(
    r"\b(?:I\s+(?:think|feel|believe|suspect)\s+(?:that\s+)?(?:he|she|they|the\s+client)\b|"
    r"lazy|manipulative|attention[- ]seeking|crazy|hysterical|whiny|drama\s+queen|difficult\s+client)\b",
    re.I,
)
# Cheap prefilter: the opinion pattern only runs on bodies that contain one of these.
_OPINION_WORDS = ("i think", "i feel", "i believe", "i suspect", "lazy", "manipulat", "attention",
                  "crazy", "hysterical", "whiny", "drama", "difficult client")
MIN_NOTES_FOR_LENGTH = 20
LONG_FACTOR = 4.0
SHORT_FACTOR = 0.25
CLONE_SIMILARITY = 0.8
MIN_SENTENCES = 4


def local(record: Record, env: Env) -> list[Problem]:
    return _wording(record) if isinstance(record, ProgressNote) else []


def check_quality(practice: Practice) -> list[Problem]:
    return [*_lengths(practice), *_clones(practice)]


def _features(practice: Practice, note: ProgressNote) -> Features:
    found = practice.features.get(note.path)
    return found if found is not None else features(note)


def _clinical_text(note: ProgressNote) -> str:
    return COMMENT.sub(lambda m: " " * len(m.group(0)), note.raw.body)


def _wording(note: ProgressNote) -> list[Problem]:
    text = _clinical_text(note)
    lowered = text.lower()
    out = []
    vague = _VAGUE.search(text) if ("seem" in lowered or "appear" in lowered) else None
    if vague:
        line = note.raw.body_line + text.count("\n", 0, vague.start())
        out.append(problem("CK701", note.path, line,
                           f"vague wording {vague.group(0)!r}: describe what you observed "
                           "(e.g. 'tearful, speech slowed, said \"I can't sleep\"')"))
    opinion = _OPINION.search(text) if any(word in lowered for word in _OPINION_WORDS) else None
    if opinion:
        line = note.raw.body_line + text.count("\n", 0, opinion.start())
        out.append(problem("CK704", note.path, line,
                           f"{opinion.group(0)!r} is a personal opinion or a judgement: record "
                           "observed behaviour and the client's words instead"))
    return out


def _lengths(practice: Practice) -> list[Problem]:
    by_type: dict[str, list[ProgressNote]] = defaultdict(list)
    for note in practice.notes:
        by_type[note.type].append(note)
    out = []
    for notes in by_type.values():
        if len(notes) < MIN_NOTES_FOR_LENGTH:
            continue
        sizes = {n.path: _features(practice, n).chars for n in notes}
        usual = statistics.median(sizes.values())
        if usual <= 0:
            continue
        for note in notes:
            size = sizes[note.path]
            if size > usual * LONG_FACTOR:
                out.append(problem("CK702", note.path, 1,
                                   f"{size} characters, over {LONG_FACTOR:g}× this practice's usual "
                                   f"{note.type} note ({int(usual)}): keep to what the session needs; "
                                   "process material belongs in a psychotherapy note"))
            elif size < usual * SHORT_FACTOR:
                out.append(problem("CK702", note.path, 1,
                                   f"{size} characters, under a quarter of this practice's usual "
                                   f"{note.type} note ({int(usual)}): is anything missing?"))
    return out


def _consecutive(practice: Practice) -> Iterator[tuple[ProgressNote, ProgressNote]]:
    previous: ProgressNote | None = None
    for note in practice.notes:  # sorted by client, date, start
        if not note.billable or note.type == "group":
            continue
        if previous is not None and previous.client == note.client:
            yield previous, note
        previous = note


def _clones(practice: Practice) -> list[Problem]:
    out = []
    for previous, note in _consecutive(practice):
        before = _features(practice, previous).sentence_set()
        now = _features(practice, note).sentence_set()
        if len(now) < MIN_SENTENCES or len(before) < MIN_SENTENCES:
            continue
        shared = len(now & before) / len(now | before)
        if shared >= CLONE_SIMILARITY:
            out.append(problem("CK703", note.path, 1,
                               f"{shared:.0%} of its sentences repeat the previous note "
                               f"({previous.path}): payers reject cloned notes; write what happened "
                               "in this session"))
    return out
