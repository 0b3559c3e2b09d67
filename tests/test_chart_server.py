"""`chartkeep serve`: Host check, token → cookie, no-store and CSP, private directory removed."""

from __future__ import annotations

import http.client
import os
import re
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from chartkeep.chart.server import make_server
from chartkeep.cli import main

from tests.test_chart_helpers import AS_OF_TEXT, make_practice

TOKEN = "t0ken-for-tests"


@pytest.fixture
def server(tmp_path: Path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>dashboard</p>")
    (site / ".chartkeep-site").write_text("1\n")
    (site / "notes").mkdir()
    httpd, state = make_server(site, "127.0.0.1", 0, token=TOKEN)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], state
    httpd.shutdown()
    httpd.server_close()


def get(port: int, path: str, host: str | None = None, cookie: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"Host": host if host is not None else f"127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_token_sets_cookie_then_redirects(server) -> None:
    port, state = server
    response, _ = get(port, f"/?token={TOKEN}")
    assert response.status == 303
    assert response.getheader("Location") == "/"
    cookie = response.getheader("Set-Cookie")
    assert f"{state.cookie}={TOKEN}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    response, body = get(port, "/", cookie=f"{state.cookie}={TOKEN}")
    assert response.status == 200 and b"dashboard" in body
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("Referrer-Policy") == "no-referrer"
    assert "default-src 'self'" in response.getheader("Content-Security-Policy")


def test_no_token_or_wrong_token_is_refused(server) -> None:
    port, state = server
    response, body = get(port, "/")
    assert response.status == 403 and b"dashboard" not in body
    assert response.getheader("Cache-Control") == "no-store"
    response, _ = get(port, "/?token=guess")
    assert response.status == 403 and response.getheader("Set-Cookie") is None
    response, _ = get(port, "/", cookie=f"{state.cookie}=guess")
    assert response.status == 403


@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:{port}", "127.0.0.1:1", ""])
def test_other_host_header_is_refused(server, host: str) -> None:
    port, state = server
    response, body = get(port, "/", host=host.format(port=port), cookie=f"{state.cookie}={TOKEN}")
    assert response.status == 403 and b"dashboard" not in body


@pytest.mark.parametrize("host", ["localhost:{port}", "[::1]:{port}"])
def test_loopback_names_are_allowed(server, host: str) -> None:
    port, state = server
    response, _ = get(port, "/", host=host.format(port=port), cookie=f"{state.cookie}={TOKEN}")
    assert response.status == 200


def test_no_listing_no_dot_files(server) -> None:
    port, state = server
    cookie = f"{state.cookie}={TOKEN}"
    assert get(port, "/notes/", cookie=cookie)[0].status == 404
    assert get(port, "/.chartkeep-site", cookie=cookie)[0].status == 404


def test_other_address_needs_the_explicit_flag(tmp_path: Path, capsys) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "chartkeep.toml").write_text('practice_name = "x"\n')
    assert main(["serve", "--practice", str(root), "--addr", "0.0.0.0:8000"]) == 2
    assert "--i-understand-this-exposes-phi" in capsys.readouterr().err


def start_serve(root: Path) -> tuple[subprocess.Popen[str], Path, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chartkeep",
            "serve",
            "--practice",
            str(root),
            "--addr",
            "127.0.0.1:0",
            "--as-of",
            AS_OF_TEXT,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Serving the chart at"):
            break
    text = "".join(lines)
    found = re.search(r"into (\S+) \(removed on exit\)", text)
    url = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", text)
    assert found and url, text + (proc.stderr.read() if proc.poll() is not None else "")
    return proc, Path(found.group(1)), url.group(1)


def test_serve_removes_private_dir_on_sigterm_and_rebuilds_on_save(tmp_path: Path) -> None:
    root = tmp_path / "p"
    made = make_practice(root)
    proc, private, url = start_serve(root)
    try:
        assert private.is_dir()
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
        port = int(re.search(r":(\d+)/", url).group(1))
        token = url.split("token=", 1)[1]
        response, _ = get(port, f"/?token={token}")
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        note = root / made["linked"]
        page = "/" + made["linked"][:-3] + "/"
        assert get(port, page, cookie=cookie)[0].status == 200
        note.write_text(note.read_text() + "\nWombat-sentence saved while serving.\n")
        saved = time.monotonic()
        while time.monotonic() - saved < 30:
            if b"Wombat-sentence" in get(port, page, cookie=cookie)[1]:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the saved note never showed in the served chart")
        print(f"saved note visible after {time.monotonic() - saved:.2f} s")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert not private.exists()


def test_serve_removes_private_dir_when_the_build_fails(tmp_path: Path, monkeypatch, capsys) -> None:
    import tempfile

    root = tmp_path / "p"
    make_practice(root)
    note = next((root / "notes" / "C0001").glob("*-soap.md"))
    note.write_bytes(b"\x00GITCRYPT\x00" + os.urandom(64))  # a locked note
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    code = main(["serve", "--practice", str(root), "--addr", "127.0.0.1:0", "--as-of", AS_OF_TEXT])
    assert code == 2 and "locked" in capsys.readouterr().err
    assert list(temp.iterdir()) == []
