"""The chart site, built from a small practice: privacy, reachability, problems, no other hosts."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from chartkeep.chart.build import ChartBuilder, prepare_site_dir
from chartkeep.chart.pages import href, page_url
from chartkeep.chart.svg import GAD7, PHQ9, trend_svg
from chartkeep.cli import main
from chartkeep.errors import UsageError
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.test_chart_helpers import (
    AS_OF,
    AS_OF_TEXT,
    EXTERNAL_IMAGE,
    EXTERNAL_LINK,
    PRIVATE_MARKER,
    UNREADABLE,
    make_practice,
)


@pytest.fixture(scope="module")
def chart_practice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("practice") / "p"
    return root, make_practice(root)


@pytest.fixture(scope="module")
def site(chart_practice: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root, _ = chart_practice
    base = tmp_path_factory.mktemp("chart")
    site_dir = prepare_site_dir(root, base / "site")
    work = base / "work"
    work.mkdir(mode=0o700)
    ChartBuilder(root, site_dir, work, as_of=AS_OF).build()
    return site_dir


def text_files(site: Path) -> list[tuple[Path, str]]:
    out = []
    for path in site.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if path.suffix == ".gz":
                import gzip

                data = gzip.decompress(data)
            out.append((path, data.decode("utf-8", "replace")))
    return out


def test_private_note_never_appears_anywhere(site: Path, chart_practice) -> None:
    root, made = chart_practice
    private_name = made["private"].rsplit("/", 1)[-1]
    assert (root / made["private"]).exists()
    files = text_files(site)
    assert any(p.name == "search_index.json" for p, _ in files)
    assert any(p.name == "sitemap.xml" for p, _ in files)
    for path, text in files:
        assert PRIVATE_MARKER not in text, path
        assert "private/" not in text, path
        assert private_name not in text, path
    assert not (site / "private").exists()


def test_site_is_private(site: Path) -> None:
    assert stat.S_IMODE(site.stat().st_mode) == 0o700


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.remote: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            if name in ("href", "src", "action", "srcset", "poster", "data"):
                if re.match(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", value, re.I) and not value.startswith(
                    ("data:", "mailto:")
                ):
                    self.remote.append(f"<{tag} {name}={value}>")
                elif name == "href" and tag == "a":
                    self.links.append(value)


def parse(path: Path) -> Links:
    parser = Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def crawl(site: Path) -> tuple[set[str], list[str]]:
    """Follow every link from the dashboard; the pages reached and the broken links."""
    seen: set[str] = set()
    broken: list[str] = []
    todo = [""]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        file = site / url / "index.html" if url.endswith("/") or url == "" else site / url
        page = parse(file)
        for link in page.links:
            target = urlsplit(urljoin("http://h/" + url, link))
            path = target.path.lstrip("/")
            dest = site / path / "index.html" if path.endswith("/") or path == "" else site / path
            if not dest.exists():
                broken.append(f"{url} -> {link}")
                continue
            if target.fragment and dest.suffix == ".html":
                if target.fragment not in parse(dest).ids:
                    broken.append(f"{url} -> {link} (no anchor)")
            if dest.name == "index.html" and path not in seen:
                todo.append(path)
    return seen, broken


def test_every_client_and_note_reachable_from_dashboard(site: Path, chart_practice) -> None:
    root, _ = chart_practice
    seen, broken = crawl(site)
    assert not broken, broken[:10]
    records = sorted(p.relative_to(root).as_posix() for p in (root / "notes").rglob("*.md"))
    assert len(records) > 40
    for record in records:
        assert page_url(record) in seen, record
    for client in (root / "notes").iterdir():
        if client.name != "groups":
            assert f"clients/{client.name}/" in seen


def test_note_with_check_errors_shows_them(site: Path, chart_practice) -> None:
    _, made = chart_practice
    page = (site / page_url(made["broken"]) / "index.html").read_text()
    assert 'id="problems"' in page
    assert "CK202" in page and "under 16" in page
    assert 'id="L7"' in page  # the line the problem names, linked from the dashboard
    dashboard = (site / "index.html").read_text()
    assert href("index.md", made["broken"], "L7") in dashboard


def test_unreadable_note_is_marked_not_omitted(site: Path) -> None:
    page = (site / page_url(UNREADABLE) / "index.html").read_text()
    assert "could not be read" in page and "CK007" in page
    dashboard = (site / "index.html").read_text()
    assert "could not be read" in dashboard
    assert href("index.md", UNREADABLE, "L4") in dashboard


def test_note_page_content(site: Path, chart_practice) -> None:
    _, made = chart_practice
    page = (site / page_url(made["linked"]) / "index.html").read_text()
    for label in ("Service", "Minutes", "Place of service", "Modality", "Diagnoses", "Risk"):
        assert f"<th>{label}</th>" in page
    assert "ck-banner" in page
    assert "<script>alert" not in page  # raw HTML in a note is shown as text
    assert EXTERNAL_IMAGE not in re.findall(r'src="([^"]*)"', page)
    assert EXTERNAL_LINK not in re.findall(r'href="([^"]*)"', page)


def test_client_chart(site: Path) -> None:
    page = (site / "clients" / "C0001" / "index.html").read_text()
    for heading in ("Face sheet", "Active diagnoses", "Treatment plan", "Sessions"):
        assert heading in page
    assert "<svg" in page
    assert "moderately severe" in page or "GAD-7" in page  # a trend with its severity bands
    assert "Print view" in page
    printable = (site / "clients" / "C0001" / "print" / "index.html").read_text()
    assert printable.count('class="ck-print-record"') >= 3


def test_no_request_to_another_host(site: Path) -> None:
    """No page, stylesheet or script refers to another host (comments in vendor files aside)."""
    for path, text in text_files(site):
        if path.suffix == ".html":
            page = Links()
            page.feed(text)
            assert not page.remote, (path, page.remote[:5])
            assert "style=" not in text and "<style" not in text, path  # CSP: style-src 'self'
            assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path  # no inline script
            # a URL a therapist typed into a note is shown as text, never fetched
        elif path.suffix == ".css":
            code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
            assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", code), path
            assert "@import" not in code, path
        elif path.suffix == ".js":
            assert not re.search(r"[\"'`](?:https?:)?//[a-z0-9]", text, re.I), path
        elif path.suffix == ".xml":
            urls = re.findall(r"https?://[^\s\"'<]+", text)
            assert all(u.startswith("http://www.sitemaps.org/schemas/") for u in urls), urls[:5]


def test_search_index_holds_every_note_once(site: Path, chart_practice) -> None:
    root, made = chart_practice
    index = json.loads((site / "search" / "search_index.json").read_text())
    pages = {doc["location"].split("#")[0] for doc in index["docs"]}
    notes = [p.relative_to(root).as_posix() for p in (root / "notes").rglob("*.md")]
    for note in notes:
        assert page_url(note) in pages
    assert not any(p.endswith("/print/") for p in pages)


def test_trend_svg_draws_bands() -> None:
    import datetime as dt

    svg = trend_svg(PHQ9, [(dt.date(2026, 1, 1), 18), (dt.date(2026, 2, 1), 9)])
    for label in ("0–4 minimal", "5–9 mild", "10–14 moderate", "15–19 moderately severe", "20–27 severe"):
        assert label in svg
    assert "style=" not in svg and "<polyline" in svg
    assert "15–21 severe" in trend_svg(GAD7, [])


def test_incremental_rebuild_updates_one_note(chart_practice, tmp_path: Path) -> None:
    root, made = chart_practice
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    site_dir = tmp_path / "site"
    site_dir.mkdir(mode=0o700)
    builder = ChartBuilder(root, site_dir, work, as_of=AS_OF, incremental=True)
    builder.build()
    index = site_dir / "search" / "search_index.json"
    before = len(json.loads(index.read_text())["docs"])
    other = site_dir / "clients" / "C0002" / "index.html"
    stamp = other.stat().st_mtime_ns
    note = root / made["linked"]
    original = note.read_text()
    try:
        note.write_text(original + "\nQuokka-unique-sentence for the rebuild test.\n")
        builder.quick([made["linked"]])  # what serve does on save
        page = (site_dir / page_url(made["linked"]) / "index.html").read_text()
        assert "Quokka-unique-sentence" in page
        assert other.stat().st_mtime_ns == stamp  # untouched pages are not rewritten
        builder.recheck()  # once saving settles: every check, and the search index
        assert other.stat().st_mtime_ns == stamp
        docs = json.loads(index.read_text())["docs"]
        assert len(docs) == before
        assert any("Quokka-unique-sentence" in d["text"] for d in docs)
        new = root / "notes" / "C0002" / "2026-11-26-contact.md"
        new.write_text(
            "---\nrecord: note\ntype: contact\nclient: C0002\ndate: 2026-11-26\n"
            "clinician: mokafor\n---\n\n## Notes\nPlatypus phone call.\n"
        )
        builder.quick([new.relative_to(root).as_posix()])  # a new page: MkDocs runs again
        assert "Platypus" in (site_dir / "notes/C0002/2026-11-26-contact/index.html").read_text()
        assert "2026-11-26-contact" in (site_dir / "clients/C0002/index.html").read_text()
        new.unlink()
    finally:
        note.write_text(original)


def test_locked_repository_is_a_build_error(tmp_path: Path, capsys) -> None:
    root = tmp_path / "p"
    make_practice(root)
    note = next((root / "notes" / "C0001").glob("*-soap.md"))
    note.write_bytes(b"\x00GITCRYPT\x00" + os.urandom(64))
    site_dir = tmp_path / "site"
    code = main(["build", "--practice", str(root), "--site-dir", str(site_dir), "--as-of", AS_OF_TEXT])
    assert code == 2
    assert "locked" in capsys.readouterr().err
    assert not any(site_dir.iterdir())  # no half-built chart left behind


def test_build_command_temp_dir(chart_practice, capsys, monkeypatch, tmp_path: Path) -> None:
    root, _ = chart_practice
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert main(["build", "--practice", str(root), "--as-of", AS_OF_TEXT]) == 0
    out = capsys.readouterr().out
    built = [p for p in tmp_path.iterdir() if p.name.startswith("chartkeep-site-")]
    assert len(built) == 1 and str(built[0]) in out
    assert stat.S_IMODE(built[0].stat().st_mode) == 0o700
    assert (built[0] / "index.html").exists()
    shutil.rmtree(built[0])


def test_site_dir_refuses_unsafe_places(chart_practice, tmp_path: Path) -> None:
    root, _ = chart_practice
    full = tmp_path / "full"
    full.mkdir()
    (full / "thesis.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        prepare_site_dir(root, full)
    with pytest.raises(UsageError):
        prepare_site_dir(root, root)
    with pytest.raises(UsageError):
        prepare_site_dir(root, root / "notes" / "out")
    with pytest.raises(UsageError, match="not ignored by git"):
        prepare_site_dir(root, root / "chart-out")


def test_note_page_shows_history_and_signature_states(tmp_path: Path, monkeypatch) -> None:
    from tests.gitutil import commit_all, init_repo, scrub_environ

    scrub_environ(monkeypatch)
    root = tmp_path / "p"
    made = make_practice(root)
    init_repo(root)
    commit_all(root, "Session notes for November")
    note = root / made["linked"]
    note.write_text(re.sub(r"(?m)^signed: .*\n", "", note.read_text()))  # back to a draft
    assert "\nsigned:" not in note.read_text()
    addendum = root / made["broken"]
    addendum.write_text(
        addendum.read_text() + "\n## Addendum 2026-11-20 09:00 — Maya Okafor, LCSW\n"
        "Corrected the session length.\n"
    )
    site_dir = tmp_path / "site"
    site_dir.mkdir(mode=0o700)
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    ChartBuilder(root, site_dir, work, as_of=AS_OF).build()
    draft = (site_dir / page_url(made["linked"]) / "index.html").read_text()
    assert "ck-banner ck-draft" in draft
    assert "Session notes for November" in draft  # the commit, in the note's history
    amended = (site_dir / page_url(made["broken"]) / "index.html").read_text()
    assert "ck-banner ck-amended" in amended and 'class="ck-addendum"' in amended
    dashboard = (site_dir / "index.html").read_text()
    assert "Waiting for a signature" in dashboard
    assert href("index.md", made["linked"]) in dashboard.split('id="unsigned"')[1].split("<h2")[0]


def test_plugin_refuses_publishing_and_mkdocs_serve() -> None:
    from chartkeep.chart.plugin import ChartPlugin
    from mkdocs.exceptions import PluginError

    plugin = ChartPlugin()
    for command in ("gh-deploy", "serve"):
        with pytest.raises(PluginError):
            plugin.on_startup(command=command, dirty=False)
    plugin.on_startup(command="build", dirty=False)


# -- the theme and the search index --------------------------------------------------------


def test_every_page_has_the_chart_chrome(site: Path) -> None:
    """main.html stands alone (no base.html): the navbar, dialogs and scripts are all there."""
    pages = [site / "index.html", site / "clients" / "C0001" / "index.html", site / "404.html"]
    pages.append(next((site / "notes" / "C0001").glob("*/index.html")))
    for path in pages:
        text = path.read_text()
        for marker in (
            'data-bs-target="#mkdocs_search_modal"',
            'id="mkdocs_search_modal"',
            'id="mkdocs-search-query"',
            'id="mkdocs-search-results"',
            'id="mkdocs_keyboard_modal"',
            'class="nav-link">Clients</a>' if path.parent.name != "clients" else ">Clients</a>",
            "js/chartkeep.js",
            "search/main.js",
            "css/chartkeep.css",
        ):
            assert text.count(marker) == 1, (path, marker)
        page = parse(path)
        assert not page.remote
    note = pages[-1]
    assert '<link href="../../../css/chartkeep.css"' in note.read_text()  # relative: any prefix
    assert 'data-base-url="../../.."' in note.read_text()
    assert '<link href="/css/chartkeep.css"' in (site / "404.html").read_text()
    assert '<body class="homepage">' in (site / "index.html").read_text()


_TAGS = ["<p>", "</p>", '<td class="ck-x">', "</td>", '<h2 id="plan">', "</h2>", "<br>", "<li>"]
_WORDS = ["Client", "said", "&quot;fine&quot;", "AT&amp;T", "&amp", "&lt;b&gt;", "é", "–", "x"]
_SPACES = [" ", "  ", "\n", "\t", "", "\u00a0", "\u2009", "\r\n", " \u00a0 ", "\x0b\x0c", "\x1c", "\u3000"]


@st.composite
def _page_html(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(_TAGS + _WORDS + _SPACES), max_size=40))
    return "".join(parts)


@settings(max_examples=600, deadline=None)
@given(_page_html())
@example("<p>  Plan:\u00a0weekly.\n</p><td>F32.A</td>")
@example(" \u2009 a \u2009 ")
def test_index_text_is_what_the_search_plugin_finds(html: str) -> None:
    """A page's index text equals what MkDocs' search plugin makes of the page's HTML."""
    from types import SimpleNamespace

    from chartkeep.chart.pages import index_text
    from mkdocs.contrib.search.search_index import SearchIndex

    index = SearchIndex(indexing="full")
    index.add_entry_from_context(SimpleNamespace(content=html, title="t", url="u/", toc=[]))
    assert index_text(html) == index._entries[0]["text"]


def test_custom_dir_overrides_theme_files(tmp_path: Path) -> None:
    root = tmp_path / "p"
    make_practice(root)
    (root / "mkdocs.yml").write_text(
        "site_name: Custom\ntheme:\n  name: mkdocs\n  custom_dir: overrides\n  highlightjs: false\n"
        "extra_css: [css/mine.css]\nplugins:\n  - search\n  - chartkeep\n"
    )
    overrides = root / "overrides"
    (overrides / "css").mkdir(parents=True)
    (overrides / "css" / "chartkeep.css").write_text("/* the practice's own */\n")
    (overrides / "css" / "mine.css").write_text("/* more */\n")
    (overrides / "keyboard-modal.html").write_text('<div id="mkdocs_keyboard_modal">Own keys</div>\n')
    site_dir = tmp_path / "site"
    site_dir.mkdir(mode=0o700)
    work = tmp_path / "work"
    work.mkdir(mode=0o700)
    ChartBuilder(root, site_dir, work, as_of=AS_OF).build()
    assert (site_dir / "css" / "chartkeep.css").read_text() == "/* the practice's own */\n"
    page = (site_dir / "clients" / "C0001" / "index.html").read_text()
    assert "Own keys" in page and "Keyboard Shortcuts" not in page
    assert 'id="mkdocs_search_modal"' in page and "<title>C0001" in page
    assert '<link href="../../css/mine.css" rel="stylesheet">' in page
    assert (site_dir / "css" / "mine.css").read_text() == "/* more */\n"
