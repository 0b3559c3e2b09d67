"""The MkDocs plugin: a thin adapter that hands chartkeep's pages (chart/pages.py) to MkDocs.

It adds one generated file per page (clients and notes `NOT_IN_NAV`, so the nav every page
renders stays two entries long), attaches a `Page` whose HTML is already made (no second
Markdown pass), keeps the search index whole across dirty rebuilds, and refuses settings that
would make the site load anything from another host.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from chartkeep.chart.pages import CLIENTS, DASHBOARD, ChartPage


class _Options(base.Config):
    practice = c.Optional(c.Type(str))  # default: the directory of mkdocs.yml


class ChartMkPage(Page):
    """A MkDocs page whose HTML chartkeep has made."""

    def __init__(self, chart: ChartPage, file: File, config: Any) -> None:
        super().__init__(chart.title, file, config)
        self.chart = chart

    def read_source(self, config: Any) -> None:
        self.markdown = ""
        self.meta = {}

    def render(self, config: Any, files: Any) -> None:
        self.content = self.chart.html
        self.toc = get_toc([])
        self.present_anchor_ids = set()


def _remote(value: object) -> bool:
    text = str(getattr(value, "path", value))
    return text.startswith(("http:", "https:", "//"))


class ChartPlugin(BasePlugin[_Options]):
    """`plugins: [search, chartkeep]` in mkdocs.yml."""

    def __init__(self) -> None:
        self.source: Any = None  # a chartkeep.chart.build.ChartSource, set by `chartkeep build`
        self.dirty = False
        self._rebuilt: set[str] = set()
        self._held: dict[str, Any] = {}
        self._nav: Any = None
        self._env: Any = None
        self._files: Any = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Only under the `mkdocs` command line (chartkeep calls MkDocs' build directly)."""
        if command == "gh-deploy":
            raise PluginError("chartkeep: the chart holds protected health information; never publish it")
        if command == "serve":
            raise PluginError(
                "chartkeep: use `chartkeep serve` (127.0.0.1, a token, no caching), not `mkdocs serve`"
            )

    def on_config(self, config: Any) -> Any:
        from chartkeep.chart.build import theme_dir

        theme = config.theme
        theme["highlightjs"] = False  # else it loads highlight.js from a CDN
        if theme.get("analytics", {}).get("gtag") or config.get("google_analytics"):
            raise PluginError("chartkeep: analytics would send the chart's URLs to Google; remove it")
        for item in (*config.extra_css, *config.extra_javascript):
            if _remote(item):
                raise PluginError(f"chartkeep: {item} loads from another host; the chart is private")
        ours = str(theme_dir())
        if ours not in theme.dirs:
            # after the practice's own custom_dir, before the mkdocs theme
            custom = theme.custom_dir
            theme.dirs.insert(1 if custom and theme.dirs[0] == custom else 0, ours)
        config.use_directory_urls = True
        config.site_url = None  # no canonical links naming a host
        if not config.nav:
            config.nav = [{"Dashboard": DASHBOARD}, {"Clients": CLIENTS}]
        if self.source is None:
            from chartkeep.chart.build import ChartSource

            root = Path(self.config.practice or Path(config.config_file_path).parent)
            self.source = ChartSource(root.resolve())
        return config

    def on_pre_build(self, config: Any) -> None:
        self._rebuilt = set()
        if not self.source.pages:
            self.source.load()

    def on_files(self, files: Files, config: Any) -> Files:
        pages = self.source.pages
        for file in list(files):
            # nothing from the docs directory may shadow or add to the records
            if file.src_uri in pages or file.src_uri.startswith(("notes/", "private/", "clients/")):
                files.remove(file)
        for uri, chart in pages.items():
            path = self.source.source_path(uri)
            level = InclusionLevel.INCLUDED if chart.in_nav else InclusionLevel.NOT_IN_NAV
            if path is not None:
                file = File.generated(config, uri, abs_src_path=path, inclusion=level)
            else:
                file = File.generated(config, uri, content=chart.html, inclusion=level)
            ChartMkPage(chart, file, config)
            files.append(file)
        return files

    @event_priority(100)  # before the search plugin reads the page
    def _hide_from_search(self, context: Any, page: Any, **kwargs: Any) -> Any:
        self._rebuilt.add(page.url)
        chart = getattr(page, "chart", None)
        if chart is not None and (not chart.searchable or chart.search_text is not None):
            self._held[page.url] = page.content
            # print views and the dashboard repeat what the notes say; the other pages' text is
            # put in their index entries after the build (ChartSource.merge_search), made with
            # the page: the search plugin's HTML parser would cost more than the page itself
            page.content = ""
        return context

    @event_priority(-100)  # after it, before the theme renders the page
    def _restore(self, context: Any, page: Any, **kwargs: Any) -> Any:
        if page.url in self._held:
            page.content = self._held.pop(page.url)
        return context

    on_page_context = CombinedEvent(_hide_from_search, _restore)

    def on_nav(self, nav: Any, config: Any, files: Any) -> Any:
        self._nav = nav
        return nav

    def on_env(self, env: Any, config: Any, files: Any) -> Any:
        self._env, self._files = env, files
        # the search and keyboard dialogs are the same on every page: render them once, not
        # once per page (main.html includes the template itself when this is missing)
        env.globals["chartkeep_dialogs"] = env.get_template("dialogs.html").render(config=config)
        return env

    @event_priority(-100)  # after the search plugin has written its index
    def on_post_build(self, config: Any) -> None:
        self.source.merge_search(Path(config.site_dir), self._rebuilt, self.dirty)
        # what a later save needs to render its pages with this build's theme and navigation
        self.source.mkdocs_state = BuildState(
            config, self._files, self._nav, self._env, set(self.source.pages)
        )


@dataclass
class BuildState:
    config: Any
    files: Any
    nav: Any
    env: Any
    uris: set[str]
