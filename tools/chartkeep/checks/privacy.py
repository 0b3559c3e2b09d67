"""CK6xx: a note names only its own client; no client name in any path; client codes follow the
practice's pattern (codes are the only identifiers allowed in paths, commits and URLs)."""

from __future__ import annotations

import re
from operator import attrgetter

from chartkeep.model import Client, GroupSession, ProgressNote, Record
from chartkeep.practice import Practice
from chartkeep.problems import Problem, problem
from chartkeep.reader import RawRecord

# `\b[A-Z]` written as `[A-Z](?<=\b[A-Z])`: the same matches, but a pattern that opens with a
# character class lets the regex engine skip straight to capitals instead of trying every position.
_CAPITALISED_PAIR = re.compile(r"([A-Z](?<=\b[A-Z])[a-zA-Z'’-]+)\s+([A-Z][a-zA-Z'’-]+)\b")
_PATH_TOKENS = re.compile(r"[^a-z0-9]+")
# For str.translate: every ASCII character that `_PATH_TOKENS` splits on, as a space.
_ASCII_SEPARATORS = {c: " " for c in range(128) if not ("a" <= chr(c) <= "z" or "0" <= chr(c) <= "9")}
MIN_NAME_PART = 3


def _name_key(first: str, last: str) -> str:
    return f"{first} {last}".casefold()


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
    for match in _CAPITALISED_PAIR.finditer(body):
        key = _name_key(match[1], match[2])
        if key not in seen:
            line += body.count("\n", counted, match.start())
            counted = match.start()
            seen[key] = line
    return tuple(seen.items())


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


def _names_in_paths(practice: Practice) -> list[Problem]:
    parts: dict[str, str] = {}
    for code, client in practice.clients.items():
        for part in client.name.split():
            token = part.casefold().strip(".,'’")
            if len(token) >= MIN_NAME_PART:
                parts[token] = code
    paths = list(map(attrgetter("path"), practice.raws))
    # A token never spans a "/" (and case folding reads no context), so the tokens of all the
    # paths joined by "/" are the tokens of each: one split finds the name parts any path holds,
    # usually none. Only paths that contain one of those are split on their own.
    held = parts.keys() & _path_tokens("/".join(paths).casefold())
    if not held:
        return []
    out = []
    for path in paths:
        folded = path.casefold()
        if not any(part in folded for part in held):
            continue
        hit = sorted(parts.keys() & _path_tokens(folded))
        if hit:
            out.append(problem("CK602", path, 0,
                               f"the path contains a client's name ({hit[0]!r}): rename it using only "
                               "the client code and date"))
    return out


def _path_tokens(text: str) -> list[str]:
    """The words of a (case-folded) path: `_PATH_TOKENS.split(text)` but empty strings, found
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
