"""A private dovecot IMAP server for tests and the latency benchmark.

The server runs from a config written here into a fresh directory, listens on 127.0.0.1 on free ports
(plain IMAP with STARTTLS, and implicit TLS with a throwaway self-signed certificate), keeps its state,
logs and mail there, and is stopped (and the directory removed) afterwards. The system's dovecot
service is neither used nor needed.

Dovecot refuses to give mail access to root and to run its login processes as root, so when the tests
run as root (CI) the login and internal processes use the ``dovenull`` and ``dovecot`` users that the
Debian package creates, and mail is accessed as ``nobody``. Because pytest's tmp_path is private to
root (0700), the server's directory is made with :func:`tempfile.mkdtemp` instead, readable by those
users. Run as an ordinary user, everything runs as that user (dovecot's "rootless" mode).

There is no skipping: without dovecot the tests fail and say how to install it.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

INSTALL_HINT = "apt-get install -y dovecot-imapd"
_SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/local/sbin"])


def dovecot_binary() -> str:
    """The dovecot executable, or fail the test (never skip) with how to install it."""
    found = shutil.which("dovecot", path=_SBIN_PATH)
    if not found:
        pytest.fail(f"dovecot is required for the email connector tests and is not installed; "
                    f"run `{INSTALL_HINT}` (.ci/run does this)", pytrace=False)
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (openssl ships with dovecot-core)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    openssl = shutil.which("openssl", path=_SBIN_PATH)
    if not openssl:
        pytest.fail(f"openssl is missing (it comes with dovecot-core): run `{INSTALL_HINT}`", pytrace=False)
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=30,
    )
    return cert, key


def client_ssl_context(cert: Path) -> ssl.SSLContext:
    """A client context that trusts only the test certificate."""
    return ssl.create_default_context(cafile=str(cert))


@dataclass(frozen=True)
class MailUser:
    """One test user's mailbox on the server."""

    server: Dovecot
    name: str
    password: str

    @property
    def maildir(self) -> Path:
        return self.server.mail_root / self.name / "Maildir"

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.server.port, timeout=10)
        imap.login(self.name, self.password)
        return imap

    def deliver(self, *raws: bytes, mailbox: str = "INBOX") -> list[int]:
        """APPEND mails as an MTA would deliver them; returns their UIDs (dovecot reports APPENDUID)."""
        uids: list[int] = []
        imap = self.connect()
        try:
            for raw in raws:
                typ, data = imap.append(mailbox, None, None, raw)
                assert typ == "OK", data
                m = re.search(rb"APPENDUID \d+ (\d+)", data[0] if data and isinstance(data[0], bytes) else b"")
                uids.append(int(m.group(1)) if m else 0)
        finally:
            with contextlib.suppress(Exception):
                imap.logout()
        return uids

    def uidvalidity(self, mailbox: str = "INBOX") -> int:
        imap = self.connect()
        try:
            typ, data = imap.status(mailbox, "(UIDVALIDITY)")
            assert typ == "OK", data
            raw = data[0] if isinstance(data[0], bytes) else b""
            m = re.search(rb"UIDVALIDITY (\d+)", raw)
            assert m, raw
            return int(m.group(1))
        finally:
            with contextlib.suppress(Exception):
                imap.logout()

    def force_uidvalidity_change(self) -> None:
        """Make dovecot forget the INBOX's UIDs, as after a restore or a rebuilt index.

        The mails stay; dovecot renumbers them from UID 1 under a new UIDVALIDITY (it keeps a counter in
        ``dovecot-uidvalidity`` so the new value always differs). Sessions that have the mailbox
        selected are told to log in again.
        """
        for f in [self.maildir / "dovecot-uidlist", *self.maildir.glob("dovecot.index*")]:
            f.unlink(missing_ok=True)


class Dovecot:
    """A dovecot instance in its own directory; ``start``/``stop``/``restart`` keep the same ports."""

    PASSWORD = "hemmelig"

    def __init__(self, root: Path) -> None:
        self.binary = dovecot_binary()
        self.root = root
        self.port = free_port()
        self.tls_port = free_port()
        self.conf = root / "dovecot.conf"
        self.log = root / "dovecot.log"
        self.mail_root = root / "mail"
        self.cert, self.key = make_certificate(root)
        self._proc: subprocess.Popen[bytes] | None = None
        self._users = 0
        self._write_config()

    # -- setup ------------------------------------------------------------------------------------
    def _write_config(self) -> None:
        for sub in ("base", "state", "mail"):
            (self.root / sub).mkdir(exist_ok=True)
        me = pwd.getpwuid(os.geteuid())
        if os.geteuid() == 0:
            # dovecot will not run login processes as root nor give root mail access.
            internal, internal_group, login = "dovecot", "dovecot", "dovenull"
            mail_user, mail_group = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
            os.chown(self.mail_root, pwd.getpwnam(mail_user).pw_uid, grp.getgrnam(mail_group).gr_gid)
            self.root.chmod(0o755)
        else:
            internal = login = mail_user = me.pw_name
            internal_group = mail_group = grp.getgrgid(me.pw_gid).gr_name
        r = self.root
        self.conf.write_text(f"""\
# Written by tests/connectors/dovecot.py: a throwaway IMAP server on loopback.
protocols = imap
listen = 127.0.0.1
base_dir = {r}/base
state_dir = {r}/state
instance_name = flerkanal-test-{self.port}
log_path = {self.log}
info_log_path = {self.log}
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
mail_uid = {mail_user}
mail_gid = {mail_group}
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
# Any user name logs in with the one test password; each name is a separate, empty mailbox.
passdb {{
  driver = static
  args = password={self.PASSWORD}
}}
userdb {{
  driver = static
  args = home={self.mail_root}/%n
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
# No growing delays after the failed logins some tests make on purpose.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
""")
        check = subprocess.run([self.binary, "-n", "-c", str(self.conf)], capture_output=True, text=True,
                               timeout=30)
        if check.returncode != 0:
            pytest.fail(f"dovecot rejected the test config:\n{check.stderr}", pytrace=False)

    def add_user(self) -> MailUser:
        """A user of its own, with an empty mailbox (the static passdb takes any name)."""
        self._users += 1
        return MailUser(self, f"saksbehandler{self._users}", self.PASSWORD)

    # -- process ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            out = (self.root / "dovecot.out").open("ab")
            self._proc = subprocess.Popen([self.binary, "-F", "-c", str(self.conf)], stdout=out,
                                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            out.close()
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    break  # exited: a port still held by a dying child of the previous run; retry
                if self._greets():
                    return
                time.sleep(0.05)
            if time.monotonic() >= deadline:
                self.stop()
                pytest.fail(f"dovecot did not start within {timeout:.0f} s:\n{self.log_tail()}", pytrace=False)
            time.sleep(0.1)

    def _greets(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                return s.recv(64).startswith(b"* OK")
        except OSError:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the master and every process it started.

        dovecot's master leaves running imap sessions (and its log process) behind when it exits; a real
        server restart drops them, so they are ended here too, by pid, after checking they are ours.
        """
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        children = self._children(proc.pid)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            alive = [pid for pid in children if self._is_ours(pid)]
            for pid in alive:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + timeout / 2
            while alive and time.monotonic() < deadline:
                alive = [pid for pid in alive if self._is_ours(pid)]
                time.sleep(0.02)
            if not alive:
                break
        # Wait until nothing listens on the port any more.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._port_taken():
            time.sleep(0.05)

    @property
    def _process_title(self) -> bytes:
        return f"dovecot-flerkanal-test-{self.port}/".encode()

    def _children(self, parent: int) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == parent:
                    pids.append(int(stat.parent.name))
        return pids

    def _is_ours(self, pid: int) -> bool:
        """Still alive, and still one of this instance's processes (its title names the instance)."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return False
        return state != "Z" and self._process_title in cmdline

    def _port_taken(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is fine, a listener is not
            try:
                s.bind(("127.0.0.1", self.port))
            except OSError:
                return True
        return False

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 30) -> str:
        text = ""
        for f in (self.root / "dovecot.out", self.log):
            if f.exists():
                text += f.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    """Start a private dovecot; stop it and remove its directory afterwards."""
    binary_check = dovecot_binary()  # fail before making anything
    del binary_check
    root = Path(tempfile.mkdtemp(prefix="flerkanal-dovecot-"))
    server = None
    try:
        server = Dovecot(root)
        server.start()
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
