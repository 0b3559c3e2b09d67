"""`chartkeep serve`: the built chart on 127.0.0.1, behind a token, rebuilt when a note is saved.

A small server of ours (http.server) rather than `mkdocs serve`, because the chart holds
protected health information:
- it binds 127.0.0.1 unless told otherwise with an explicit flag;
- a request whose Host header is not 127.0.0.1 / localhost / [::1] with our port is refused
  (DNS rebinding: a web page cannot reach the chart through a name of its own);
- the URL printed at start carries a random token, which (as in Jupyter) is exchanged for an
  HttpOnly SameSite=Strict cookie and a redirect, so the token leaves the address bar;
- every answer says `Cache-Control: no-store`, `Referrer-Policy: no-referrer` and a Content
  Security Policy of `default-src 'self'`; no directory listings, no dot files.
The rendered site lives in a mode-0700 temporary directory removed on Ctrl-C, SIGTERM and errors.
"""

from __future__ import annotations

import hmac
import http.server
import os
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

CSP = (
    "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
VERSION_PATH = "/.chartkeep/version"
DEBOUNCE = 0.15
RECHECK_AFTER = 1.5


class ServerState:
    """What the request handler needs: where the site is, the token, the build state."""

    def __init__(self, site_dir: Path, token: str, hosts: set[str], port: int) -> None:
        self.site_dir = site_dir
        self.token = token
        self.hosts = hosts
        self.cookie = f"chartkeep_{port}"
        self.version = 0
        self.error: str | None = None


def allowed_hosts(host: str, port: int) -> set[str]:
    """The Host headers we answer: loopback names, and the address we were told to use."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    wanted = {host}
    if host in ("0.0.0.0", "::"):  # every interface (explicitly exposed): this machine's names
        import socket

        name = socket.gethostname()
        wanted = {name.lower(), socket.getfqdn().lower()}
        try:
            wanted |= {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
        except OSError:
            pass
    for item in wanted - {"127.0.0.1", "localhost", "::1", "0.0.0.0", "::"}:
        names.add(f"[{item}]" if ":" in item else item)
    return {f"{name}:{port}" for name in names}


class ChartHandler(http.server.SimpleHTTPRequestHandler):
    state: ServerState  # set on the subclass made by `make_server`
    server_version = "chartkeep"
    sys_version = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, directory=str(self.state.site_dir), **kwargs)

    # -- gatekeeping ---------------------------------------------------------------------------

    def _refuse(self, code: int, message: str) -> None:
        body = (f"<!doctype html><meta charset=utf-8><title>chartkeep</title><p>{message}</p>").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _gate(self) -> bool:
        """True when the request may see the chart; otherwise the answer has been sent."""
        host = (self.headers.get("Host") or "").strip().lower()
        if host not in self.state.hosts:
            self._refuse(403, "Refused: this chart answers only at the address chartkeep printed.")
            return False
        parts = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parts.query)
        if "token" in query:
            if hmac.compare_digest(query["token"][0].encode(), self.state.token.encode()):
                rest = [(k, v) for k, vs in query.items() if k != "token" for v in vs]
                location = parts.path + (f"?{urllib.parse.urlencode(rest)}" if rest else "")
                self.send_response(303)
                self.send_header(
                    "Set-Cookie",
                    f"{self.state.cookie}={self.state.token}; HttpOnly; SameSite=Strict; Path=/",
                )
                self.send_header("Location", location or "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return False
            self._refuse(403, "Refused: wrong token. Open the link `chartkeep serve` printed.")
            return False
        cookies = self.headers.get("Cookie") or ""
        for item in cookies.split(";"):
            name, _, value = item.strip().partition("=")
            if name == self.state.cookie and hmac.compare_digest(value.encode(), self.state.token.encode()):
                return True
        self._refuse(
            403, "This chart is private: open the link `chartkeep serve` printed (it has the token)."
        )
        return False

    def do_GET(self) -> None:
        if not self._gate():
            return
        path = urllib.parse.urlsplit(self.path).path
        if path == VERSION_PATH:
            body = str(self.state.version).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.state.error is not None:
            from html import escape

            self._refuse(503, f"The chart could not be rebuilt: {escape(self.state.error)}. Fix it and save.")
            return
        if any(part.startswith(".") for part in path.split("/")):
            self.send_error(404)
            return
        super().do_GET()

    def do_HEAD(self) -> None:
        if self._gate():
            super().do_HEAD()

    def list_directory(self, path: Any) -> None:  # type: ignore[override]
        self.send_error(404)
        return None

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # paths name clients and dates: keep them out of terminal scrollback


def make_server(
    site_dir: Path, host: str, port: int, token: str | None = None
) -> tuple[http.server.ThreadingHTTPServer, ServerState]:
    token = token or secrets.token_urlsafe(32)
    state = ServerState(site_dir, token, set(), port)
    handler = type("BoundChartHandler", (ChartHandler,), {"state": state})
    server_class: type[http.server.ThreadingHTTPServer] = http.server.ThreadingHTTPServer
    if ":" in host:
        import socket

        server_class = type(
            "V6Server", (http.server.ThreadingHTTPServer,), {"address_family": socket.AF_INET6}
        )
    server = server_class((host, port), handler)
    server.daemon_threads = True
    real_port = server.server_address[1]
    state.hosts = allowed_hosts(host, real_port)
    state.cookie = f"chartkeep_{real_port}"
    return server, state


def parse_addr(addr: str) -> tuple[str, int]:
    from chartkeep.errors import UsageError

    host, sep, port = addr.rpartition(":")
    if not sep:
        host, port = addr, "8000"
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise UsageError(f"--addr {addr!r}: use HOST:PORT, e.g. 127.0.0.1:8000") from None
    if not 0 <= number <= 65535:
        raise UsageError(f"--addr {addr!r}: the port must be 0-65535")
    return host, number


def is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


class Watcher:
    """Watch the practice. A saved note is rebuilt at once (debounced); once saving settles, the
    whole practice is re-checked in another thread, so saves never wait for it."""

    def __init__(self, root: Path, rebuild: Callable[[str, list[str]], None]) -> None:
        self.root = root.resolve()
        self.rebuild = rebuild  # ("quick", paths) | ("recheck", []) | ("full", [])
        self.pending: set[str] = set()
        self.full = False
        self.lock = threading.Condition()
        self.stopped = False
        self.observer: Any = None
        self._recheck: threading.Thread | None = None

    def start(self) -> None:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                if event.event_type in ("opened", "closed_no_write"):
                    return
                for raw in (getattr(event, "src_path", ""), getattr(event, "dest_path", "")):
                    if raw:
                        watcher.saw(os.fsdecode(raw))

        self.observer = Observer()
        self.observer.schedule(Handler(), str(self.root), recursive=True)
        self.observer.daemon = True
        self.observer.start()
        threading.Thread(target=self._loop, daemon=True, name="chartkeep-rebuild").start()

    def saw(self, path: str) -> None:
        try:
            rel = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return
        top = rel.split("/", 1)[0]
        if top in ("notes", "private"):
            name = rel.rsplit("/", 1)[-1]
            if not name.endswith(".md") or name.startswith("."):
                return
            item: str | None = rel
        elif top == "templates" or rel in ("chartkeep.toml", "mkdocs.yml"):
            item = None
        else:
            return
        with self.lock:
            if item is None:
                self.full = True
            else:
                self.pending.add(item)
            self.lock.notify()

    def _loop(self) -> None:
        recheck_due: float | None = None
        while True:
            with self.lock:
                while not self.stopped and not self.pending and not self.full:
                    if recheck_due is None:
                        self.lock.wait()
                        continue
                    remaining = recheck_due - time.monotonic()
                    if remaining <= 0:
                        break
                    self.lock.wait(remaining)
                if self.stopped:
                    return
                has_work = bool(self.pending or self.full)
            if not has_work:
                recheck_due = None
                self._start_recheck()
                continue
            time.sleep(DEBOUNCE)
            with self.lock:
                paths, full = sorted(self.pending), self.full
                self.pending.clear()
                self.full = False
            if full:
                recheck_due = None
                self.rebuild("full", [])
            else:
                self.rebuild("quick", paths)
                recheck_due = time.monotonic() + RECHECK_AFTER

    def _start_recheck(self) -> None:
        if self._recheck is not None and self._recheck.is_alive():
            return  # one at a time; a save meanwhile makes it drop its result and ask again
        self._recheck = threading.Thread(
            target=self.rebuild, args=("recheck", []), daemon=True, name="chartkeep-recheck"
        )
        self._recheck.start()

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            self.lock.notify()
        if self.observer is not None:
            self.observer.stop()
            self.observer.join(timeout=5)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def serve(
    root: Path,
    host: str,
    port: int,
    *,
    as_of: Any = None,
    out: Any = None,
    watch: bool = True,
) -> int:
    """Build into a private directory, serve it until Ctrl-C or SIGTERM, then remove it."""
    from chartkeep.chart.build import ChartBuilder
    from chartkeep.errors import ChartkeepError, SetupError
    from chartkeep.layout import private_tempdir

    out = out or sys.stdout
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with private_tempdir("chartkeep-serve-") as work:
            site = work / "site"
            site.mkdir(mode=0o700)
            builder = ChartBuilder(root, site, work, as_of=as_of, incremental=True)
            try:  # listen first, so a busy port is known before a long build
                server, state = make_server(site, host, port)
            except OSError as error:
                raise SetupError(
                    f"cannot listen on {host}:{port} ({error.strerror or error}): is another "
                    f"chart running? Try --addr {host}:{port + 1 if port else 0}"
                ) from None
            try:
                seconds = builder.build()
                builder.warm()
            except BaseException:
                server.server_close()
                raise
            bump = threading.Lock()

            def rebuild(kind: str, paths: list[str]) -> None:
                try:
                    if kind == "quick":
                        took = builder.quick(paths)
                    elif kind == "recheck":
                        took = builder.recheck()
                    else:
                        took = builder.build()
                    error = None
                except ChartkeepError as failure:
                    error = str(failure)
                except Exception as failure:  # keep serving; say so on every page
                    error = f"{type(failure).__name__}: {failure}"
                with bump:
                    state.error = error
                    state.version += 1
                if error is not None:
                    print(f"chartkeep: chart not rebuilt: {error}", file=sys.stderr, flush=True)
                    return
                what = ", ".join(paths[:3]) if kind == "quick" else f"{kind} of everything"
                print(f"rebuilt ({what}) in {took:.2f} s", file=out, flush=True)

            shown = f"[{host}]" if ":" in host else host
            if host in ("0.0.0.0", "::"):
                shown = "127.0.0.1"
            real_port = server.server_address[1]
            url = f"http://{shown}:{real_port}/?token={state.token}"
            print(f"chart of {root} built in {seconds:.1f} s into {work} (removed on exit)", file=out)
            print(f"Serving the chart at {url}", file=out)
            print("Press Ctrl-C to stop.", file=out, flush=True)
            watcher = Watcher(root, rebuild) if watch else None
            if watcher is not None:
                watcher.start()
            try:
                server.serve_forever(poll_interval=0.2)
            finally:
                if watcher is not None:
                    watcher.stop()
                server.server_close()
                builder.close()  # a running rebuild finishes; none starts before the directory goes
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0
