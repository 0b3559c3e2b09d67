"""The chart as plain data: a loaded practice and its problems in, a list of pages out.

Every page is a `ChartPage` (source path, title, HTML fragment). Nothing here knows MkDocs: the
plugin (`chart/plugin.py`) only hands these pages to MkDocs, so moving to another generator means
rewriting that thin adapter, not this module. No I/O happens here.

Privacy by construction: pages are made only for records under `notes/`. Psychotherapy notes
(`private/`) are never read here, and problems located in them are only counted, never shown.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape, unescape
from typing import Any

from chartkeep.chart.svg import MEASURES, trend_svg
from chartkeep.layout import NOTES_DIR, PRIVATE_DIR
from chartkeep.model import (
    Client,
    GroupSession,
    ProgressNote,
    Record,
    Signable,
    TreatmentPlan,
)
from chartkeep.practice import Practice
from chartkeep.problems import ERROR, Problem
from chartkeep.reader import ADDENDUM_PREFIX, RawRecord

DASHBOARD = "index.md"
CLIENTS = "clients/index.md"
GROUPS_KEY = "groups"
PRACTICE_KEY = "practice"
POS_LABELS = {
    "11": "11 office",
    "10": "10 telehealth, client at home",
    "02": "02 telehealth, client not at home",
}
_FORMATS = {"soap", "dap", "birp", "girp"}
COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_SCHEME = re.compile(r"^\s*(?:[a-z][a-z0-9+.\-]*:|//|\\\\)", re.I)


@dataclass(frozen=True)
class ChartPage:
    """One page of the chart: where it lives in the site, its title, and its HTML body."""

    src_uri: str
    title: str
    html: str
    in_nav: bool = False
    searchable: bool = True
    # what the search index holds for the page (`index_text`); None: what MkDocs finds in it
    search_text: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One committed version of a note, as the history capability reports it."""

    at: dt.datetime
    author: str
    subject: str
    commit: str
    deleted: bool = False


@dataclass
class ChartData:
    """Indexes over a practice that every page reads; built once per build."""

    practice: Practice
    problems: list[Problem]
    history: dict[str, list[HistoryEntry]] | None = None
    history_note: str = ""
    by_path: dict[str, list[Problem]] = field(default_factory=dict)
    raws: dict[str, RawRecord] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    notes_by_client: dict[str, list[ProgressNote]] = field(default_factory=dict)
    raws_by_client: dict[str, list[RawRecord]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    hidden_problems: int = 0
    # addenda per record path, counted once: a record's page, its client's chart and print view
    # show them, and counting reads the body (records from the parse cache keep none)
    addenda: dict[str, int] = field(default_factory=dict)
    # how to get a record's whole text for its numbered source lines (the build reads the file;
    # records from the parse cache keep no front matter text)
    file_text: Callable[[RawRecord], str | None] | None = None


# -- paths and links ------------------------------------------------------------------------


def is_public(path: str) -> bool:
    """Whether a practice file may appear in the chart: records under notes/ only."""
    return path.startswith(f"{NOTES_DIR}/") and not path.startswith(f"{PRIVATE_DIR}/")


def page_url(src_uri: str) -> str:
    """The directory-style URL MkDocs gives a page (`a/b.md` → `a/b/`, `index.md` → ``)."""
    stem = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


@lru_cache(maxsize=65536)
def _parts(src_uri: str) -> tuple[str, ...]:
    return tuple(part for part in page_url(src_uri).split("/") if part)


def href(from_src: str, to_src: str, anchor: str = "") -> str:
    """A relative link between two pages, so the site works under any prefix."""
    return _relative(_parts(from_src), _parts(to_src)) + (f"#{anchor}" if anchor else "")


def _relative(here: Sequence[str], there: Sequence[str]) -> str:
    """The link from one directory URL to another, each given as its parts."""
    common = 0
    for a, b in zip(here, there, strict=False):
        if a != b:
            break
        common += 1
    link = "../" * (len(here) - common) + "".join(f"{part}/" for part in there[common:])
    return link or "./"


def record_uri(path: str) -> str:
    """A record's page mirrors its file: `notes/C0001/2026-03-04-soap.md`."""
    return path


def client_uri(code: str) -> str:
    return f"clients/{code}.md"


def print_uri(code: str) -> str:
    """A client's whole chart on one page, each record starting a printed page."""
    return f"clients/{code}/print.md"


def is_print_url(url: str) -> bool:
    return url.startswith("clients/") and url.endswith("/print/")


def client_of(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] == NOTES_DIR and parts[1] != "groups":
        return parts[1]
    return None


def problem_key(path: str) -> str:
    code = client_of(path)
    if code:
        return code
    if path.startswith(f"{NOTES_DIR}/groups/"):
        return GROUPS_KEY
    return PRACTICE_KEY


# -- the data stage -------------------------------------------------------------------------


def chart_data(
    practice: Practice,
    problems: Sequence[Problem],
    history: dict[str, list[HistoryEntry]] | None = None,
    history_note: str = "",
    file_text: Callable[[RawRecord], str | None] | None = None,
) -> ChartData:
    data = ChartData(
        practice=practice,
        problems=[],
        history=history,
        history_note=history_note,
        file_text=file_text,
    )
    for item in problems:
        if item.path.startswith(f"{PRIVATE_DIR}/"):
            data.hidden_problems += 1
            continue
        data.problems.append(item)
        data.by_path.setdefault(item.path, []).append(item)
    for raw in practice.raws:
        if is_public(raw.path):
            data.raws[raw.path] = raw
            code = client_of(raw.path)
            if code:
                data.raws_by_client.setdefault(code, []).append(raw)
            elif raw.path.startswith(f"{NOTES_DIR}/groups/"):
                group = raw.path.split("/")[2] if raw.path.count("/") >= 3 else "?"
                data.groups.setdefault(group, []).append(raw.path)
    for record in practice.records:
        if is_public(record.path):
            data.records[record.path] = record
    for note in practice.notes:
        if is_public(note.path):
            data.notes_by_client.setdefault(note.client, []).append(note)
    return data


def client_codes(data: ChartData) -> list[str]:
    """Every client with a face sheet, and every folder of notes without one (never omitted)."""
    return sorted(set(data.practice.clients) | set(data.raws_by_client))


def chart_pages(data: ChartData) -> list[ChartPage]:
    """Every page of the chart."""
    return site_pages(data, client_pages(data, client_codes(data), sorted(data.raws)))


def client_pages(data: ChartData, codes: Sequence[str], paths: Sequence[str]) -> dict[str, ChartPage]:
    """The pages of these records, and the chart and print view of these clients, by source
    path: a share of the work that needs no other (a print view reuses its client's pages)."""
    made = {client_uri(code): client_page(data, code) for code in codes}
    made.update((record_uri(path), record_page(data, path)) for path in paths)
    for code in codes:
        made[print_uri(code)] = print_page(data, code, made)
    return made


def site_pages(data: ChartData, made: dict[str, ChartPage]) -> list[ChartPage]:
    """Every page, in the site's order, given every client's pages (`client_pages`)."""
    codes = client_codes(data)
    return [
        dashboard_page(data),
        clients_page(data),
        *(made[client_uri(code)] for code in codes),
        *(made[record_uri(path)] for path in sorted(data.raws)),
        *(made[print_uri(code)] for code in codes),
    ]


def page_builders(
    data: ChartData, made: dict[str, ChartPage] | None = None
) -> dict[str, Callable[[], ChartPage]]:
    """Each page's source path and how to make it: lets a rebuild remake only some pages.
    `made` holds record and client pages already made, which print views reuse: make those
    first."""
    made = made if made is not None else {}
    builders: dict[str, Callable[[], ChartPage]] = {
        DASHBOARD: lambda: dashboard_page(data),
        CLIENTS: lambda: clients_page(data),
    }
    for code in client_codes(data):
        builders[client_uri(code)] = lambda code=code: client_page(data, code)  # type: ignore[misc]
        builders[print_uri(code)] = lambda code=code: print_page(data, code, made)  # type: ignore[misc]
    for path in data.raws:
        builders[record_uri(path)] = lambda path=path: record_page(data, path)  # type: ignore[misc]
    return builders


def affected_pages(paths: Iterable[str]) -> set[str]:
    """Pages that can change when these files change (besides the dashboard and client list)."""
    out = {DASHBOARD, CLIENTS}
    for path in paths:
        if is_public(path):
            out.add(record_uri(path))
            code = client_of(path)
            if code:
                out.add(client_uri(code))
                out.add(print_uri(code))
    return out


# -- small HTML helpers ---------------------------------------------------------------------


def e(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (list, tuple)):
        return escape(", ".join(str(v) for v in value)) or "—"
    return escape(str(value))


def fmt_dt(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def note_label(note: ProgressNote | TreatmentPlan | Record) -> str:
    if isinstance(note, ProgressNote):
        kind = note.type.upper() if note.type in _FORMATS else note.type
        return f"{note.date.isoformat()} {kind}"
    if isinstance(note, TreatmentPlan):
        return f"{note.date.isoformat()} treatment plan"
    return note.path.rsplit("/", 1)[-1]


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return '<p class="ck-empty">None.</p>'
    klass = f"table table-sm {cls}".strip()
    return f'<table class="{klass}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def counts(problems: Sequence[Problem]) -> tuple[int, int]:
    errors = sum(1 for p in problems if p.severity == ERROR)
    return errors, len(problems) - errors


def badge(problems: Sequence[Problem]) -> str:
    errors, warnings = counts(problems)
    out = []
    if errors:
        out.append(f'<span class="ck-badge ck-error">{errors} error{"s" * (errors != 1)}</span>')
    if warnings:
        out.append(f'<span class="ck-badge ck-warning">{warnings} warning{"s" * (warnings != 1)}</span>')
    return " ".join(out)


def problem_item(page: str, item: Problem, *, link: bool) -> str:
    where = f"{item.path}:{item.line}" if item.line else item.path
    target = escape(where)
    if link and is_public(item.path):
        anchor = f"L{item.line}" if item.line else "problems"
        target = f'<a href="{href(page, record_uri(item.path), anchor)}">{escape(where)}</a>'
    return (
        f'<li class="ck-{item.severity}"><span class="ck-where">{target}</span> '
        f'<span class="ck-sev">{item.severity}</span> <code>{item.code}</code> '
        f"{escape(item.message)}</li>"
    )


_TAG = re.compile(r"<[^>]+>")


def index_text(html: str) -> str:
    """A page's text as the search index holds it: the text between tags, unescaped, no-break
    spaces made spaces, stripped, and each run of ASCII whitespace made one space.

    That is what MkDocs' search plugin makes of a page. It finds the text with Python's HTML
    parser, tag by tag, and collapses the spaces one regex match at a time, which together cost
    more than the rest of a note's build; here it is made with the page, on every core.
    """
    text = unescape(_TAG.sub(" ", html)).replace("\xa0", " ").strip()
    # only ASCII whitespace is collapsed (`split()` would also split at a thin space)
    for space in "\t\n\r\f\v":
        text = text.replace(space, " ")
    return " ".join(filter(None, text.split(" ")))


# -- status of a signable record ------------------------------------------------------------


def addenda(raw: RawRecord) -> list[str]:
    return [s.title for s in raw.sections if s.level == 2 and s.title.startswith(ADDENDUM_PREFIX)]


def addendum_count(data: ChartData, record: Record) -> int:
    count = data.addenda.get(record.path)
    if count is None:
        # a heading's title is text of the body: without the word, no section is an addendum
        found = ADDENDUM_PREFIX in record.raw.body
        count = data.addenda[record.path] = len(addenda(record.raw)) if found else 0
    return count


def status(data: ChartData, record: Signable) -> tuple[str, str]:
    """(css class, words) for a record's signature state."""
    if record.signed is None:
        return "ck-draft", "draft: not signed"
    words = f"signed by {record.signed.by} on {fmt_dt(record.signed.at)}"
    if record.cosigned:
        words += f", co-signed by {record.cosigned.by} on {fmt_dt(record.cosigned.at)}"
    if record.attestation:
        words += f"; late signature attested by {record.attestation.by}"
    count = addendum_count(data, record)
    if count:
        words += f"; {count} addend{'um' if count == 1 else 'a'}"
        return "ck-amended", words
    return "ck-signed", words


def due_at(practice: Practice, record: Signable) -> dt.datetime:
    """The signing deadline, by the same rule the CK501 check applies."""
    from chartkeep.checks.signatures import signature_due

    due = signature_due(record, practice.settings)
    if due is not None:
        return due
    day = getattr(record, "date", practice.today)
    return dt.datetime.combine(day, dt.time(23, 59)) + dt.timedelta(hours=practice.settings.note_deadline_hours)


def overdue_words(practice: Practice, record: Signable) -> tuple[bool, str]:
    delta = practice.now - due_at(practice, record)
    hours = int(abs(delta).total_seconds() // 3600)
    amount = f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h"
    if delta.total_seconds() > 0:
        return True, f"overdue by {amount}"
    return False, f"due in {amount}"


# -- body -----------------------------------------------------------------------------------

_md: Any = None


def _markdown() -> Any:
    """CommonMark with raw HTML off and no links or images to other hosts."""
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        _md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
        _md.validateLink = lambda url: not _SCHEME.match(url)
    return _md


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def render_markdown(text: str, prefix: str = "") -> str:
    md = _markdown()
    tokens = md.parse(COMMENT.sub("", text))
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            if token.tag == "h1":
                token.tag = "h2"
            base = prefix + slug(tokens[index + 1].content)
            seen[base] = seen.get(base, 0) + 1
            token.attrSet("id", base if seen[base] == 1 else f"{base}-{seen[base]}")
        elif token.type == "heading_close" and token.tag == "h1":
            token.tag = "h2"
    return str(md.renderer.render(tokens, md.options, {}))


def split_addenda(body: str) -> tuple[str, list[str]]:
    """The body before the first `## Addendum …` heading, and each addendum's text."""
    if ADDENDUM_PREFIX not in body:
        return body, []
    parts = re.split(rf"(?m)^(?=## {ADDENDUM_PREFIX}\b)", body)
    return parts[0], parts[1:]


def source_listing(raw: RawRecord, text: str | None = None) -> str:
    """The file's lines, numbered with anchors (`#L7`) that problem links point to."""
    if text is None:
        if not raw.front_text:
            return ""
        text = "---\n" + raw.front_text + "---\n" + raw.body
    rows = "".join(
        f'<tr id="L{n}"><td class="ck-ln">{n}</td><td><code>{escape(line) or " "}</code></td></tr>'
        for n, line in enumerate(text.split("\n"), start=1)
    )
    return '<h2 id="source">Source</h2><table class="ck-source"><tbody>' + rows + "</tbody></table>"


# -- pages ----------------------------------------------------------------------------------


def crumbs(page: str, *links: tuple[str, str]) -> str:
    items = [f'<a href="{href(page, DASHBOARD)}">Dashboard</a>']
    items += [f'<a href="{href(page, target)}">{escape(label)}</a>' for target, label in links]
    return '<p class="ck-crumbs">' + " › ".join(items) + "</p>"


def client_name(data: ChartData, code: str) -> str:
    client = data.practice.clients.get(code)
    return client.name if client else ""


def dashboard_page(data: ChartData) -> ChartPage:
    p = data.practice
    page = DASHBOARD
    out = [f"<h1>{escape(p.settings.practice_name)}</h1>"]
    errors, warnings = counts(data.problems)
    active = [c for c in p.clients.values() if c.status == "active"]
    unsigned = [
        r for r in data.records.values() if isinstance(r, (ProgressNote, TreatmentPlan)) and r.signed is None
    ]
    out.append(
        '<p class="ck-summary">'
        f"As of {fmt_dt(p.now)}: {len(active)} active clients, {len(data.raws)} records, "
        f"{len(unsigned)} waiting for a signature, {_n(errors, 'error')}, {_n(warnings, 'warning')}. "
        f'<a href="{href(page, CLIENTS)}">All clients</a></p>'
    )
    unreadable = [path for path, raw in data.raws.items() if path not in data.records]
    if unreadable:
        out.append(
            f'<div class="ck-alert ck-error-box"><strong>{len(unreadable)} record'
            f"{'s' * (len(unreadable) != 1)} could not be read.</strong> They have pages marked "
            "as such and are listed under Problems below; fix them and the chart updates.</div>"
        )

    out.append('<h2 id="caseload">Active caseload</h2>')
    rows: list[Sequence[str]] = []
    for client in sorted(active, key=lambda c: c.client):
        notes = data.notes_by_client.get(client.client, [])
        held = [n for n in notes if n.date <= p.today and n.billable]
        last = held[-1] if held else None
        nexts = [n.next_appointment for n in notes if n.next_appointment]
        upcoming = max(nexts) if nexts else None
        plan = p.plan_in_force(client.client, p.today)
        if plan is None:
            review = '<span class="ck-bad">no plan</span>'
        else:
            due = p.review_due(plan)
            cls = (
                "ck-bad"
                if due < p.today
                else (
                    "ck-warn" if due <= p.today + dt.timedelta(days=p.settings.plan_due_warning_days) else ""
                )
            )
            review = f'<span class="{cls}">{due.isoformat()}</span>'
        rows.append(
            (
                f'<a href="{href(page, client_uri(client.client))}">{escape(client.client)}</a>',
                escape(client.name),
                escape(client.clinician),
                f'<a href="{href(page, record_uri(last.path))}">{last.date.isoformat()}</a>' if last else "—",
                upcoming.isoformat() if upcoming and upcoming >= p.today else "—",
                review,
                _client_badge(data, client.client),
            )
        )
    out.append(
        table(
            ("Client", "Name", "Clinician", "Last session", "Next session", "Plan review", ""),
            rows,
        )
    )

    out.append('<h2 id="unsigned">Waiting for a signature</h2>')
    waiting = sorted(unsigned, key=lambda r: due_at(p, r))
    rows = []
    for record in waiting:
        late, words = overdue_words(p, record)
        code = getattr(record, "client", "")
        rows.append(
            (
                f'<a href="{href(page, record_uri(record.path))}">{escape(note_label(record))}</a>',
                escape(code),
                escape(getattr(record, "clinician", "")),
                fmt_dt(due_at(p, record)),
                f'<span class="{"ck-bad" if late else "ck-warn"}">{escape(words)}</span>',
            )
        )
    out.append(table(("Record", "Client", "Clinician", "Due", "Status"), rows))

    out.append('<h2 id="plans">Treatment plans due</h2>')
    horizon = p.today + dt.timedelta(days=p.settings.plan_due_warning_days)
    rows = []
    for client in sorted(active, key=lambda c: c.client):
        plan = p.plan_in_force(client.client, p.today)
        link = f'<a href="{href(page, client_uri(client.client))}">{escape(client.client)}</a>'
        if plan is None:
            rows.append((link, escape(client.name), "—", '<span class="ck-bad">no plan in force</span>'))
            continue
        due = p.review_due(plan)
        if due <= horizon:
            state = (
                f'<span class="ck-bad">overdue by {(p.today - due).days} d</span>'
                if due < p.today
                else f'<span class="ck-warn">due in {(due - p.today).days} d</span>'
            )
            plan_link = f'<a href="{href(page, record_uri(plan.path))}">{due.isoformat()}</a>'
            rows.append((link, escape(client.name), plan_link, state))
    out.append(table(("Client", "Name", "Review by", "Status"), rows))

    out.append('<h2 id="problems">Problems</h2>')
    if data.hidden_problems:
        out.append(
            f'<p class="ck-note">{data.hidden_problems} problem'
            f"{'s' * (data.hidden_problems != 1)} in files kept out of the chart: "
            "run <code>chartkeep check</code> to see them.</p>"
        )
    grouped: dict[str, list[Problem]] = defaultdict(list)
    for item in data.problems:
        grouped[problem_key(item.path)].append(item)
    if not grouped:
        out.append('<p class="ck-empty">No problems: every record passes the checks.</p>')
    order = sorted(grouped, key=lambda k: (k != PRACTICE_KEY, k != GROUPS_KEY, k))
    for key in order:
        items = grouped[key]
        if key == PRACTICE_KEY:
            title = "Practice (settings, templates)"
        elif key == GROUPS_KEY:
            title = "Group session records"
        else:
            name = client_name(data, key)
            title = f'<a href="{href(page, client_uri(key))}">{escape(key)}</a> {escape(name)}'
        errs, _ = counts(items)
        opened = " open" if errs else ""
        body = "".join(problem_item(page, item, link=True) for item in items)
        out.append(
            f'<details class="ck-group"{opened}><summary>{title} {badge(items)}</summary>'
            f'<ul class="ck-problems">{body}</ul></details>'
        )
    return ChartPage(DASHBOARD, "Dashboard", "".join(out), in_nav=True, searchable=False)


def _client_badge(data: ChartData, code: str) -> str:
    items = [item for path in _client_paths(data, code) for item in data.by_path.get(path, ())]
    return badge(items)


def _client_paths(data: ChartData, code: str) -> list[str]:
    return [raw.path for raw in data.raws_by_client.get(code, ())]


def clients_page(data: ChartData) -> ChartPage:
    p = data.practice
    page = CLIENTS
    out = ["<h1>Clients</h1>"]
    rows: list[Sequence[str]] = []
    for code in client_codes(data):
        client = p.clients.get(code)
        notes = data.notes_by_client.get(code, [])
        rows.append(
            (
                f'<a href="{href(page, client_uri(code))}">{escape(code)}</a>',
                escape(client.name) if client else '<span class="ck-bad">no face sheet</span>',
                e(client.status) if client else "—",
                e(client.clinician) if client else "—",
                str(len(notes)),
                notes[-1].date.isoformat() if notes else "—",
                _client_badge(data, code),
            )
        )
    out.append(table(("Client", "Name", "Status", "Clinician", "Notes", "Last note", ""), rows))
    out.append('<h2 id="groups">Group session records</h2>')
    if not data.groups:
        out.append('<p class="ck-empty">None.</p>')
    for group in sorted(data.groups):
        links = ", ".join(
            f'<a href="{href(page, record_uri(path))}">{escape(_date_of(path))}</a>'
            for path in sorted(data.groups[group])
        )
        out.append(f"<h3>{escape(group)}</h3><p>{links}</p>")
    html = "".join(out)
    return ChartPage(CLIENTS, "Clients", html, in_nav=True, search_text=index_text(html))


def _date_of(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.endswith(".md") else name


def diagnosis_list(codes: Sequence[str]) -> str:
    return _diagnosis_list(tuple(codes))


@lru_cache(maxsize=4096)  # a practice writes the same few diagnoses on every note
def _diagnosis_list(codes: tuple[str, ...]) -> str:
    from chartkeep import icd10

    if not codes:
        return "—"
    items = []
    for code in codes:
        try:
            text = icd10.description(code)
        except Exception:  # the code index is optional for reading a chart
            text = ""
        items.append(f"<li><code>{escape(code)}</code> {escape(text) or '<em>unknown code</em>'}</li>")
    return '<ul class="ck-dx">' + "".join(items) + "</ul>"


def client_page(data: ChartData, code: str) -> ChartPage:
    p = data.practice
    page = client_uri(code)
    client = p.clients.get(code)
    name = client.name if client else ""
    out = [f"<h1>{escape(code)} {escape(name)}</h1>", crumbs(page, (CLIENTS, "Clients"))]
    out.append(
        f'<p class="ck-actions"><a href="{href(page, print_uri(code))}">Print view</a>: the '
        "whole chart with each record on its own page.</p>"
    )
    paths = _client_paths(data, code)
    problems = [item for path in paths for item in data.by_path.get(path, ())]
    if problems:
        out.append(
            f'<p class="ck-note">{badge(problems)} in this chart: see '
            f'<a href="#records">the records below</a> or the '
            f'<a href="{href(page, DASHBOARD, "problems")}">dashboard</a>.</p>'
        )
    out.append('<h2 id="face-sheet">Face sheet</h2>')
    if client is None:
        out.append(
            '<div class="ck-alert ck-error-box">No readable face sheet '
            f"(<code>notes/{escape(code)}/client.md</code>) for this client.</div>"
        )
    else:
        payer = p.settings.payer(client.payer)
        face = [
            ("Client code", e(client.client)),
            ("Name", e(client.name)),
            ("Date of birth", e(client.dob)),
            ("Pronouns", e(client.pronouns)),
            ("Clinician", e(_clinician(data, client.clinician))),
            ("Payer", e(payer.name or client.payer)),
            ("Member ID", e(client.member_id)),
            ("Status", e(client.status)),
            ("Intake", e(client.intake_date)),
            ("Discharge", e(client.discharge_date)),
            ("Source", f'<a href="{href(page, record_uri(client.path))}">{escape(client.path)}</a>'),
        ]
        out.append(_fields(face))
        out.append('<h2 id="diagnoses">Active diagnoses</h2>')
        out.append(diagnosis_list(client.diagnoses))

    notes = data.notes_by_client.get(code, [])
    plans = p.plans.get(code, [])
    out.append('<h2 id="plan">Treatment plan</h2>')
    plan = p.plan_in_force(code, p.today) or (plans[-1] if plans else None)
    if plan is None:
        out.append('<div class="ck-alert ck-error-box">No treatment plan.</div>')
    else:
        due = p.review_due(plan)
        cls = "ck-bad" if due < p.today else ""
        out.append(
            _fields(
                [
                    ("Plan", f'<a href="{href(page, record_uri(plan.path))}">{plan.date.isoformat()}</a>'),
                    ("Review by", f'<span class="{cls}">{due.isoformat()}</span>'),
                    ("Modality", e(plan.modality)),
                    ("Frequency", e(plan.frequency)),
                    ("Session minutes", e(plan.session_minutes)),
                    ("Duration", e(plan.duration)),
                    ("Measures", e(plan.measures)),
                    ("Signature", escape(status(data, plan)[1])),
                ]
            )
        )
        later = [q for q in plans if q.date > plan.date]
        until = later[0].date if later else dt.date.max
        rows: list[Sequence[str]] = []
        for goal, text in plan.goals.items():
            sessions = [n for n in notes if goal in n.goals and plan.date <= n.date < until]
            links = ", ".join(
                f'<a href="{href(page, record_uri(n.path))}">{n.date.isoformat()}</a>' for n in sessions
            )
            rows.append((f"<strong>{escape(goal)}</strong>", escape(str(text)), links or "none yet"))
        out.append(table(("Goal", "Objective", "Sessions that addressed it"), rows, "ck-goals"))
        if len(plans) > 1:
            earlier = ", ".join(
                f'<a href="{href(page, record_uri(q.path))}">{q.date.isoformat()}</a>'
                for q in plans
                if q is not plan
            )
            out.append(f"<p>Other plans: {earlier}</p>")

    out.append('<h2 id="measures">Outcome measures</h2>')
    shown = False
    for key, measure in MEASURES.items():
        points = [
            (n.date, int(n.measures[key]["total"]))
            for n in notes
            if isinstance(n.measures.get(key), dict) and isinstance(n.measures[key].get("total"), int)
        ]
        wanted = plan is not None and key in plan.measures
        if points or wanted:
            shown = True
            last = points[-1] if points else None
            caption = ""
            if last:
                band = measure.band(last[1])
                caption = f": latest {last[1]} ({band.label if band else '?'}) on {last[0].isoformat()}"
            out.append(
                f'<figure class="ck-figure"><figcaption>{measure.title}{escape(caption)}</figcaption>'
                f"{trend_svg(measure, points)}</figure>"
            )
    if not shown:
        out.append('<p class="ck-empty">No PHQ-9 or GAD-7 scores recorded.</p>')

    out.append('<h2 id="timeline">Sessions</h2>')
    rows = []
    for note in reversed(notes):
        cls, words = status(data, note)
        service = " + ".join(x for x in (note.service, *note.addons) if x) or "—"
        rows.append(
            (
                f'<a href="{href(page, record_uri(note.path))}">{note.date.isoformat()}</a>',
                escape(note.type),
                escape(service),
                e(note.minutes),
                f'<span class="{cls}">{"signed" if note.signed else "draft"}</span>'
                + (" +addenda" if cls == "ck-amended" else ""),
                badge(data.by_path.get(note.path, [])),
            )
        )
    out.append(table(("Date", "Type", "Service", "Minutes", "Signature", ""), rows, "ck-timeline"))

    others = [path for path in paths if not isinstance(data.records.get(path), ProgressNote)]
    out.append('<h2 id="records">Other records</h2>')
    rows = []
    for path in sorted(others):
        record = data.records.get(path)
        kind = "could not be read" if record is None else type(record).__name__
        rows.append(
            (
                f'<a href="{href(page, record_uri(path))}">{escape(path)}</a>',
                f'<span class="ck-bad">{kind}</span>' if record is None else escape(kind),
                badge(data.by_path.get(path, [])),
            )
        )
    out.append(table(("File", "Kind", ""), rows))
    html = "".join(out)
    return ChartPage(page, f"{code} {name}".strip(), html, search_text=index_text(html))


def _clinician(data: ChartData, cid: str | None) -> str:
    if not cid:
        return ""
    person = data.practice.settings.clinicians.get(cid)
    return f"{person.name}, {person.credential}" if person else cid


def _fields(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    return f'<table class="table table-sm ck-fields"><tbody>{body}</tbody></table>'


def _risk(note: ProgressNote) -> str:
    risk = note.risk
    if risk is None:
        return '<span class="ck-bad">not documented</span>'
    parts = [f"suicidal: {risk.suicidal}", f"homicidal: {risk.homicidal}"]
    if risk.level:
        parts.append(f"level: {risk.level}")
    if risk.safety_plan:
        parts.append(f"safety plan: {risk.safety_plan}")
    cls = "" if risk.denied else "ck-bad"
    return f'<span class="{cls}">{escape("; ".join(parts))}</span>'


def _measures(note: ProgressNote) -> str:
    parts = []
    for key, values in note.measures.items():
        measure = MEASURES.get(key)
        total = values.get("total") if isinstance(values, dict) else None
        label = measure.title if measure else key
        band = measure.band(total) if measure and isinstance(total, int) else None
        extra = (
            ", ".join(f"{k} {v}" for k, v in values.items() if k != "total")
            if isinstance(values, dict)
            else ""
        )
        parts.append(
            f"{label} {total}" + (f" ({band.label})" if band else "") + (f"; {extra}" if extra else "")
        )
    return escape("; ".join(parts)) if parts else "—"


def header_rows(data: ChartData, page: str, record: Record) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    code = getattr(record, "client", "")
    if code:
        rows.append(
            (
                "Client",
                f'<a href="{href(page, client_uri(code))}">{escape(code)}</a> '
                f"{escape(client_name(data, code))}",
            )
        )
    if isinstance(record, ProgressNote):
        service = " + ".join(x for x in (record.service, *record.addons) if x)
        if record.modifiers:
            service += f" (modifiers {', '.join(record.modifiers)})"
        time = (
            f"{record.start.strftime('%H:%M')}–{record.end.strftime('%H:%M')}"
            if (record.start and record.end)
            else "—"
        )
        rows += [
            ("Type", e(record.type)),
            ("Date", e(record.date)),
            ("Time", escape(time)),
            ("Minutes", e(record.minutes)),
            ("Service", e(service)),
            ("Place of service", e(POS_LABELS.get(record.pos or "", record.pos))),
            ("Modality", e(record.modality)),
        ]
        if record.telehealth:
            rows.append(("Client location", e(record.client_location)))
        if record.audio_only_reason:
            rows.append(("Why audio only", e(record.audio_only_reason)))
        if record.group:
            rows.append(("Group", e(record.group)))
        rows += [
            ("Diagnoses", diagnosis_list(record.diagnoses)),
            ("Goals", e(record.goals)),
            ("Risk", _risk(record) if record.billable or record.risk else "—"),
            ("Measures", _measures(record)),
            ("Clinician", e(_clinician(data, record.clinician))),
            ("Session", e(record.session)),
            ("Next appointment", e(record.next_appointment)),
            ("Template", e(record.template)),
        ]
    elif isinstance(record, TreatmentPlan):
        rows += [
            ("Date", e(record.date)),
            ("Review by", e(data.practice.review_due(record))),
            ("Modality", e(record.modality)),
            ("Frequency", e(record.frequency)),
            ("Session minutes", e(record.session_minutes)),
            ("Duration", e(record.duration)),
            ("Diagnoses", diagnosis_list(record.diagnoses)),
            ("Measures", e(record.measures)),
            ("Clinician", e(_clinician(data, record.clinician))),
        ]
        goals = "".join(
            f"<li><strong>{escape(k)}</strong> {escape(str(v))}</li>" for k, v in record.goals.items()
        )
        rows.append(("Goals", f"<ul>{goals}</ul>" if goals else "—"))
    elif isinstance(record, GroupSession):
        time = (
            f"{record.start.strftime('%H:%M')}–{record.end.strftime('%H:%M')}"
            if (record.start and record.end)
            else "—"
        )
        members = ", ".join(f'<a href="{href(page, client_uri(m))}">{escape(m)}</a>' for m in record.members)
        rows += [
            ("Group", e(record.group)),
            ("Date", e(record.date)),
            ("Time", escape(time)),
            ("Minutes", e(record.minutes)),
            ("Service", e(record.service)),
            ("Place of service", e(POS_LABELS.get(record.pos or "", record.pos))),
            ("Modality", e(record.modality)),
            ("Members", members or "—"),
            ("Clinician", e(_clinician(data, record.clinician))),
        ]
    elif isinstance(record, Client):
        rows += [
            ("Name", e(record.name)),
            ("Date of birth", e(record.dob)),
            ("Status", e(record.status)),
            ("Diagnoses", diagnosis_list(record.diagnoses)),
        ]
    return rows


def record_page(data: ChartData, path: str) -> ChartPage:
    """The page of one record: problems first, then signature banner, header, body, history."""
    page = record_uri(path)
    raw = data.raws[path]
    record = data.records.get(path)
    code = client_of(path)
    links: list[tuple[str, str]] = []
    if code:
        links.append((client_uri(code), f"{code} {client_name(data, code)}".strip()))
    else:
        links.append((CLIENTS, "Clients"))
    if record is None:
        title = f"{path.removeprefix(NOTES_DIR + '/')} (could not be read)"
    elif isinstance(record, Client):
        title = f"{record.client} face sheet"
    elif isinstance(record, GroupSession):
        title = f"{record.group} {record.date.isoformat()} group session"
    else:
        title = f"{getattr(record, 'client', '')} {note_label(record)}".strip()
    out = [f"<h1>{escape(title)}</h1>", crumbs(page, *links)]
    problems = data.by_path.get(path, [])
    if problems:
        items = "".join(problem_item(page, item, link=True) for item in sorted(problems))
        out.append(
            f'<div id="problems" class="ck-alert ck-problem-box"><strong>Check problems</strong> '
            f'{badge(problems)}<ul class="ck-problems">{items}</ul></div>'
        )
    if record is None:
        out.append(
            '<div class="ck-alert ck-error-box ck-unreadable"><strong>This record could not be '
            "read</strong>: fix the problems above. What could be read is shown below.</div>"
        )
    elif isinstance(record, Signable):
        cls, words = status(data, record)
        out.append(f'<div class="ck-banner {cls}">{escape(words[0].upper() + words[1:])}</div>')
    rows: list[tuple[str, str]] = []
    if record is not None:
        rows = header_rows(data, page, record)
    elif raw.meta:
        rows = [(escape(str(k)), e(v)) for k, v in raw.meta.items()]
    if rows:
        out.append(_fields(rows))
    texts = []
    main, extra = split_addenda(raw.body)
    if main.strip():
        texts.append(f'<div class="ck-body">{render_markdown(main)}</div>')
    for index, addendum in enumerate(extra, start=1):
        texts.append(f'<div class="ck-addendum">{render_markdown(addendum, prefix=f"a{index}-")}</div>')
    out.extend(texts)
    out.append(history_section(data, path))
    if problems:
        source = data.file_text(raw) if data.file_text is not None else None
        out.append(source_listing(raw, source))
    # what search indexes: the header line and the body, not the problems, history or source
    header = "; ".join(f"{label}: {value}" for label, value in rows)
    search = index_text(header + " " + "".join(texts))
    return ChartPage(page, title, "".join(out), search_text=search)


def history_section(data: ChartData, path: str) -> str:
    if data.history is None:
        return (
            f'<h2 id="history">History</h2><p class="ck-empty">{escape(data.history_note)}</p>'
            if data.history_note
            else ""
        )
    entries = data.history.get(path, [])
    rows = [
        (
            fmt_dt(item.at),
            escape(item.author),
            escape(item.subject) + (" (deleted)" if item.deleted else ""),
            f"<code>{escape(item.commit[:10])}</code>",
        )
        for item in entries
    ]
    if not rows:
        return '<h2 id="history">History</h2><p class="ck-empty">Not committed yet.</p>'
    return '<h2 id="history">History</h2>' + table(("When", "Author", "Commit", "Id"), rows)


def print_page(data: ChartData, code: str, made: dict[str, ChartPage]) -> ChartPage:
    """The client's chart followed by every record, each on a new printed page."""
    page = print_uri(code)
    chart = made.get(client_uri(code)) or client_page(data, code)
    parts = [
        f'<p class="ck-crumbs"><a href="{href(page, client_uri(code))}">Back to the chart</a>. '
        "Use your browser's Print command: each record starts a new page.</p>",
        '<section class="ck-print-chart">',
        _relink(chart.html, client_uri(code), page),
        "</section>",
    ]
    records = sorted(
        _client_paths(data, code),
        key=lambda p: (not p.endswith("/client.md"), _day_in(p), p),
    )
    for path in records:
        record = made.get(path) or record_page(data, path)
        html = record.html
        if len(_parts(record_uri(path))) != len(_parts(page)):
            html = _relink(html, record_uri(path), page)  # same depth: links already work
        parts.append(f'<section class="ck-print-record">{html}</section>')
    return ChartPage(page, f"{code} chart (print)", "".join(parts), searchable=False)


def _day_in(path: str) -> str:
    found = re.search(r"\d{4}-\d{2}-\d{2}", path.rsplit("/", 1)[-1])
    return found.group(0) if found else ""


_HREF = re.compile(r'href="([^"#]*)(#[^"]*)?"')


def _relink(html: str, from_src: str, to_src: str) -> str:
    """Rewrite a page's relative links so they work from another page."""
    base = page_url(from_src)
    here = _parts(to_src)

    def fix(match: re.Match[str]) -> str:
        link, anchor = match.group(1), match.group(2) or ""
        if not link:
            return f'href="{href(to_src, from_src)}{anchor}"'
        target = posixpath.normpath(posixpath.join(base, link))
        if target == ".":
            rel = _relative(here, ())
        elif not target.startswith(("/", "..")):
            rel = _relative(here, target.split("/"))
        else:  # outside the site (a note's own link): as posixpath makes it
            rel = posixpath.relpath(target.rstrip("/") + "/", page_url(to_src) or ".")
            rel = "./" if rel == "." else rel + "/"
        return f'href="{rel}{anchor}"'

    return _HREF.sub(fix, html)
