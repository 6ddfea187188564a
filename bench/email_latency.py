"""Email arrival → stored latency through IMAP IDLE, against a private dovecot.

    .venv/bin/python bench/email_latency.py [--mails 60] [--interval 0.25] [--poll] [--db PATH]

Starts its own dovecot (needs `apt-get install -y dovecot-imapd`), then runs a small sync loop: pull,
store the items in SQLite, save the cursor, and wait for new mail (IDLE, or polling with ``--poll``).
Meanwhile another thread delivers ``--mails`` mails by IMAP APPEND, ``--interval`` seconds apart. For
each mail the latency is the time from just before its APPEND to the moment the ingest that stored it
returned. Prints p50/p95/max; exits 1 when p95 is above the target (5 s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connectors.email_imap import ImapConnector, ImapSettings  # noqa: E402
from inbox.domain import IncomingMessage  # noqa: E402
from inbox.storage.repository import Store  # noqa: E402
from tests.connectors.dovecot import MailUser, running_dovecot  # noqa: E402

TARGET_P95 = 5.0


def bench_mail(i: int) -> bytes:
    return (
        f"From: Innbygger {i} <innbygger{i}@example.com>\r\n"
        "To: nav.kontor@nav.no\r\n"
        f"Subject: Spørsmål {i}\r\n"
        "Date: Mon, 1 Jan 2024 10:00:00 +0100\r\n"
        f"Message-ID: <bench-{i}@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"Hei, dette er testmelding {i}. Hilsen Ærlige Øystein på Åsen.\r\n"
    ).encode()


def deliver_all(user: MailUser, n: int, interval: float, arrived: dict[str, float], start: threading.Event,
                done: threading.Event) -> None:
    start.wait()
    imap = user.connect()
    try:
        for i in range(n):
            arrived[f"<bench-{i}@example.com>"] = time.monotonic()
            typ, data = imap.append("INBOX", None, None, bench_mail(i))
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
            time.sleep(interval)
    finally:
        with contextlib.suppress(Exception):
            imap.logout()
        done.set()


async def sync_loop(connector: ImapConnector, store: Store, stored: dict[str, float], expected: int,
                    deadline: float) -> None:
    name = "bench-email"
    cursor = store.get_cursor(name)
    while len(stored) < expected and time.monotonic() < deadline:
        result = await connector.pull(cursor)
        if result.items:
            await asyncio.to_thread(store.ingest, result.items)
            now = time.monotonic()
            for item in result.items:
                if isinstance(item, IncomingMessage):
                    stored.setdefault(item.provider_key, now)
        if result.cursor is not None:
            await asyncio.to_thread(store.set_cursor, name, result.cursor)
            cursor = result.cursor
        if not result.more and len(stored) < expected:
            await connector.wait_for_new(min(30.0, max(0.1, deadline - time.monotonic())))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def run(args: argparse.Namespace) -> int:
    with running_dovecot() as server, tempfile.TemporaryDirectory() as tmp:
        user = server.add_user()
        db = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        store = Store.open(db)
        connector = ImapConnector(ImapSettings(
            host="127.0.0.1", port=server.port, user=user.name, password=user.password, ssl=False,
            timeout=10.0, use_idle=not args.poll, poll_seconds=args.poll_seconds))
        arrived: dict[str, float] = {}
        stored: dict[str, float] = {}
        start, done = threading.Event(), threading.Event()
        producer = threading.Thread(target=deliver_all, args=(user, args.mails, args.interval, arrived, start, done),
                                    daemon=True)
        producer.start()
        try:
            await connector.pull(None)  # connected and idle-ready before the first mail
            start.set()
            deadline = time.monotonic() + args.mails * args.interval + 60
            await sync_loop(connector, store, stored, args.mails, deadline)
        finally:
            await connector.close()
            store.close()
            producer.join(timeout=30)
    latencies = [stored[k] - arrived[k] for k in arrived if k in stored]
    missing = len(arrived) - len(latencies)
    mode = f"polling every {args.poll_seconds:g} s" if args.poll else "IDLE"
    print(f"email arrival -> stored latency, {len(latencies)} mails, {args.interval:g} s apart, {mode}")
    if not latencies:
        print("no mail was stored")
        return 1
    p50, p95 = statistics.median(latencies), percentile(latencies, 95)
    print(f"  p50 {p50 * 1000:7.0f} ms")
    print(f"  p95 {p95 * 1000:7.0f} ms   (target <= {TARGET_P95 * 1000:.0f} ms)")
    print(f"  max {max(latencies) * 1000:7.0f} ms")
    if missing:
        print(f"  {missing} mail(s) never stored")
    ok = p95 <= TARGET_P95 and not missing
    print("OK" if ok else "TOO SLOW")
    return 0 if ok else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mails", type=int, default=60, help="mails to deliver (default 60)")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between mails (default 0.25)")
    parser.add_argument("--poll", action="store_true", help="poll instead of IDLE, for comparison")
    parser.add_argument("--poll-seconds", type=float, default=2.0, help="polling interval with --poll (default 2)")
    parser.add_argument("--db", default="", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
