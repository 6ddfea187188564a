"""uvicorn inside the sync daemon's event loop: a server without signal handling, on a socket bound here."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from dataclasses import dataclass

import uvicorn

__all__ = ["EmbeddedServer", "Served", "listen"]


class EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handling: the daemon's owner decides what SIGINT/SIGTERM do."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@dataclass
class Served:
    name: str
    server: EmbeddedServer
    task: asyncio.Task[None]
    sock: socket.socket


def listen(host: str, port: int) -> socket.socket:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock
