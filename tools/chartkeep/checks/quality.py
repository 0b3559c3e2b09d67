"""CK7xx warnings: the documentation habits the seed article and payers warn about: vague or
subjective wording, personal opinions, notes far off the practice's usual length, and notes
cloned from the previous one (what payers reject as copy-forward)."""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from collections.abc import Iterator

from chartkeep.checks import Env, Rows, RowsCheck, features
from chartkeep.model import ProgressNote, Record
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem
from chartkeep.reader import COMMENT
from chartkeep.schema import UNBILLED_TYPES
from chartkeep.settings import Settings

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


def _starts(*openings: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(opening) for opening in openings)


# How every match of each pattern above opens, lower-cased (keep them in step with the patterns;
# a test holds `_search` equal to `search`). Each begins with a literal, which the regex engine
# finds as fast as str.find; the patterns themselves (IGNORECASE, a leading \b) would be tried at
# every character of the body.
_VAGUE_STARTS = _starts("seem", "appear", "does")
_OPINION_STARTS = _starts(r"i\s", "lazy", "manipulative", "attention", "crazy", "hysterical", "whiny",
                          "drama", "difficult")
# IGNORECASE matches these to "i" and "s", but str.lower() leaves them as they are.
_FOLDED_APART = ("\u0131", "\u017f")  # ı, ſ

MIN_NOTES_FOR_LENGTH = 20
LONG_FACTOR = 4.0
SHORT_FACTOR = 0.25
CLONE_SIMILARITY = 0.8
MIN_SENTENCES = 4


def local(record: Record, env: Env) -> list[Problem]:
    return _wording(record) if isinstance(record, ProgressNote) else []


def check_quality(practice: Practice) -> list[Problem]:
    """Each note against the client's previous one: cloned notes."""
    billable: list[tuple[ProgressNote, str, bytes]] = []  # group notes left out
    features_of = practice.features
    for note in practice.notes:
        kind = note.type
        if kind not in UNBILLED_TYPES and kind != "group":  # `note.billable`
            found = features_of.get(note.path)
            billable.append((note, note.client, (found if found is not None else features(note)).sentences))
    return _clones(billable)


def _sizes(practice: Practice) -> Rows:
    """Each note's `(path, type, length in characters)`."""
    features_of = practice.features
    out: Rows = []
    for note in practice.notes:
        found = features_of.get(note.path)
        out.append((note.path, note.type, (found if found is not None else features(note)).chars))
    return out


def _clinical_text(note: ProgressNote) -> str:
    return COMMENT.sub(lambda m: " " * len(m.group(0)), note.raw.body)


def _wording(note: ProgressNote) -> list[Problem]:
    text = _clinical_text(note)
    lowered = text.lower()
    out = []
    vague = (_search(_VAGUE, _VAGUE_STARTS, text, lowered)
             if ("seem" in lowered or "appear" in lowered) else None)
    if vague:
        line = note.raw.body_line + text.count("\n", 0, vague.start())
        out.append(problem("CK701", note.path, line,
                           f"vague wording {vague.group(0)!r}: describe what you observed "
                           "(e.g. 'tearful, speech slowed, said \"I can't sleep\"')"))
    opinion = (_search(_OPINION, _OPINION_STARTS, text, lowered)
               if any(word in lowered for word in _OPINION_WORDS) else None)
    if opinion:
        line = note.raw.body_line + text.count("\n", 0, opinion.start())
        out.append(problem("CK704", note.path, line,
                           f"{opinion.group(0)!r} is a personal opinion or a judgement: record "
                           "observed behaviour and the client's words instead"))
    return out


def _search(pattern: re.Pattern[str], starts: tuple[re.Pattern[str], ...], text: str,
            lowered: str) -> re.Match[str] | None:
    """`pattern.search(text)`, tried only where one of `starts` finds a match's opening in
    `lowered` (`text.lower()`) instead of at every character: the same leftmost match.

    That holds when every character lower-cases to one (positions in `lowered` are then those in
    `text`) and none is one that IGNORECASE folds where str.lower() does not (a test checks every
    character); for the rare text where it fails, search it all.
    """
    if not text.isascii() and (len(lowered) != len(text) or any(c in text for c in _FOLDED_APART)):
        return pattern.search(text)
    places = sorted({place for start in starts for place in _places(start, lowered)})
    for place in places:
        match = pattern.match(text, place)
        if match:
            return match
    return None


def _places(start: re.Pattern[str], text: str) -> Iterator[int]:
    """Every index where `start` matches, overlapping ones included."""
    found = start.search(text)
    while found:
        yield found.start()
        found = start.search(text, found.start() + 1)


_FINGERPRINT_SIZE = array("I").itemsize  # how `Features.sentences` packs each fingerprint


def _judge_lengths(rows: Rows, settings: Settings) -> list[Problem]:
    """Notes far longer or shorter than the practice's usual note of their type."""
    by_type: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path, kind, size in rows:
        by_type[kind].append((path, size))
    out = []
    for kind, sized in by_type.items():
        if len(sized) < MIN_NOTES_FOR_LENGTH:
            continue
        usual = _median([size for _, size in sized])  # one size per note: each path is one note
        if usual <= 0:
            continue
        for path, size in sized:
            if size > usual * LONG_FACTOR:
                out.append(problem("CK702", path, 1,
                                   f"{size} characters, over {LONG_FACTOR:g}× this practice's usual "
                                   f"{kind} note ({int(usual)}): keep to what the session needs; "
                                   "process material belongs in a psychotherapy note"))
            elif size < usual * SHORT_FACTOR:
                out.append(problem("CK702", path, 1,
                                   f"{size} characters, under a quarter of this practice's usual "
                                   f"{kind} note ({int(usual)}): is anything missing?"))
    return out


check_lengths = RowsCheck("check_lengths", _sizes, _judge_lengths)


def _median(values: list[int]) -> float:
    """`statistics.median` (the same value), without importing `statistics` for one call."""
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def _clones(billable: list[tuple[ProgressNote, str, bytes]]) -> list[Problem]:
    """Each note against the client's previous one (the notes with their client and sentence
    fingerprints, sorted by client, date and start)."""
    out = []
    previous: tuple[ProgressNote, str, bytes] | None = None
    for item in billable:
        note, client, sentences = item
        if previous is not None and previous[1] == client:
            shared = _shared_if_cloned(previous[2], sentences)
            if shared is not None:
                out.append(problem("CK703", note.path, 1,
                                   f"{shared:.0%} of its sentences repeat the previous note "
                                   f"({previous[0].path}): payers reject cloned notes; write what "
                                   "happened in this session"))
        previous = item
    return out


def _shared_if_cloned(before: bytes, now: bytes) -> float | None:
    """The share of two notes' sentences (packed fingerprints, no repeats) that both hold, when
    it reaches CLONE_SIMILARITY: `len(now & before) / len(now | before)` of their sets.

    Building the sets costs more than the rest of this check, and most pairs are ruled out
    without them. The share is at most `most / (both counts - most)` for any `most` the shared
    count cannot exceed: the smaller count, or the later note's count less its fingerprints
    whose first byte is the first byte of none of the earlier note's (those cannot be shared)."""
    size = _FINGERPRINT_SIZE
    before_count, now_count = len(before) // size, len(now) // size
    total = before_count + now_count
    most = min(before_count, now_count)
    if most < MIN_SENTENCES or most / (total - most) < CLONE_SIMILARITY:
        return None
    most = min(most, now_count - len(now[::size].translate(None, before[::size])))
    if most / (total - most) < CLONE_SIMILARITY:
        return None
    shared = len(set(array("I", before)) & set(array("I", now)))
    similarity = shared / (total - shared)
    return similarity if similarity >= CLONE_SIMILARITY else None
