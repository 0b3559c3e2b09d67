"""Build the chart: load → check → pages (chart/pages.py) → MkDocs, once or again and again.

`ChartSource` holds a practice's pages between builds. A first build renders everything; after a
note is saved, `update(paths)` re-reads only those files, re-checks them with their face sheet and
plans, remakes the pages they touch (the note, its client's chart, the dashboard, the client list)
and MkDocs rebuilds with `dirty=True`. For that, page sources are written to a private cache only
when they change: MkDocs then skips every page whose source is older than its output. A full
re-check follows in the background when serving (cross-note checks such as overlaps need it).

Plaintext stays private: the docs directory, the page cache and a temporary site all live in
mode-0700 directories, and a site directory inside the practice must be ignored by git.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chartkeep.chart import pages as chart_pages_mod
from chartkeep.chart.pages import (
    ChartData,
    ChartPage,
    HistoryEntry,
    chart_data,
    is_print_url,
    is_public,
)
from chartkeep.errors import RefusedError, SetupError, UsageError
from chartkeep.layout import read_regular
from chartkeep.reader import RawRecord

SITE_MARKER = ".chartkeep-site"
DEFAULT_MKDOCS = """\
site_name: {name}
theme:
  name: mkdocs
  highlightjs: false
plugins:
  - search
  - chartkeep
"""


def theme_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "theme"


def load_checked(root: Path, as_of: dt.datetime | None = None) -> tuple[Any, list[Any]]:
    """The practice and every problem, or a clear error for a locked repository."""
    from chartkeep.checks import run_checks
    from chartkeep.gitstate import require_unlocked
    from chartkeep.practice import load_practice

    require_unlocked(root)
    practice = load_practice(root, as_of=as_of)
    refuse_locked(practice.problems)
    return practice, run_checks(practice)


def refuse_locked(problems: Iterable[Any]) -> None:
    locked = sorted(p.path for p in problems if p.code == "CK004")
    if locked:
        raise SetupError(
            f"{len(locked)} record(s) are encrypted (e.g. {locked[0]}): the repository is locked, "
            "so the chart would be missing records. Unlock it first: `chartkeep unlock KEYFILE`."
        )


def read_history(
    root: Path, paths: list[str] | None = None
) -> tuple[dict[str, list[HistoryEntry]] | None, str]:
    """Each note's committed versions, when the history capability and git are available."""
    try:
        from chartkeep.history import open_history
    except ImportError:
        return None, ""
    try:
        history = open_history(root)
        if history is None:
            return None, "Not in a git repository: no history."
        with history:
            versions = history.versions(paths)
    except Exception as error:  # history is a view; its failure must not hide the chart
        return None, f"History unavailable: {error}"
    out: dict[str, list[HistoryEntry]] = {}
    for path, items in versions.items():
        if not is_public(path):
            continue
        out[path] = [
            HistoryEntry(
                at=v.commit.at,
                author=v.commit.author,
                subject=v.commit.subject,
                commit=v.commit.id,
                deleted=v.blob is None,
            )
            for v in items
        ]
    return out, ""


def file_text_reader(root: Path) -> Callable[[RawRecord], str | None]:
    """Read a record's whole text again (for its numbered source lines on its page)."""
    from chartkeep.reader import decode

    def read(raw: RawRecord) -> str | None:
        try:
            data = read_regular(raw.source or root / raw.path)[1]
        except OSError:
            return None
        text, _ = decode(raw.path, data)
        return text

    return read


PARALLEL_FROM = 1500  # records: below this one process is faster than a pool
_DATA: ChartData | None = None  # what forked workers read (inherited, never pickled)


def _client_pages(share: tuple[list[str], list[str]]) -> list[ChartPage]:
    assert _DATA is not None
    return list(chart_pages_mod.client_pages(_DATA, *share).values())


def make_pages(data: ChartData) -> list[ChartPage]:
    """Every page; a large practice's clients shared out to every core.

    Forking is safe only with no other thread running (a lock held by a thread at fork time
    stays held in the child), so the background re-check of `serve` stays on one core.
    """
    workers = os.cpu_count() or 1
    if len(data.raws) < PARALLEL_FROM or workers < 2 or threading.active_count() > 1:
        return chart_pages_mod.chart_pages(data)
    import concurrent.futures
    import multiprocessing

    global _DATA
    chart_pages_mod.diagnosis_list(["F32.A"])  # load the code descriptions once, not in each worker
    _DATA = data
    try:
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
            shares = pool.map(_client_pages, _shares(data, workers * 4))
            made = {page.src_uri: page for share in shares for page in share}
    finally:
        _DATA = None
    return chart_pages_mod.site_pages(data, made)


def _shares(data: ChartData, count: int) -> list[tuple[list[str], list[str]]]:
    """About `count` shares of (client codes, record paths): each client with all its records."""
    codes = chart_pages_mod.client_codes(data)
    by_client: dict[str, list[str]] = {code: [] for code in codes}
    others: list[str] = []  # group session records
    for path in sorted(data.raws):
        code = chart_pages_mod.client_of(path)
        (by_client[code] if code in by_client else others).append(path)
    size = max(1, len(data.raws) // count)
    shares: list[tuple[list[str], list[str]]] = []
    share: tuple[list[str], list[str]] = ([], [])
    for code in codes:
        share[0].append(code)
        share[1].extend(by_client[code])
        if len(share[1]) >= size:
            shares.append(share)
            share = ([], [])
    if share[0]:
        shares.append(share)
    shares += [([], others[i : i + size]) for i in range(0, len(others), size)]
    return shares


@dataclass
class FullChart:
    """The result of reading and checking the whole practice, before it replaces the old one."""

    practice: Any
    problems: list[Any]
    history: dict[str, list[HistoryEntry]] | None
    history_note: str
    pages: dict[str, ChartPage]


def require_text_names(paths: Iterable[str]) -> None:
    """A page cannot be made of a record whose file name is not UTF-8 text (MkDocs fails on it):
    name those to rename, shown with �."""
    from chartkeep.errors import SetupError

    odd = []
    for path in paths:
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            odd.append(path.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    if odd:
        raise SetupError(
            f"{', '.join(odd)}: the file name is not UTF-8 text (shown with �); rename it "
            "(e.g. YYYY-MM-DD-type.md), then build again"
        )


class ChartSource:
    """A practice's chart pages, kept between builds (what the MkDocs plugin reads)."""

    def __init__(
        self,
        root: Path,
        *,
        cache_dir: Path | None = None,
        as_of: dt.datetime | None = None,
        history: bool = True,
    ) -> None:
        self.root = root
        self.cache_dir = cache_dir
        self.as_of = as_of
        self.use_history = history
        self.pages: dict[str, ChartPage] = {}
        self.changed: set[str] = set()
        self.practice: Any = None
        self.problems: list[Any] = []
        self.history: dict[str, list[HistoryEntry]] | None = None
        self.history_note = ""
        self.search_docs: list[dict[str, Any]] | None = None
        self.search_config: dict[str, Any] = {}
        self.mkdocs_state: Any = None  # set by the plugin after each MkDocs build
        self.timings: dict[str, float] = {}
        self.removed: set[str] = set()  # pages gone since the last build (their files go too)
        self._read = file_text_reader(root)

    # -- loading ----------------------------------------------------------------------------

    def compute_full(self) -> FullChart:
        """Read and check the whole practice and make every page, changing nothing yet."""
        start = time.perf_counter()
        practice, problems = load_checked(self.root, self.as_of)
        require_text_names(raw.path for raw in practice.raws)
        self.timings["load_check"] = time.perf_counter() - start
        history, note = read_history(self.root) if self.use_history else (None, "")
        start = time.perf_counter()
        data = chart_data(practice, problems, history, note, self._read)
        pages = {page.src_uri: page for page in make_pages(data)}
        self.timings["pages"] = time.perf_counter() - start
        return FullChart(practice, problems, history, note, pages)

    def apply_full(self, full: FullChart) -> None:
        self.practice, self.problems = full.practice, full.problems
        self.history, self.history_note = full.history, full.history_note
        self._replace(full.pages)

    def load(self) -> None:
        self.apply_full(self.compute_full())

    def update(self, paths: Iterable[str]) -> None:
        """Re-read `paths` (practice-relative) and remake only the pages they touch.

        Only those files are parsed; the records they are checked against (the client's other
        records, every face sheet and plan) are the ones already in memory. Checks that compare
        clients (overlaps across clients, other clients' names) wait for the next full re-check.
        """
        paths = list(paths)
        require_text_names(paths)
        from chartkeep.checks import run_checks
        from chartkeep.practice import (
            Practice,
            add_parsed,
            index_records,
            make_env,
            parse_file,
            practice_now,
        )

        wanted = sorted({p for p in paths if p.startswith(("notes/", "private/"))})
        if self.practice is None or not wanted:
            self.load()
            return
        old = self.practice
        keep = set(wanted)
        env = make_env(old.settings, old.sections)
        parsed = []
        for path in wanted:
            file = self.root / path
            try:
                data = read_regular(file)[1]
            except FileNotFoundError:
                continue  # deleted
            except OSError:
                data = b""
            parsed.append(parse_file(path, data, env, str(file)))
        refuse_locked(p for item in parsed for p in item.problems)

        def fresh_practice() -> Any:
            return Practice(
                root=old.root,
                settings=old.settings,
                now=practice_now(old.settings, self.as_of),
                templates=old.templates,
                sections=old.sections,
            )

        practice = fresh_practice()
        practice.problems = [p for p in old.problems if p.path not in keep]
        practice.raws = [r for r in old.raws if r.path not in keep]
        practice.records = [r for r in old.records if r.path not in keep]
        practice.features = {k: v for k, v in old.features.items() if k not in keep}
        add_parsed(practice, parsed)
        index_records(practice)

        # practice checks on the changed files' clients, with every face sheet and plan
        clients = {chart_pages_mod.client_of(p) for p in wanted} - {None}
        sub = fresh_practice()
        sub.records = [
            r
            for r in practice.records
            if r.path in keep
            or chart_pages_mod.client_of(r.path) in clients
            or r.path.endswith("/client.md")
            or r.path.rsplit("/", 1)[-1].startswith("plan-")
        ]
        sub.raws = [r for r in practice.raws if r.path in keep]
        in_sub = {r.path for r in sub.records}
        sub.features = {p: f for p, f in practice.features.items() if p in in_sub}
        sub.problems = [p for item in parsed for p in item.problems]
        index_records(sub)
        found = [p for p in run_checks(sub) if p.path in keep]
        self.practice = practice
        self.problems = sorted([p for p in self.problems if p.path not in keep] + found)
        if self.history is not None:
            more, _ = read_history(self.root, [p for p in wanted if is_public(p)])
            for path in wanted:
                self.history.pop(path, None)
            self.history.update(more or {})
        chart = self._data()
        new = dict(self.pages)
        builders = chart_pages_mod.page_builders(chart, new)
        for uri in list(new):
            if uri not in builders:
                del new[uri]
        todo = chart_pages_mod.affected_pages(wanted) | (set(builders) - set(new))

        def order(uri: str) -> tuple[bool, bool, str]:
            # records first, print views last: those reuse the record and client pages
            return is_print_url(chart_pages_mod.page_url(uri)), not uri.startswith("notes/"), uri

        for uri in sorted(todo, key=order):
            if uri in builders:
                new[uri] = builders[uri]()
        self._replace(new)

    def _data(self) -> ChartData:
        return chart_data(self.practice, self.problems, self.history, self.history_note, self._read)

    def _replace(self, new: dict[str, ChartPage]) -> None:
        self.changed = {uri for uri, page in new.items() if self.pages.get(uri) != page}
        removed = set(self.pages) - set(new)
        self.removed |= removed
        self.pages = new
        if self.cache_dir is not None:
            for uri in self.changed:
                target = self.cache_dir / uri
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                target.write_text(new[uri].html, encoding="utf-8")
            for uri in removed:
                (self.cache_dir / uri).unlink(missing_ok=True)

    def source_path(self, uri: str) -> str | None:
        """Where a page's source is cached (so MkDocs `dirty` builds skip it), or None."""
        return str(self.cache_dir / uri) if self.cache_dir is not None else None

    # -- search index across dirty builds ------------------------------------------------------

    def merge_search(self, site_dir: Path, rebuilt: set[str], dirty: bool) -> None:
        """MkDocs' search plugin indexes only the pages a dirty build rendered: add the rest."""
        index = site_dir / "search" / "search_index.json"
        if not index.exists():
            return
        fresh = json.loads(index.read_text(encoding="utf-8"))
        self.fill_search_texts(fresh["docs"], fresh.get("config", {}))
        # print views repeat every record of a client: index each record once
        docs = [d for d in fresh["docs"] if not is_print_url(d["location"].split("#", 1)[0])]
        if dirty and self.search_docs is not None:
            docs = self._kept_docs(rebuilt) + docs
        self.search_config = fresh.get("config", {})
        self.search_docs = docs
        self.write_search(site_dir)

    def fill_search_texts(self, docs: list[dict[str, Any]], config: Any) -> None:
        """Give each page's index entry the page's own text: the plugin hands MkDocs' search
        plugin none (`search_text` is what it would have found, made for less)."""
        if config.get("indexing", "full") != "full":
            return  # titles or sections only: MkDocs leaves the text empty
        texts = {
            chart_pages_mod.page_url(uri): page.search_text
            for uri, page in self.pages.items()
            if page.searchable and page.search_text is not None
        }
        for doc in docs:
            text = texts.get(doc["location"])
            if text is not None:
                doc["text"] = text

    def _kept_docs(self, rebuilt: set[str]) -> list[dict[str, Any]]:
        current = {chart_pages_mod.page_url(uri) for uri in self.pages}
        return [
            doc
            for doc in self.search_docs or []
            if (page := doc["location"].split("#", 1)[0]) in current and page not in rebuilt
        ]

    def replace_search_docs(self, site_dir: Path, urls: set[str], docs: list[dict[str, Any]]) -> None:
        self.search_docs = self._kept_docs(urls) + docs
        self.write_search(site_dir)

    def write_search(self, site_dir: Path) -> None:
        index = site_dir / "search" / "search_index.json"
        payload = {"config": self.search_config, "docs": self.search_docs or []}
        tmp = index.with_name(".search_index.json.tmp")
        tmp.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, index)


# -- running MkDocs -------------------------------------------------------------------------


class _Quiet(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "dirty" not in record.getMessage()


def mkdocs_config(root: Path, site_dir: Path, work_dir: Path) -> Any:
    """The practice's `mkdocs.yml` (or a default) with private docs and site directories."""
    from mkdocs.config import load_config

    docs = work_dir / "docs"
    docs.mkdir(exist_ok=True, mode=0o700)
    config_file = root / "mkdocs.yml"
    if not config_file.is_file():
        from chartkeep.settings import load_settings

        settings, _ = load_settings(root)
        config_file = work_dir / "mkdocs.yml"
        config_file.write_text(DEFAULT_MKDOCS.format(name=json.dumps(settings.practice_name)))
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    logging.getLogger("mkdocs.commands.build").addFilter(_Quiet())
    try:
        config = load_config(str(config_file), site_dir=str(site_dir), docs_dir=str(docs))
    except Exception as error:  # mkdocs reports config errors as Abort/ConfigurationError
        raise SetupError(f"{config_file}: {error}") from None
    plugin = config.plugins.get("chartkeep")
    if plugin is None:
        raise SetupError(f"{config_file}: add `chartkeep` to `plugins:` (plugins: [search, chartkeep])")
    return config


class ChartBuilder:
    """One practice, one site directory, built once or rebuilt on every save.

    `build()` runs the whole pipeline and MkDocs. While serving, `quick(paths)` remakes the pages
    a saved file touches and renders just those with the theme of the last MkDocs build (MkDocs'
    own per-page build steps), so a save shows in about a second whatever the practice's size;
    `recheck()` then re-reads and re-checks everything without holding up saves, and renders the
    pages whose content changed. Whenever the set of pages changes (a new note), MkDocs runs
    again with `dirty=True`, which rewrites only pages whose cached source changed.
    """

    def __init__(
        self,
        root: Path,
        site_dir: Path,
        work_dir: Path,
        *,
        as_of: dt.datetime | None = None,
        incremental: bool = False,
        history: bool = True,
    ) -> None:
        self.root = root
        self.site_dir = site_dir
        self.work_dir = work_dir
        cache = work_dir / "pages" if incremental else None
        if cache is not None:
            cache.mkdir(exist_ok=True, mode=0o700)
        self.source = ChartSource(root, cache_dir=cache, as_of=as_of, history=history)
        self.incremental = incremental
        self.version = 0
        self.generation = 0  # counts saves, so a re-check that raced with one is dropped
        self.lock = threading.RLock()
        self.built = False
        self.unindexed: set[str] = set()  # pages rendered by `quick`, for the next search update
        self.closed = False  # set when the private directory is about to go: write nothing more

    def build(self, paths: Iterable[str] | None = None) -> float:
        """Everything (paths None) or only `paths`, then MkDocs; the seconds it took."""
        start = time.perf_counter()
        with self.lock:
            if self.closed:
                return 0.0
            if paths is None or not self.built:
                self.source.load()
                self._mkdocs(dirty=self.incremental and self.built)
            else:
                self.quick(paths)
            self._done()
        return time.perf_counter() - start

    def quick(self, paths: Iterable[str]) -> float:
        """A saved file: its pages now, the full re-check later."""
        start = time.perf_counter()
        with self.lock:
            if self.closed:
                return 0.0
            if not self.built:
                return self.build()
            self.generation += 1
            self.source.update(paths)
            if self._render_changed(search=False):
                self.unindexed |= self.source.changed
            else:
                self._mkdocs(dirty=True)
            self._done()
        return time.perf_counter() - start

    def recheck(self) -> float:
        """Re-read and re-check the whole practice; apply it unless a save came meanwhile."""
        start = time.perf_counter()
        generation = self.generation
        full = self.source.compute_full()  # slow at scale: saves are not held up meanwhile
        with self.lock:
            if self.closed or generation != self.generation:
                return time.perf_counter() - start  # a newer save: the next re-check will do
            self.source.apply_full(full)
            self.source.changed |= self.unindexed & set(self.source.pages)
            if not self._render_changed(search=True):
                self._mkdocs(dirty=True)
            self.unindexed.clear()
            self._done()
        return time.perf_counter() - start

    def close(self) -> None:
        """Wait for a running build, then refuse further ones (the directory is going away)."""
        with self.lock:
            self.closed = True

    def warm(self) -> None:
        """Load what the first save would otherwise wait for (the ICD-10-CM code index)."""
        from chartkeep import icd10

        icd10.lookup("F32.A")
        icd10.description("F32.A")

    def _done(self) -> None:
        for uri in self.source.removed:
            target = self.site_dir / chart_pages_mod.page_url(uri) / "index.html"
            target.unlink(missing_ok=True)
        self.source.removed.clear()
        self.built = True
        self.version += 1
        (self.site_dir / SITE_MARKER).write_text(f"{self.version}\n")

    def _render_changed(self, *, search: bool) -> bool:
        """Render the changed pages with the last build's MkDocs state; False to run MkDocs."""
        state = self.source.mkdocs_state
        if state is None or set(self.source.pages) != state.uris:
            return False
        try:
            # MkDocs' own per-page steps (mkdocs<2 is pinned); any surprise falls back to a build
            from mkdocs.commands.build import _build_page, _populate_page

            docs = state.files.documentation_pages()
            rendered = []
            for uri in sorted(self.source.changed):
                file = state.files.get_file_from_path(uri)
                page = file.page if file is not None else None
                if page is None or not hasattr(page, "chart"):
                    return False
                page.chart = self.source.pages[uri]
                page.title = page.chart.title
                _populate_page(page, state.config, state.files)
                _build_page(page, state.config, docs, state.nav, state.env)
                rendered.append(page)
            if search and rendered:
                self._index_pages(state, rendered)
        except Exception:
            return False
        return True

    def _index_pages(self, state: Any, pages: list[Any]) -> None:
        from mkdocs.contrib.search.search_index import SearchIndex

        plugin = state.config.plugins.get("search")
        if plugin is None:
            return
        index = SearchIndex(**plugin.config)
        for page in pages:
            if page.chart.searchable:
                content = page.content
                page.content = content if page.chart.search_text is None else ""
                try:
                    index.add_entry_from_context(page)
                finally:
                    page.content = content
        docs = json.loads(index.generate_search_index())["docs"]
        self.source.fill_search_texts(docs, index.config)
        self.source.replace_search_docs(self.site_dir, {p.url for p in pages}, docs)

    def _mkdocs(self, *, dirty: bool) -> None:
        from mkdocs.commands.build import build as mkdocs_build
        from mkdocs.exceptions import MkDocsException

        start = time.perf_counter()
        config = mkdocs_config(self.root, self.site_dir, self.work_dir)
        plugin = config.plugins["chartkeep"]
        plugin.source = self.source
        plugin.dirty = dirty
        try:
            mkdocs_build(config, dirty=dirty)
        except MkDocsException as error:
            raise RefusedError(f"the chart could not be built: {error}") from None
        self.source.timings["mkdocs"] = time.perf_counter() - start


# -- where the site goes --------------------------------------------------------------------


def prepare_site_dir(root: Path, site_dir: Path) -> Path:
    """A safe, private site directory: never the practice, never a tracked folder in it, and
    never a non-empty folder that is not a previous chart (MkDocs empties the site directory)."""
    site = site_dir.expanduser().resolve()
    root = root.resolve()
    if site == root or root.is_relative_to(site):
        raise UsageError(f"--site-dir {site_dir}: would hold the practice itself; choose another")
    if site.is_relative_to(root):
        rel = site.relative_to(root)
        if rel.parts[0] in ("notes", "private", "templates", ".git"):
            raise UsageError(f"--site-dir {site_dir}: inside {rel.parts[0]}/; choose another")
        if not _git_ignored(root, rel):
            raise UsageError(
                f"--site-dir {site_dir}: inside the practice but not ignored by git, so the "
                "rendered records could be committed. Use `site/` (ignored) or add it to .gitignore."
            )
    if site.exists():
        if not site.is_dir():
            raise UsageError(f"--site-dir {site_dir}: not a directory")
        if any(site.iterdir()) and not (site / SITE_MARKER).exists():
            raise UsageError(
                f"--site-dir {site_dir}: not empty and not a chart built by chartkeep "
                "(building empties it); choose an empty or new directory"
            )
    site.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(site, 0o700)
    return site


def _git_ignored(root: Path, rel: Path) -> bool:
    try:
        result = subprocess.run(
            ["git", "check-ignore", "-q", "--no-index", f"{rel.as_posix()}/"],
            cwd=root,
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return result.returncode == 0


def runtime_base() -> Path:
    """Where temporary charts go: $XDG_RUNTIME_DIR (a per-user tmpfs) when set, else /tmp."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    if base and Path(base).is_dir() and os.access(base, os.W_OK):
        return Path(base)
    import tempfile

    return Path(tempfile.gettempdir())
