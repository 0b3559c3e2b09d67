"""CK6xx: a note names only its own client; no client name in any path; client codes follow the
practice's pattern (codes are the only identifiers allowed in paths, commits and URLs)."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from operator import attrgetter
from pathlib import Path

from chartkeep.model import Client, GroupSession, ProgressNote, Record
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem
from chartkeep.reader import RawRecord

# A word of a name: ASCII letters, ' ’ and -, and anything outside ASCII but spaces and
# punctuation (so accented letters, other scripts and combining accents all stay in the word).
# Ranges only, no \s or \d: the regex engine then tests a character with one table look-up.
_WORD = (r"[^\x00-\x26\x28-\x2c\x2e-\x40\x5b-\x60\x7b-\x7f\x85\xa0-\xa9\xab-\xb4\xb6-\xb9\xbb-\xbf"
         r"\xd7\xf7\u1680\u2000-\u200a\u2012-\u2018\u201a-\u205f\u3000-\u303f\uff01-\uff0f\uff1a-\uff20]")
# A capitalised word starts at a word boundary with A-Z or a character outside ASCII that may be
# a letter (not punctuation, not ’); `name_pairs` drops the starts that are not letters
# or are lower-case. Opening with a character class (`X(?<=\bX)` rather than `\bX`) lets the
# regex engine skip straight past lower-case ASCII. The second word is a lookahead, so in
# "Met Ann Lee" both "Met Ann" and "Ann Lee" are found.
# (Written as the characters excluded: the same set as a list of ranges up to \U0010ffff takes
# `re` ten times longer to compile, paid by every chartkeep command that checks a note.)
_START = r"[^\x00-\x40\x5b-\xbf\xd7\xf7\u1680\u2000-\u205f\u3000-\u303f\uff01-\uff20]"
_CAPITALISED_PAIR = re.compile(rf"({_START}(?<=\b{_START}){_WORD}+)\s+(?=({_START}{_WORD}+)\b)")
_PATH_TOKENS = re.compile(r"[\W_]+")
# For str.translate: every ASCII character that `_PATH_TOKENS` splits on, as a space.
_ASCII_SEPARATORS = {c: " " for c in range(128) if not ("a" <= chr(c) <= "z" or "0" <= chr(c) <= "9")}
# Accents and vowel points dropped by `fold` (after NFKD has split them off their letters).
_MARKS = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7"
    "\u064b-\u065f\u0670\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
# Letters that carry their accent without a decomposition (case-folded already).
_LETTER_FOLDS = str.maketrans({"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ŀ": "l", "ħ": "h", "ı": "i",
                               "ŧ": "t", "æ": "ae", "œ": "oe", "þ": "th"})
MIN_NAME_PART = 3


def fold(text: str) -> str:
    """`text` for comparing names: case-folded, accents dropped (José Müller → jose muller), in
    any script. Both sides of every name comparison go through it."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _MARKS.sub("", unicodedata.normalize("NFKD", folded).translate(_LETTER_FOLDS))


def _name_key(first: str, last: str) -> str:
    return fold(f"{first} {last}")


def _names(practice: Practice) -> dict[str, str]:
    """'first last' (case-folded) → client code, from every face sheet."""
    table: dict[str, str] = {}
    for code, client in practice.clients.items():
        parts = client.name.split()
        if len(parts) >= 2:
            table[_name_key(parts[0], parts[-1])] = code
    return table


def check_privacy(practice: Practice) -> list[Problem]:
    names = _names(practice)
    out: list[Problem] = []
    features = practice.features
    for record in (*practice.notes, *practice.groups):
        found = features.get(record.path)
        pairs = found.names if found is not None else name_pairs(record.raw)
        for pair, _ in pairs:
            if pair in names:  # rare: only then is the record looked at closer
                out.extend(_other_names(record, pairs, names))
                break
    out.extend(_names_in_paths(practice))
    out.extend(_codes(practice))
    return out


def name_pairs(raw: RawRecord) -> tuple[tuple[str, int], ...]:
    """Every 'Firstname Lastname'-shaped pair in the body (case-folded) with its first line."""
    body = raw.body
    seen: dict[str, int] = {}
    line, counted = raw.body_line, 0  # lines counted up to `counted`, as matches come in order
    search, pos = _CAPITALISED_PAIR.search, 0
    while (match := search(body, pos)) is not None:
        first, last = match.groups()
        if first[0] >= "\x80" and not _capital(first[0]):
            pos = match.start() + 1  # not a word that starts a name: a name may start inside it
            continue
        pos = match.end()
        if last[0] >= "\x80" and not _capital(last[0]):
            continue
        key = f"{first} {last}".casefold()
        if not key.isascii():
            key = fold(key)
        if key not in seen:
            line += body.count("\n", counted, match.start())
            counted = match.start()
            seen[key] = line
    return tuple(seen.items())


def _capital(char: str) -> bool:
    """A letter outside ASCII that starts a name: upper-case, or from a script without case."""
    return char.isalpha() and not char.islower()


def _other_names(record: Record, pairs: tuple[tuple[str, int], ...], names: dict[str, str]) -> list[Problem]:
    own = getattr(record, "client", None) if isinstance(record, ProgressNote) else None
    out = []
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
    return out


def face_sheet_names(root: Path, pattern: re.Pattern[str]) -> list[str]:
    """Every client's name, read from the face sheets alone (no practice loaded): what scaffolding
    and autosave keep out of paths and commit messages. Never shown."""
    from chartkeep.layout import NOTES_DIR, read_regular
    from chartkeep.reader import read_record

    names = []
    try:
        folders = sorted(entry.name for entry in os.scandir(root / NOTES_DIR) if entry.is_dir())
    except OSError:
        return []
    for code in folders:
        if not pattern.fullmatch(code):
            continue
        rel = f"{NOTES_DIR}/{code}/client.md"
        try:
            raw = read_record(rel, read_regular(root / rel)[1])
        except OSError:
            continue
        if raw.readable and raw.meta.get("name"):
            names.append(str(raw.meta["name"]))
    return names


def holds_a_name(component: str, names: Iterable[str]) -> bool:
    """Whether a path component holds a part of one of `names`, as CK602 finds it."""
    return bool(path_names(component, name_parts(names)))


def name_parts(names: Iterable[str]) -> set[str]:
    """The folded words of these names that a path must not hold (3 letters or more)."""
    return {token for name in names for token in _path_tokens(fold(name)) if len(token) >= MIN_NAME_PART}


def path_names(path: str, parts: set[str]) -> list[str]:
    """The name parts that `path` holds as whole words (folded), sorted: CK602's test."""
    return sorted(parts.intersection(_path_tokens(fold(path))))


def _names_in_paths(practice: Practice) -> list[Problem]:
    parts: dict[str, str] = {}
    for code, client in practice.clients.items():
        for token in name_parts([client.name]):
            parts[token] = code
    paths = list(map(attrgetter("path"), practice.raws))
    # A token never spans a "/" (and folding reads no context), so the tokens of all the
    # paths joined by "/" are the tokens of each: one split finds the name parts any path holds,
    # usually none. Only paths that contain one of those are split on their own.
    held = parts.keys() & _path_tokens(fold("/".join(paths)))
    if not held:
        return []
    out = []
    for path in paths:
        folded = fold(path)
        if not any(part in folded for part in held):
            continue
        hit = sorted(parts.keys() & _path_tokens(folded))
        if hit:
            out.append(problem("CK602", path, 0,
                               f"the path contains a client's name ({hit[0]!r}): rename it using only "
                               "the client code and date"))
    return out


def _path_tokens(text: str) -> list[str]:
    """The words of a (folded) path: `_PATH_TOKENS.split(text)` but empty strings, found
    with str.split where the text is ASCII (several times faster)."""
    if text.isascii():
        return text.translate(_ASCII_SEPARATORS).split()
    return [token for token in _PATH_TOKENS.split(text) if token]


def _codes(practice: Practice) -> list[Problem]:
    pattern = practice.settings.code_pattern()
    out = []
    for record in practice.records:
        if isinstance(record, Client) and not pattern.fullmatch(record.client):
            out.append(problem("CK603", record.path, record.line("client"),
                               f"client code {record.client!r} does not match the practice's pattern "
                               f"{pattern.pattern!r}: use the next free code (`chartkeep new-client`)"))
    return out
