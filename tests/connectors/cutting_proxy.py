"""A loopback TCP proxy that drops connections in the middle of a server's answer, for fault tests.

:class:`CuttingProxy` listens on 127.0.0.1:<free port> and forwards every connection to ``127.0.0.1:upstream``
(a :class:`~tests.connectors.twilio_server.LoopbackServer`, dovecot, ...), byte for byte. It sees the
conversation as requests and answers: an *answer* is what the server sends after the client last sent
something (with HTTP/1.1 that is one response; with IMAP, what follows a command; the server's greeting
counts as an answer to the empty request). Answers are numbered from 1 across all connections.

For each answer the proxy asks ``plan(number, request)`` (``request``: the client's bytes since the previous
answer began, at most 8 KiB) for a cut: None forwards the answer untouched; a :data:`Cut` is then shown the
answer as it arrives (held back, not forwarded) until it returns how many of its bytes to pass on before
the proxy drops the connection, both sides (:data:`PASS`: no cut after all, forward everything). The drop
is a FIN (``shutdown`` + ``close``) or, with ``reset``, a RST (``SO_LINGER`` 0). Each drop is recorded in
:attr:`CuttingProxy.dropped`.

Cuts for HTTP/1.1: :func:`before_response` (the request reached the server, nothing came back),
:func:`in_headers` (the status line and half the headers), :func:`mid_body` (all headers, half the
``Content-Length`` body). For IMAP: :func:`mid_literal` (half of the first ``{n}`` literal: a FETCH cut
in the middle of a mail).
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType

PASS = -1
Cut = Callable[[bytes], int | None]  # the answer so far → bytes to pass before dropping, None: wait for more, PASS
Plan = Callable[[int, bytes], Cut | None]  # (answer number, the request before it) → a cut, or None: forward

_REQUEST_KEEP = 8192


def before_response(answer: bytes) -> int:
    """Drop the connection before the first byte of the answer reaches the client."""
    return 0


def in_headers(answer: bytes) -> int | None:
    """Pass the status line and about half the header block, then drop."""
    end = answer.find(b"\r\n\r\n")
    if end < 0:
        return None
    first_line = answer.find(b"\r\n") + 2
    return max(first_line, end // 2)


_CONTENT_LENGTH = re.compile(rb"(?im)^content-length:\s*(\d+)\s*$")


def mid_body(answer: bytes) -> int | None:
    """Pass every header and half the body (by ``Content-Length``; at least one byte short), then drop."""
    end = answer.find(b"\r\n\r\n")
    if end < 0:
        return None
    m = _CONTENT_LENGTH.search(answer[:end])
    if m is None:  # chunked: cut halfway through what has come so far
        body = len(answer) - end - 4
        return end + 4 + body // 2 if body > 1 else None
    length = int(m.group(1))
    if length < 2:
        return PASS
    cut = end + 4 + length // 2
    return cut if len(answer) >= cut else None


_LITERAL = re.compile(rb"\{(\d+)\}\r\n")
_TAGGED_DONE = re.compile(rb"(?m)^[A-Za-z0-9.]+ (?:OK|NO|BAD)\b[^\r\n]*\r\n")


def mid_literal(answer: bytes) -> int | None:
    """IMAP: pass half of the answer's first literal (a mail in a FETCH), then drop; PASS when the answer
    ends (a tagged OK/NO/BAD) without one."""
    m = _LITERAL.search(answer)
    if m is None:
        return PASS if _TAGGED_DONE.search(answer) else None
    cut = m.end() + max(1, int(m.group(1)) // 2)
    return cut if len(answer) >= cut else None


def http_plan(cuts: Mapping[int, Cut]) -> Plan:
    """Cut answer number ``n`` with ``cuts[n]``; forward the rest."""
    return lambda number, _request: cuts.get(number)


@dataclass(frozen=True)
class Dropped:
    number: int  # the answer's number
    passed: int  # bytes of it the client got
    request: str  # the request's first line (an HTTP request line, an IMAP command), for diagnostics


class CuttingProxy:
    """See the module docstring. ``plan`` may be replaced while the proxy runs."""

    def __init__(self, upstream_port: int, plan: Plan | None = None, *, reset: bool = False) -> None:
        self.upstream_port = upstream_port
        self.plan: Plan = plan or (lambda _n, _r: None)
        self.reset = reset
        self.dropped: list[Dropped] = []
        self.answers = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> CuttingProxy:
        t = threading.Thread(target=self._accept, name=f"proxy-{self.port}", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in list(self._threads):
            t.join(timeout=5)
        self._listener.close()

    def __enter__(self) -> CuttingProxy:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _next_answer(self, request: bytes) -> tuple[int, Cut | None]:
        with self._lock:  # one plan call at a time: plans may count
            self.answers += 1
            return self.answers, self.plan(self.answers, request)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(client,), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
        except OSError:
            client.close()
            return
        for sock in (client, upstream):
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle stalls on split answers
        watched = [client, upstream]
        request = bytearray()  # what the client sent since the last answer began
        asked = b""  # the request the current answer answers
        new_answer = True  # a greeting counts as the answer to the empty request
        number = 0
        cut: Cut | None = None
        held = bytearray()
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select(watched, [], [], 0.1)
                for sock in ready:
                    data = sock.recv(65536)
                    if sock is client:
                        if not data:  # the client is done sending; let the server finish its answer
                            watched.remove(client)
                            with contextlib.suppress(OSError):
                                upstream.shutdown(socket.SHUT_WR)
                            continue
                        new_answer = True
                        request += data[: max(0, _REQUEST_KEEP - len(request))]
                        upstream.sendall(data)
                        continue
                    if not data:  # the server closed: pass on what is held, then close
                        if held:
                            client.sendall(held)
                        return
                    if new_answer:
                        new_answer = False
                        asked = bytes(request)
                        request.clear()
                        held.clear()
                        number, cut = self._next_answer(asked)
                    if cut is None:
                        client.sendall(data)
                        continue
                    held += data
                    decision = cut(bytes(held))
                    if decision is None:
                        continue
                    if decision == PASS:
                        client.sendall(held)
                        held.clear()
                        cut = None
                        continue
                    if decision:
                        client.sendall(held[:decision])
                    self._record(number, decision, asked)
                    self._drop(client)
                    return
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def _record(self, number: int, passed: int, request: bytes) -> None:
        with self._lock:
            self.dropped.append(Dropped(number, passed, request.split(b"\r\n", 1)[0].decode("latin-1")))

    def _drop(self, client: socket.socket) -> None:
        if self.reset:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
