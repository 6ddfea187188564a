"""A private, throwaway PostgreSQL cluster for tests that stop, crash or restart the server.

The machine's shared PostgreSQL (``FLERKANAL_TEST_POSTGRES``, 127.0.0.1:5432) must never be restarted by a
test: other test runs and people use it. :class:`PrivatePostgres` instead runs ``initdb`` into a fresh
temporary directory and serves that cluster on 127.0.0.1:<free port> (and a Unix socket in the same
directory), without ``fsync`` (the data has to survive the server, not the machine; ``synchronous_commit``
stays on, so a server crash loses nothing committed), so it starts in about a second. ``stop(mode)`` is
``pg_ctl stop -m fast`` (sessions are ended, open transactions rolled back, a clean shutdown) or
``-m immediate`` (every server process is killed at once, as in a crash; the next start runs crash
recovery); ``start`` serves the same data on the same port again.

PostgreSQL refuses to run as root. When the tests run as root (CI), ``initdb``, ``postgres`` and
``pg_ctl`` run as the ``postgres`` OS user that the Debian packages create (via ``runuser``) and the
directory is handed to that user; as an ordinary user everything runs as that user.

The binaries are found with ``pg_config --bindir`` or under /usr/lib/postgresql/*/bin. Without them the
test fails, never skips, and says how to install them.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install -y postgresql"
SERVER_USER = "postgres"  # the OS user the server runs as when the tests run as root


def _bindir_has_server(path: Path) -> bool:
    return all((path / name).is_file() for name in ("initdb", "pg_ctl", "postgres"))


def _version(bindir: Path) -> tuple[int, ...]:
    return tuple(int(x) for x in bindir.parent.name.split(".") if x.isdigit())


def postgres_bindir() -> Path:
    """The directory holding initdb, pg_ctl and postgres; fails the test (never skips) when they are missing."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True)
            candidates.append(Path(out.stdout.strip()))
    # Debian's pg_config may come from libpq-dev and point at /usr/bin, which has no server: the versioned
    # directories hold it. Newest version first.
    candidates.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True))
    for c in candidates:
        if _bindir_has_server(c):
            return c
    pytest.fail("the PostgreSQL server binaries (initdb, pg_ctl, postgres) are required for the database fault "
                f"tests and were not found (looked at `pg_config --bindir` and /usr/lib/postgresql/*/bin); "
                f"run `{INSTALL_HINT}`", pytrace=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PrivatePostgres:
    """A cluster of its own in ``root`` (see the module docstring). ``url`` reaches its ``postgres`` database."""

    def __init__(self, root: Path) -> None:
        self.bindir = postgres_bindir()
        self.root = root
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                user = pwd.getpwnam(SERVER_USER)
            except KeyError:
                pytest.fail(f"running as root, the tests start PostgreSQL as the `{SERVER_USER}` OS user, which "
                            f"does not exist; run `{INSTALL_HINT}` (it creates the user)", pytrace=False)
            os.chown(root, user.pw_uid, user.pw_gid)
        root.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C",
                  "--no-sync", "--no-instructions")
        options = {
            "listen_addresses": "127.0.0.1", "port": str(self.port), "unix_socket_directories": str(root),
            # fsync off: committed data reaches the OS at commit (synchronous_commit stays on, so a crash of
            # the server, `stop -m immediate`, loses nothing committed); it is just not forced to the disk.
            "fsync": "off", "full_page_writes": "off", "shared_buffers": "16MB",
            "max_connections": "30", "max_wal_size": "256MB", "logging_collector": "off",
            "log_min_messages": "warning",
        }
        with (self.data / "postgresql.auto.conf").open("a") as f:
            f.writelines(f"{k} = '{v}'\n" for k, v in options.items())

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    # -- process ----------------------------------------------------------------------------------------
    def _run(self, tool: str, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                             stdin=subprocess.DEVNULL, cwd=self.root)
        if res.returncode != 0:
            pytest.fail(f"{tool} {' '.join(args)} failed (exit {res.returncode}):\n{res.stdout}{res.stderr}\n"
                        f"--- server log ---\n{self.log_tail()}", pytrace=False)
        return res

    def start(self) -> None:
        """Start the server and wait until it accepts connections (crash recovery included)."""
        # -w waits until the server answers; -l keeps its output (the log stays in our directory).
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m fast|immediate``; returns once every server process is gone."""
        if mode not in ("smart", "fast", "immediate"):
            raise ValueError(f"unknown stop mode {mode!r}")
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    @property
    def running(self) -> bool:
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "status"]
        if self.as_root:
            cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, timeout=30, check=False).returncode == 0

    def restart(self, mode: str = "fast", down: float = 0.0) -> None:
        """Stop (``mode``), stay down ``down`` seconds, start again on the same port."""
        self.stop(mode)
        if down > 0:
            time.sleep(down)
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A started private cluster; stopped (immediately) and removed afterwards."""
    postgres_bindir()  # fail before making anything
    root = Path(tempfile.mkdtemp(prefix="flerkanal-pg-"))
    server: PrivatePostgres | None = None
    try:
        server = PrivatePostgres(root)
        server.start()
        yield server
    finally:
        if server is not None and server.running:
            with contextlib.suppress(BaseException):
                server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
