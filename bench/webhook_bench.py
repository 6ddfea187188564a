"""Benchmark: signed Twilio SMS webhooks accepted and stored per second.

Starts the webhook app (:func:`connectors.webhooks.create_webhook_app`) under uvicorn on loopback in
a child process, storing into SQLite through ``Store.ingest`` (with group commit by
``BatchingSink``, or one ingest per request with ``--no-batch``), then fires N signed form POSTs
with httpx at a fixed concurrency and prints the rate of 200 answers and what the database holds.
Each answer comes only after its message is committed, so accepted/s is stored/s.

    .venv/bin/python bench/webhook_bench.py --n 3000 --concurrency 16

Target (issue 3): at least 300 accepted/s on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
OUR_NUMBER = "+4759446000"
PUBLIC = "https://inbox.example.no/twilio"


def serve(port: int, db_url: str, batch: bool) -> None:
    import uvicorn

    from connectors.webhooks import BatchingSink, create_webhook_app
    from inbox.domain import IncomingMessage, Quarantined
    from inbox.storage.repository import Store

    store = Store.open(db_url)

    async def one_by_one(item: IncomingMessage | Quarantined) -> None:
        await asyncio.to_thread(store.ingest, [item])

    on_message = BatchingSink(store.ingest) if batch else one_by_one
    app = create_webhook_app(AUTH_TOKEN, PUBLIC, on_message, account_sid=ACCOUNT_SID)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, http="h11",
                loop="asyncio", ws="none")
    store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the webhook server exited before it was ready")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("the webhook server did not start")


def signed_requests(n: int, offset: int = 0) -> list[tuple[str, str]]:
    """(body, signature) pairs for n inbound SMS with distinct SIDs, signed as Twilio would."""
    from connectors.webhooks import sign_request

    out = []
    for i in range(offset, offset + n):
        sid = f"SM{i:032x}"
        form = {
            "ToCountry": "NO", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid, "SmsStatus": "received",
            "Body": f"Hei, dette er testmelding nummer {i} fra benchmarken.", "FromCountry": "NO",
            "To": OUR_NUMBER, "NumSegments": "1", "MessageSid": sid, "AccountSid": ACCOUNT_SID,
            "From": f"+4791{i % 1_000_000:06d}", "ApiVersion": "2010-04-01",
        }
        out.append((urlencode(form), sign_request(AUTH_TOKEN, PUBLIC + "/sms", form)))
    return out


async def fire(port: int, requests: list[tuple[str, str]], concurrency: int) -> tuple[int, int, float]:
    """POST every request, ``concurrency`` at a time (one keep-alive connection each); (ok, failed, seconds)."""
    import httpx

    ok = failed = 0
    queue = iter(requests)
    # One small client per connection: httpx's pool gets slower per request as it holds more connections,
    # and the load generator shares the two cores with the server.
    clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30.0,
                                 limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
               for _ in range(concurrency)]

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal ok, failed
        for body, sig in queue:
            resp = await client.post("/sms", content=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})
            if resp.status_code == 200:
                ok += 1
            else:
                failed += 1

    try:
        start = time.perf_counter()
        await asyncio.gather(*(worker(c) for c in clients))
        elapsed = time.perf_counter() - start
    finally:
        for c in clients:
            await c.aclose()
    return ok, failed, elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000, help="timed requests (distinct messages)")
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--no-batch", action="store_true", help="one Store.ingest per request (no group commit)")
    ap.add_argument("--db", help="SQLite file (default: a temporary one)")
    ap.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    ap.add_argument("--db-url", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.serve:
        serve(args.serve, args.db_url, not args.no_batch)
        return

    tmp = tempfile.TemporaryDirectory(prefix="webhook-bench-")
    db_path = Path(args.db) if args.db else Path(tmp.name) / "inbox.db"
    db_url = f"sqlite:///{db_path}"
    from inbox.storage.repository import Store

    Store.open(db_url).close()  # migrate before the clock starts
    port = free_port()
    cmd = [sys.executable, __file__, "--serve", str(port), "--db-url", db_url]
    if args.no_batch:
        cmd.append("--no-batch")
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        wait_for_port(port, proc)
        warm = signed_requests(args.warmup, offset=10_000_000)
        timed = signed_requests(args.n)
        asyncio.run(fire(port, warm, args.concurrency))
        client_cpu = time.process_time()
        ok, failed, elapsed = asyncio.run(fire(port, timed, args.concurrency))
        client_cpu = time.process_time() - client_cpu
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    server_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    store = Store.open(db_url, create=False)
    stored = store.counts()["messages"]
    store.close()
    tmp.cleanup()
    result = {
        "requests": args.n, "concurrency": args.concurrency, "group_commit": not args.no_batch,
        "accepted": ok, "refused_or_failed": failed, "seconds": round(elapsed, 3),
        "accepted_per_s": round(ok / elapsed, 1), "stored_messages": stored,
        "expected_stored": args.n + args.warmup, "cpus": os.cpu_count(),
        "client_cpu_s": round(client_cpu, 2),
        "server_cpu_s_incl_startup": round(server_cpu.ru_utime + server_cpu.ru_stime, 2),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }
    print(f"{ok} accepted in {elapsed:.2f}s = {ok / elapsed:.0f}/s (concurrency {args.concurrency}, "
          f"{'group commit' if not args.no_batch else 'one ingest per request'}); "
          f"stored {stored} of {args.n + args.warmup} sent; {failed} not accepted")
    print(json.dumps(result))
    if failed or stored != args.n + args.warmup:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
