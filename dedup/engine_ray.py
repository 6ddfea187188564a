"""``inbox dedup --engine ray``: embedding and per-person grouping of the shards on Ray Data.

The run is cut into shards of persons that never look at each other (:mod:`dedup.partition`); here
each shard becomes one row of a Ray dataset, and ``map_batches`` hands the rows to a pool of actors
that each hold the embedding model and the matcher (:class:`ShardActor`, built once per actor). The
rows come back and are merged in time order by the driver exactly as with the local engine, so the
output is the same. Shards travel as compressed bytes through Ray's object store (no shared
filesystem needed); each node keeps its own embedding cache under its user cache directory unless
``--cache-dir`` says otherwise.

Without an address Ray starts locally on this machine (``ray.init`` with as many CPUs as workers);
``--ray-address HEAD:6379`` (or ``RAY_ADDRESS``, or ``auto``) joins a running cluster instead, from the
head or from a machine that joined the cluster with ``ray start --address``. Ray Data does not run
through Ray Client, so a ``ray://`` address is refused with that advice. Needs ``pip install
'flerkanal[ray]'`` — on every node of a cluster.

A Ray cluster uses token authentication: every node and the driver need the cluster's token
(``~/.ray/auth_token``, copied from the head, or ``RAY_AUTH_TOKEN``). When a token is there and
``RAY_AUTH_MODE`` is not set, joining a cluster turns token mode on for this process (Ray itself only does
that for a cluster it finds locally), so the token is sent; a cluster that still refuses gets an error that
says where the token goes.
"""

from __future__ import annotations

import io
import os
import pickle
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dedup.shard import GroupJob, Row, ShardGrouper
from dedup.spill import PICKLE_CHUNK

__all__ = ["ShardActor", "group_shards_ray", "ray_token_available"]

AUTH_HINT = ("the Ray cluster at {address} uses token authentication and did not accept this machine: copy the "
             "head node's ~/.ray/auth_token to ~/.ray/auth_token here (or set RAY_AUTH_TOKEN to its contents; "
             "RAY_AUTH_TOKEN_PATH names another file), keep RAY_AUTH_MODE unset or 'token', and give every node "
             "the same token (RAY_AUTH_MODE=token ray start --address HEAD:6379)")
CLIENT_HINT = ("--ray-address {address} is a Ray Client address, and Ray Data does not run through Ray Client: run "
               "inbox dedup on the head node, or on a machine that joined the cluster (ray start --address "
               "HEAD:6379), with --ray-address HEAD:6379")


def ray_token_available(environ: dict[str, str] | None = None, home: Path | None = None) -> bool:
    """Whether a Ray authentication token is at hand: ``RAY_AUTH_TOKEN``, the file ``RAY_AUTH_TOKEN_PATH``
    names, or ``~/.ray/auth_token`` (where ``ray start --head`` and ``ray get-auth-token`` keep it)."""
    env = os.environ if environ is None else environ
    if env.get("RAY_AUTH_TOKEN", "").strip():
        return True
    path = Path(env["RAY_AUTH_TOKEN_PATH"]) if env.get("RAY_AUTH_TOKEN_PATH") else (
        (home or Path.home()) / ".ray" / "auth_token")
    try:
        return bool(path.read_text(encoding="utf-8").strip())
    except OSError:
        return False


def _join_cluster(ray: Any, address: str) -> None:
    """``ray.init(address)`` with the token sent when there is one, and errors that say what to do."""
    if address.startswith("ray://"):
        raise RuntimeError(CLIENT_HINT.format(address=address))
    if "RAY_AUTH_MODE" not in os.environ and ray_token_available():
        # An explicit address never turns token mode on by itself (Ray only does that for a local cluster
        # it finds), so without this a token on disk is not sent and the cluster answers "token is missing".
        os.environ["RAY_AUTH_MODE"] = "token"
        try:  # Ray read its configuration when it was imported: have it read the environment again
            from ray._raylet import Config  # type: ignore[attr-defined]

            Config.initialize("")
        except (ImportError, AttributeError):  # pragma: no cover - older Ray without token authentication
            pass
    try:
        ray.init(address=address, log_to_driver=False)
    except Exception as exc:
        chain: list[BaseException] = []
        cause: BaseException | None = exc
        while cause is not None and len(chain) < 10:  # Ray wraps the refusal in a ConnectionError
            chain.append(cause)
            cause = cause.__cause__ or cause.__context__
        refusal = next((str(e) for e in chain if "uthenticat" in f"{type(e).__name__}: {e}"), None)
        if refusal is not None:
            said = refusal.split(". ")[0].removeprefix("RPC error: ")
            raise RuntimeError(f"{AUTH_HINT.format(address=address)} (Ray said: {said})") from exc
        raise


def _chunks(stream: Any) -> Iterator[Any]:
    while True:
        try:
            chunk = pickle.load(stream)
        except EOFError:
            return
        yield from chunk


class ShardActor:
    """A Ray Data actor: the model and matcher of one worker, applied to one shard per batch row."""

    def __init__(self, job: GroupJob) -> None:
        self.grouper = ShardGrouper(job)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        shards, payloads, counts, hits, misses = [], [], [], [], []
        for shard, payload in zip(batch["shard"], batch["payload"], strict=True):
            stream = io.BytesIO(zlib.decompress(bytes(payload)))
            contacts = pickle.load(stream)
            h0, m0 = self.grouper.cache_counts()
            out = io.BytesIO()
            n = 0
            chunk: list[Row] = []
            for row in self.grouper.group(_chunks(stream), contacts, preset=True):
                chunk.append(row)
                n += 1
                if len(chunk) >= PICKLE_CHUNK:
                    pickle.dump(chunk, out, protocol=pickle.HIGHEST_PROTOCOL)
                    chunk = []
            if chunk:
                pickle.dump(chunk, out, protocol=pickle.HIGHEST_PROTOCOL)
            h1, m1 = self.grouper.cache_counts()
            shards.append(int(shard))
            payloads.append(zlib.compress(out.getvalue(), 1))
            counts.append(n)
            hits.append(h1 - h0)
            misses.append(m1 - m0)
        return {"shard": shards, "rows": payloads, "count": counts, "hits": hits, "misses": misses}


def group_shards_ray(job: GroupJob, shard_paths: list[str], rows_paths: list[str], *, workers: int,
                     address: str | None = None, tick: Callable[[int], None] | None = None
                     ) -> list[tuple[int, int, int]]:
    """Group every shard on a Ray actor pool; writes each shard's rows to ``rows_paths[i]``.

    Returns (rows, cache hits, cache misses) per shard. Uses the Ray instance already initialised in
    this process if there is one; otherwise joins ``address`` (or ``RAY_ADDRESS``) or starts a local one.
    """
    try:
        import ray
        import ray.data
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("--engine ray needs Ray Data: pip install 'flerkanal[ray]'") from exc

    started_here = False
    if not ray.is_initialized():
        target = address or os.environ.get("RAY_ADDRESS")
        if target and target != "local":
            _join_cluster(ray, target)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        started_here = True
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        items = [{"shard": i, "payload": zlib.compress(Path(p).read_bytes(), 1)} for i, p in enumerate(shard_paths)]
        cpus = int(ray.cluster_resources().get("CPU", workers))  # type: ignore[no-untyped-call]
        size = max(1, min(len(items), workers if started_here else cpus))
        ds = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
            ShardActor,
            fn_constructor_kwargs={"job": job},
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(size=size),
            num_cpus=1,
            num_gpus=1 if job.model.device and job.model.device.startswith("cuda") else None,
            batch_format="numpy",
        )
        results: list[tuple[int, int, int] | None] = [None] * len(items)
        for batch in ds.iter_batches(batch_size=1, batch_format="numpy"):
            for shard, payload, count, hits, misses in zip(batch["shard"], batch["rows"], batch["count"],
                                                           batch["hits"], batch["misses"], strict=True):
                Path(rows_paths[int(shard)]).write_bytes(zlib.decompress(bytes(payload)))
                results[int(shard)] = (int(count), int(hits), int(misses))
                if tick is not None:
                    tick(int(count))
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            raise RuntimeError(f"Ray returned no rows for shards {missing}")
        return [r for r in results if r is not None]
    finally:
        if started_here:
            ray.shutdown()
