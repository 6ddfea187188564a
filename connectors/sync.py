"""The sync daemon: every configured connector pulled concurrently into one store, plus the webhooks.

:class:`SyncDaemon` runs one asyncio task per connector. Each task loops::

    pull(cursor) → Store.ingest(items) → Store.set_cursor(cursor) → (more? pull again : wait for new)

The cursor is saved only after the items it covers are committed, so a crash (SIGKILL included) between
the two makes the next run read that page again, and the store's unique (channel, provider key) skips
what it already has: nothing is lost and nothing is stored twice. Store calls are synchronous
(SQLAlchemy) and run in a worker thread; one lock serialises this process's writes (SQLite has one
writer anyway, and the matcher keeps state per batch).

Errors
    A failing connector backs off on its own and never stops the others. Transient errors (timeouts,
    5xx, dropped connections) and store errors are retried with exponential backoff and jitter
    (``backoff_initial`` doubling up to ``backoff_max``, each delay drawn from [d/2, d]); a 429 waits its
    Retry-After; refused credentials and other permanent errors are retried only every
    ``backoff_max`` (they need a person to fix them, and the health record says so).

Unreadable cursors
    When a pull from a saved cursor fails with PermanentError (or an unexpected exception: a connector
    that cannot parse its own cursor), the daemon tries once to pull from ``None``, i.e. from the
    beginning; when that works the old cursor is replaced and the store's dedup makes the re-read
    harmless. The reset is logged.

Health
    Each connector has a :class:`ConnectorHealth` (status, last success, last error, errors in a row,
    next retry, cursor, counts) in :attr:`SyncDaemon.health`. It is also written to the store's cursor
    table under ``sync-health/<name>`` after every error and every caught-up pull, so ``inbox
    connectors`` in another process (or on another machine sharing the database) can show it. Error texts
    are flerkanal's own error messages, which never hold message text, ID numbers or secrets; any other
    exception is recorded by its class name only.

HTTP
    With :class:`WebhookOptions` the Twilio webhook app (:func:`connectors.webhooks.create_webhook_app`)
    is served by uvicorn in the same event loop, storing through :class:`~connectors.webhooks.BatchingSink`
    into the same store (same write lock, same metrics). ``SyncOptions.metrics_port`` serves
    ``/metrics`` (:mod:`connectors.metrics`): on the webhook's server when host and port are the same,
    else on a server of its own. uvicorn's own signal handling is switched off; the caller decides what
    a signal does (``inbox sync`` stops gracefully on SIGINT/SIGTERM).

``run_once`` pulls every connector until it reports no ``more`` (retrying transient errors up to
``once_attempts`` times) and returns; no HTTP server is started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from connectors.backoff import Backoff, describe_error, needs_person
from connectors.base import Connector, PullResult
from connectors.metrics import SyncMetrics
from connectors.serving import EmbeddedServer, Served, listen
from connectors.webhooks import BatchingSink, DeliveryStatus, create_webhook_app, status_advances
from inbox.domain import IncomingMessage, Quarantined
from inbox.errors import ConfigError, InboxError, PermanentError, TransientError
from inbox.health import HEALTH_PREFIX, ConnectorHealth
from inbox.matching import Matcher
from inbox.storage.repository import Store
from inbox.storage.writer import IngestSummary

__all__ = ["SyncDaemon", "SyncOptions", "WebhookOptions"]

log = logging.getLogger(__name__)

T = TypeVar("T")

_MAX_STATUSES = 100_000


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How the daemon paces itself. ``metrics_port``: None serves no metrics, 0 any free port."""

    poll_seconds: float = 60.0  # between pulls of a caught-up connector that cannot push
    backoff_initial: float = 1.0
    backoff_max: float = 300.0
    pull_timeout: float = 300.0  # a pull that takes longer is abandoned as a TransientError
    once_attempts: int = 3  # run_once: tries per connector for transient errors
    stop_grace: float = 10.0  # on stop, how long running pulls and stores may finish
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    record_health: bool = True  # write health records to the store
    snapshot_seconds: float | None = 300.0  # queue snapshots for the supervisor's history (issue 8); None: none


@dataclass(frozen=True, slots=True)
class WebhookOptions:
    """Serve Twilio's webhooks: ``public_url`` is the externally visible prefix the signatures cover."""

    auth_token: str = field(repr=False)
    public_url: str
    account_sid: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080


class SyncDaemon:
    """Pulls every connector into ``store``; see the module docstring.

    ``connectors``: a mapping name → connector (the name keys the cursor), or a sequence whose
    ``Connector.name`` values are unique. ``poll_seconds`` overrides ``SyncOptions.poll_seconds`` per name.
    """

    def __init__(self, store: Store, connectors: Mapping[str, Connector] | Sequence[Connector], *,
                 matcher: Matcher | None = None, options: SyncOptions | None = None,
                 webhook: WebhookOptions | None = None, metrics: SyncMetrics | None = None,
                 poll_seconds: Mapping[str, float] | None = None, rng: random.Random | None = None,
                 after_ingest: Callable[[IngestSummary], object] | None = None) -> None:
        if isinstance(connectors, Mapping):
            named = dict(connectors)
        else:
            named = {}
            for c in connectors:
                if c.name in named:
                    raise ValueError(f"two connectors are named {c.name!r}: pass a mapping of unique names")
                named[c.name] = c
        bad = [n for n in named if not n or n.startswith(HEALTH_PREFIX)]
        if bad:
            raise ValueError(f"unusable connector name(s): {bad}")
        self.store = store
        self.connectors: dict[str, Connector] = named
        self.matcher = matcher
        #: Called with each stored batch's summary, under the write lock (so it never runs beside the
        #: matcher): the application prepares what readers will ask for (flerkanal embeds the new messages'
        #: sentences for the channel suggestion). Its failure is logged and never fails the sync.
        self.after_ingest = after_ingest
        self.options = options or SyncOptions()
        self.webhook = webhook
        self.metrics = metrics or SyncMetrics(store)
        self.poll_seconds = dict(poll_seconds or {})
        self.rng = rng or random.Random()
        self.health: dict[str, ConnectorHealth] = {
            name: ConnectorHealth(name, c.channel.value) for name, c in named.items()}
        for name in named:
            self.metrics.connector_registered(name)
        self.ports: dict[str, int] = {}
        self._stop = asyncio.Event()
        self._write_lock = threading.Lock()
        self._cursors: dict[str, str | None] = {}
        self._reset_tried: set[str] = set()
        self._servers: list[Served] = []
        self._statuses: OrderedDict[str, str] = OrderedDict()
        self._closed = False

    # -- store access (worker threads) ---------------------------------------------------------------
    def _locked(self, fn: Callable[..., T], *args: Any) -> T:
        with self._write_lock:
            return fn(*args)

    async def _write(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(self._locked, fn, *args)

    def ingest(self, items: Sequence[IncomingMessage | Quarantined]) -> IngestSummary:
        """Store items (synchronously; call from a thread). Also the webhooks' batch store."""
        with self._write_lock:
            started = time.perf_counter()
            summary = self.store.ingest(items, matcher=self.matcher)
            elapsed = time.perf_counter() - started
            if self.after_ingest is not None and summary.threads:
                try:
                    self.after_ingest(summary)
                except Exception as exc:  # noqa: BLE001 - what it prepares is an optimisation
                    log.warning("after-ingest hook failed (%s)", type(exc).__name__)
        self.metrics.observe_ingest(summary, elapsed, len(items))
        return summary

    # -- lifecycle -----------------------------------------------------------------------------------
    def request_stop(self) -> None:
        """Ask :meth:`run` to stop (from the event loop's thread, e.g. a signal handler)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def run_once(self, *, close: bool = True) -> dict[str, ConnectorHealth]:
        """Pull every connector until it has no ``more``, store, save cursors; then close the connectors
        (unless ``close`` is False: the demo feed keeps its connectors, which also send the replies)."""
        for h in self.health.values():
            h.mode = "once"
        try:
            await asyncio.gather(*(self._sync(name, c, once=True) for name, c in self.connectors.items()))
        finally:
            if close:
                await self.aclose()
        return self.health

    async def run(self) -> None:
        """Run until :meth:`request_stop`; raises RuntimeError when an HTTP server dies on its own."""
        tasks: list[asyncio.Task[None]] = []
        crashed: str | None = None
        try:
            await self._start_servers()
            tasks = [asyncio.create_task(self._sync(name, c, once=False), name=f"sync-{name}")
                     for name, c in self.connectors.items()]
            if self.options.snapshot_seconds:  # issue 8: the supervisor's queue history
                tasks.append(asyncio.create_task(self._snapshots(self.options.snapshot_seconds), name="snapshots"))
            stop = asyncio.create_task(self._stop.wait())
            watched: set[asyncio.Future[Any]] = {stop, *(s.task for s in self._servers)}
            done, _ = await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
            stop.cancel()
            for served in self._servers:
                if served.task in done:
                    crashed = served.name
                    log.error("the %s server stopped on its own; stopping the daemon", served.name)
        finally:
            self._stop.set()
            if tasks:
                _, pending = await asyncio.wait(tasks, timeout=self.options.stop_grace)
                for t in pending:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            await self._stop_servers()
            for h in self.health.values():
                h.status = "stopped"
                h.retry_at = None
                await self._save_health(h)
            await self.aclose()
        if crashed:
            raise RuntimeError(f"the {crashed} server stopped unexpectedly")

    async def aclose(self) -> None:
        """Close every connector (idempotent); a failing close is logged, not raised."""
        if self._closed:
            return
        self._closed = True
        for name, c in self.connectors.items():
            try:
                await c.close()
            except Exception as exc:
                log.warning("closing connector %s failed (%s)", name, describe_error(exc))

    # -- one connector -------------------------------------------------------------------------------
    async def _sync(self, name: str, connector: Connector, *, once: bool) -> None:
        health = self.health[name]
        backoff = Backoff(self.options.backoff_initial, self.options.backoff_max, self.rng)
        attempts = 0
        while not self._stop.is_set():
            try:
                more = await self._step(name, connector)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = backoff.next_delay(exc)
                attempts += 1
                give_up = once and (needs_person(exc) or attempts >= self.options.once_attempts)
                await self._failed(health, exc, None if give_up else delay)
                if give_up or await self._pause(delay):
                    return
                continue
            backoff.reset()
            attempts = 0
            if more:
                continue
            await self._save_health(health)
            if once:
                return
            await self._wait_for_new(name, connector)
        if once:  # stopped before this connector caught up
            health.status = "stopped"
            await self._save_health(health)

    async def _step(self, name: str, connector: Connector) -> bool:
        """One pull, stored, cursor saved; returns the pull's ``more``."""
        if name not in self._cursors:
            self._cursors[name] = await asyncio.to_thread(self.store.get_cursor, name)
        cursor = self._cursors[name]
        result = await self._pull(name, connector, cursor)
        summary = await asyncio.to_thread(self.ingest, result.items) if result.items else IngestSummary()
        if result.cursor is not None and result.cursor != cursor:
            await self._write(self.store.set_cursor, name, result.cursor)
            self._cursors[name] = result.cursor
        self._reset_tried.discard(name)
        self._succeeded(self.health[name], result, summary)
        return result.more

    async def _pull(self, name: str, connector: Connector, cursor: str | None) -> PullResult:
        try:
            return await self._timed_pull(connector, cursor)
        except Exception as exc:
            recoverable = isinstance(exc, PermanentError) or not isinstance(exc, InboxError | TimeoutError)
            if cursor is None or not recoverable or name in self._reset_tried:
                raise
            self._reset_tried.add(name)
            try:
                result = await self._timed_pull(connector, None)
            except Exception:
                raise exc from None
            log.warning("sync %s: the saved cursor could not be used (%s); read again from the beginning, "
                        "the store skips what it already has", name, describe_error(exc))
            return result

    async def _timed_pull(self, connector: Connector, cursor: str | None) -> PullResult:
        seconds = self.options.pull_timeout
        try:
            return await asyncio.wait_for(connector.pull(cursor), seconds)
        except TimeoutError as exc:
            raise TransientError(f"{connector.name} pull gave no answer within {seconds:g} s") from exc

    async def _wait_for_new(self, name: str, connector: Connector) -> None:
        seconds = self.poll_seconds.get(name, self.options.poll_seconds)
        if not connector.can_push:
            await self._pause(seconds)
            return
        started = time.monotonic()
        waiter = asyncio.create_task(connector.wait_for_new(seconds))
        stop = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait({waiter, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not waiter.done():
                waiter.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await waiter
        if waiter.done() and not waiter.cancelled() and waiter.exception() is not None:
            log.warning("sync %s: waiting for new messages failed (%s)", name,
                        describe_error(waiter.exception() or Exception()))
            # no busy loop when the wait keeps failing at once: the pull that follows reports the problem
            await self._pause(max(0.0, min(seconds, self.options.backoff_initial) - (time.monotonic() - started)))

    async def _pause(self, seconds: float) -> bool:
        """Sleep ``seconds`` unless stopped first; True when stopped."""
        if seconds <= 0:
            return self._stop.is_set()
        try:
            await asyncio.wait_for(self._stop.wait(), seconds)
        except TimeoutError:
            return False
        return True

    # -- queue snapshots (issue 8) --------------------------------------------------------------------
    async def _snapshots(self, seconds: float) -> None:
        """Record the queue's length every ``seconds`` (``Store.snapshot``) for the supervisor's chart.

        Each snapshot runs in a worker thread and is awaited before the next is booked, so two never
        overlap; a failing one is logged and the loop goes on."""
        while not self._stop.is_set():
            try:
                await self._write(self.store.snapshot)
            except Exception as exc:
                log.warning("queue snapshot failed (%s)", describe_error(exc))
            if await self._pause(seconds):
                return
    # -- end queue snapshots (issue 8) ----------------------------------------------------------------

    # -- health --------------------------------------------------------------------------------------
    def _succeeded(self, health: ConnectorHealth, result: PullResult, summary: IngestSummary) -> None:
        now = datetime.now(UTC)
        health.status = "ok"
        health.last_success = now
        health.errors_in_a_row = 0
        health.retry_at = None
        health.cursor = self._cursors.get(health.name)
        health.pulls += 1
        new, present, bad = sum(summary.new.values()), sum(summary.present.values()), sum(
            summary.quarantined.values())
        health.new += new
        health.duplicates += present
        health.quarantined += bad
        self.metrics.connector_ok(health.name, now.timestamp())
        if result.items:
            log.info("sync %s: %d new, %d already stored, %d quarantined%s", health.name, new, present, bad,
                     "; more waiting" if result.more else "")

    async def _failed(self, health: ConnectorHealth, exc: BaseException, delay: float | None) -> None:
        now = datetime.now(UTC)
        health.status = "failing" if needs_person(exc) or delay is None else "retrying"
        health.last_error = describe_error(exc)
        health.last_error_at = now
        health.errors_in_a_row += 1
        health.retry_at = now + timedelta(seconds=delay) if delay is not None else None
        self.metrics.connector_failed(health.name, exc)
        if delay is None:
            log.error("sync %s: %s; giving up", health.name, health.last_error)
        else:
            log.warning("sync %s: %s; retrying in %.1f s", health.name, health.last_error, delay)
        await self._save_health(health)

    async def _save_health(self, health: ConnectorHealth) -> None:
        health.cursor = self._cursors.get(health.name, health.cursor)
        health.updated_at = datetime.now(UTC)
        if not self.options.record_health:
            return
        try:
            await self._write(self.store.save_health, health)
        except Exception as exc:
            log.warning("sync %s: cannot record health (%s)", health.name, describe_error(exc))

    # -- HTTP ----------------------------------------------------------------------------------------
    async def _on_status(self, update: DeliveryStatus) -> None:
        """A Twilio delivery status: recorded unless it goes backwards from one this process already saw."""
        old = self._statuses.get(update.sid)
        if old is not None and not status_advances(old, update.status):
            return
        await self._write(self.store.set_reply_status, update.sid, update.status)
        self._statuses[update.sid] = update.status
        self._statuses.move_to_end(update.sid)
        while len(self._statuses) > _MAX_STATUSES:
            self._statuses.popitem(last=False)

    async def _start_servers(self) -> None:
        metrics_route = Route("/metrics", self.metrics.endpoint, methods=["GET"])
        o = self.options
        metrics_port = o.metrics_port
        hook = self.webhook
        if hook is not None:
            app = create_webhook_app(hook.auth_token, hook.public_url, BatchingSink(self.ingest), self._on_status,
                                     account_sid=hook.account_sid)
            shared = metrics_port is not None and metrics_port != 0 and (o.metrics_host, metrics_port) == (
                hook.host, hook.port)
            if shared:
                app.router.routes.append(metrics_route)
                metrics_port = None
            await self._serve("webhook", app, hook.host, hook.port)
            if shared:
                self.ports["metrics"] = self.ports["webhook"]
        if metrics_port is not None:
            await self._serve("metrics", Starlette(routes=[metrics_route]), o.metrics_host, metrics_port)

    async def _serve(self, name: str, app: Starlette, host: str, port: int) -> None:
        try:
            sock = listen(host, port)
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port} for the {name} server "
                              f"({exc.strerror or type(exc).__name__}); choose another host or port") from exc
        config = uvicorn.Config(app, lifespan="on", log_config=None, access_log=False, http="h11", ws="none",
                                timeout_graceful_shutdown=5)
        server = EmbeddedServer(config)

        async def serve() -> None:
            try:
                await server.serve(sockets=[sock])
            except SystemExit as exc:  # uvicorn exits the process when the app's startup fails
                raise RuntimeError(f"the {name} server could not start") from exc

        task = asyncio.create_task(serve(), name=f"http-{name}")
        deadline = time.monotonic() + 10.0
        while not server.started and not task.done() and time.monotonic() < deadline:
            await asyncio.wait({task}, timeout=0.01)  # uvicorn offers a flag, not an event
        if not server.started:
            server.should_exit = True
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 5.0)
            sock.close()
            raise ConfigError(f"the {name} server on {host}:{port} did not start")
        self._servers.append(Served(name, server, task, sock))
        self.ports[name] = int(sock.getsockname()[1])
        log.info("%s server listening on %s:%d", name, host, self.ports[name])

    async def _stop_servers(self) -> None:
        servers, self._servers = self._servers, []
        for s in servers:
            s.server.should_exit = True
        for s in servers:
            try:
                await asyncio.wait_for(s.task, 15.0)
            except (TimeoutError, asyncio.CancelledError):
                s.task.cancel()
            except Exception as exc:
                log.warning("the %s server ended with %s", s.name, type(exc).__name__)
            s.sock.close()
