"""git's long-running filter protocol (gitattributes(5), "Long Running Filter Process").

One process serves a whole checkout or `git add`: a pkt-line handshake (`git-filter-client` /
`git-filter-server`, version=2, capability=clean/smudge), then per file a list of `key=value`
packets (command, pathname, ...), a flush, the content packets and a flush. We answer
`status=success`, the converted content, a flush and an empty status list, or `status=error`
before any content when a file cannot be converted (git then fails loudly: the filter is required).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, BinaryIO

from chartkeep.gitcrypt import KEYS_SUBDIR, key_file_name
from chartkeep.gitcrypt.blob import BlobError, clean, smudge
from chartkeep.gitcrypt.keyfile import KeyEntry, KeyFileError, parse

if TYPE_CHECKING:
    from pathlib import Path

# git starts this process for every `git add`, `git commit` and checkout, so it imports little
# (no pathlib or dataclasses): its start-up is paid on every one of them.

MAX_PACKET_DATA = 65516
FLUSH = b"0000"
# Set by `chartkeep unlock`: smudge failures leave the ciphertext in place and are listed in this
# file, so one damaged note does not abort the whole checkout. Plain git never sets it.
KEEP_UNREADABLE_ENV = "CHARTKEEP_KEEP_UNREADABLE"


class ProtocolError(Exception):
    """git sent something this filter does not understand."""


def read_packet(stream: BinaryIO) -> bytes | None:
    """One pkt-line: its payload, or None for a flush packet. EOFError at end of input."""
    head = stream.read(4)
    if not head:
        raise EOFError
    if len(head) < 4:
        raise ProtocolError("truncated packet length")
    length = int(head, 16)
    if length == 0:
        return None
    if length < 4:
        raise ProtocolError(f"invalid packet length {length}")
    payload = stream.read(length - 4)
    if len(payload) != length - 4:
        raise ProtocolError("truncated packet")
    return payload


def read_text_list(stream: BinaryIO) -> list[str]:
    """Text packets up to the next flush, without their trailing newlines."""
    lines = []
    while (packet := read_packet(stream)) is not None:
        lines.append(packet.rstrip(b"\n").decode("utf-8", "surrogateescape"))
    return lines


def read_content(stream: BinaryIO) -> bytes:
    chunks = []
    while (packet := read_packet(stream)) is not None:
        chunks.append(packet)
    return b"".join(chunks)


def packet(data: bytes) -> bytes:
    return b"%04x" % (len(data) + 4) + data


def text_packets(*lines: str) -> bytes:
    return b"".join(packet(line.encode() + b"\n") for line in lines) + FLUSH


def content_packets(data: bytes) -> bytes:
    return (
        b"".join(packet(data[i : i + MAX_PACKET_DATA]) for i in range(0, len(data), MAX_PACKET_DATA)) + FLUSH
    )


def handshake(stdin: BinaryIO, stdout: BinaryIO) -> set[str]:
    """Agree on version 2 and on the clean/smudge capabilities; return what git offered."""
    hello = read_text_list(stdin)
    if not hello or hello[0] != "git-filter-client" or "version=2" not in hello[1:]:
        raise ProtocolError(f"unexpected handshake {hello!r}")
    stdout.write(text_packets("git-filter-server", "version=2"))
    stdout.flush()
    offered = {line.partition("=")[2] for line in read_text_list(stdin)}
    ours = [c for c in ("clean", "smudge") if c in offered]
    stdout.write(text_packets(*(f"capability={c}" for c in ours)))
    stdout.flush()
    return offered


class Keys:
    """Loads the key for this filter on first use, so a missing key fails per file, clearly."""

    def __init__(self, key_name: str | None, git_dir: Path | None = None) -> None:
        self.key_name = key_name
        self.git_dir = git_dir
        self._entry: KeyEntry | None = None
        self._loaded = False

    def path(self) -> str:
        if self.git_dir is not None:
            git_dir = os.fspath(self.git_dir)
        else:
            import subprocess

            found = subprocess.run(["git", "rev-parse", "--git-common-dir"], capture_output=True, check=False)
            if found.returncode != 0:
                raise BlobError("not inside a git repository, so there is no key to use")
            git_dir = os.path.realpath(found.stdout.decode().strip())
        return os.path.join(git_dir, *KEYS_SUBDIR, key_file_name(self.key_name))

    def entry(self) -> KeyEntry | None:
        """The newest key entry, None when no key is installed; BlobError for a damaged key
        or outside a repository."""
        if not self._loaded:
            path = self.path()
            try:
                with open(path, "rb") as handle:
                    self._entry = parse(handle.read()).latest
            except FileNotFoundError:
                self._entry = None
            except (OSError, KeyFileError) as error:
                raise BlobError(f"cannot use the key {path}: {error}") from None
            self._loaded = True
        return self._entry


def serve(stdin: BinaryIO, stdout: BinaryIO, keys: Keys, stderr: BinaryIO | None = None) -> int:
    """Answer git's requests until it closes the pipe."""
    err = stderr if stderr is not None else sys.stderr.buffer
    unreadable_log = os.environ.get(KEEP_UNREADABLE_ENV)
    try:
        handshake(stdin, stdout)
    except EOFError:
        raise ProtocolError("git closed the pipe before the handshake (this runs under git, not by hand)") from None
    while True:
        try:
            headers = read_text_list(stdin)
        except EOFError:
            return 0
        fields = dict(line.partition("=")[::2] for line in headers)
        command, pathname = fields.get("command", ""), fields.get("pathname", "?")
        content = read_content(stdin)
        try:
            key = keys.entry()
            if command == "clean":
                if key is None:
                    raise BlobError("no key is configured: run `chartkeep unlock KEYFILE`")
                result = clean(key, content)
            elif command == "smudge":
                result = smudge(key, content)
            else:
                raise BlobError(f"unknown command {command!r}")
        except BlobError as error:
            if unreadable_log and command == "smudge":
                with open(unreadable_log, "a", encoding="utf-8", errors="surrogateescape") as log:
                    log.write(f"{pathname}\t{error}\n")
                result = content
            else:
                _refuse(stdout, err, keys, command, pathname, error)
                continue
        stdout.write(text_packets("status=success") + content_packets(result) + FLUSH)
        stdout.flush()


def _refuse(
    stdout: BinaryIO, err: BinaryIO, keys: Keys, command: str, pathname: str, error: Exception
) -> None:
    """Answer `status=error` (before any content) and say why on stderr, naming the file."""
    label = f" ({keys.key_name} key)" if keys.key_name else ""
    message = f"chartkeep: {pathname}: cannot {command}{label}: {error}\n"
    err.write(message.encode("utf-8", "surrogateescape"))
    err.flush()
    stdout.write(text_packets("status=error"))
    stdout.flush()


def main(key_name: str | None = None) -> int:
    try:
        return serve(sys.stdin.buffer, sys.stdout.buffer, Keys(key_name))
    except (ProtocolError, BrokenPipeError) as error:
        print(f"chartkeep filter: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
