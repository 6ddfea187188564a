"""``inbox dedup --engine ray`` on a real Ray cluster, set up as the README's recipe says.

A head (``ray start --head``) and a second node (``ray start --address``) run on this machine, on
127.0.0.1 and ports that are not Ray's defaults, one CPU each, with the cluster's token made by ``ray
get-auth-token --generate`` in a home folder of the test's own. ``inbox dedup``, run on this machine (a
node of the cluster) with ``--ray-address`` the head's address and that token on disk, nothing else set,
must group the bundled demo set exactly as the local engine does; without the token it must stop with an
error that says where the token goes, and a Ray Client address gets the advice to use the head's. The
cluster is stopped afterwards (only the processes this test started). Never skipped: a Ray that cannot
start fails the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flerkanal.demo import demo_contacts, demo_files

pytestmark = pytest.mark.slow

RAY = str(Path(sys.executable).with_name("ray"))
START_SECONDS = 120
NODE_ENV = {"RAY_AUTH_MODE": "token"}  # as the README says for every node: send the token, insist on it


@dataclass
class Cluster:
    home: Path  # HOME of every process of the cluster and of the driver: ~/.ray/auth_token is the token
    gcs: int
    client: int  # Ray Client's port on the head: moved off its default too, though inbox dedup does not use it
    env: dict[str, str]


#: Fixed ports are taken below the kernel's ephemeral range (32768 and up on Linux): a port the kernel handed out
#: for a moment could be handed to one of Ray's own processes again before the node that was given it binds it.
_FIXED_PORTS = range(15000, 22000)


def _free_ports(n: int) -> list[int]:
    """``n`` ports that are free now, outside the ephemeral range, in a random order of the range."""
    import random

    candidates = list(_FIXED_PORTS)
    random.shuffle(candidates)
    found: list[int] = []
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == n:
            return found
    raise RuntimeError("no free ports for Ray's nodes")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _node_args(ports: list[int]) -> list[str]:
    node_manager, object_manager, low, agent_listen, agent_grpc, metrics, runtime_env = ports
    return ["--block", "--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--object-store-memory", str(80 * 1024**2),
            "--node-manager-port", str(node_manager), "--object-manager-port", str(object_manager),
            "--min-worker-port", str(low), "--max-worker-port", str(low + 20),
            "--dashboard-agent-listen-port", str(agent_listen), "--dashboard-agent-grpc-port", str(agent_grpc),
            "--metrics-export-port", str(metrics), "--runtime-env-agent-port", str(runtime_env),
            "--disable-usage-stats"]


def _worker_port_base() -> int:
    """The first of 21 free ports in a row for one node's workers (non-default, above Ray's 10002+)."""
    for base in range(23000, 60000, 97):
        if all(not _listening(p) for p in range(base, base + 21)):
            try:
                socks = []
                for p in range(base, base + 21):
                    s = socket.socket()
                    socks.append(s)
                    s.bind(("127.0.0.1", p))
                return base
            except OSError:
                continue
            finally:
                for s in socks:
                    s.close()
    raise RuntimeError("no free range of ports for Ray's workers")


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc), so that none of the cluster outlives the test."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM every process of the cluster at once and give them two seconds together, then kill whatever
    is left (each ``ray start`` runs in a session of its own, so its whole group goes).

    Every process, not only each ``ray start --block``: some of Ray's processes are in sessions of their own.
    The raylets and workers are gone within a second; the head's GCS server and monitor often outlive any
    grace (they did 8 s, the old wait, run after run), and a throwaway cluster needs no graceful end."""
    family = [pid for p in procs for pid in _descendants(p.pid)]
    for p in reversed(procs):  # the second node first, then the head
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(p.pid, signal.SIGTERM)
    for pid in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 2
    while any(p.poll() is None for p in procs) and any(_alive(pid) for pid in family) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    for p in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGKILL)
    for pid in family:
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    for p in procs:
        p.wait(timeout=10)


def _wait_for_two_nodes(c: Cluster, procs: list[subprocess.Popen[bytes]], logs: Path) -> None:
    """Until both ``ray start`` say the runtime started, then ``ray status`` must count two CPUs."""
    deadline = time.monotonic() + START_SECONDS
    while not all("Ray runtime started" in (logs / f"{n}.log").read_text(errors="replace")
                  for n in ("head", "node2")) or not _listening(c.client):
        if any(p.poll() is not None for p in procs) or time.monotonic() > deadline:
            pytest.fail(f"Ray did not start (ray start exit codes {[p.poll() for p in procs]}); its output:\n"
                        + "\n".join(f.read_text(errors="replace")[-3000:] for f in sorted(logs.glob("*.log"))),
                        pytrace=False)
        time.sleep(0.5)
    for _ in range(30):
        st = subprocess.run([RAY, "status", "--address", f"127.0.0.1:{c.gcs}"], env={**c.env, **NODE_ENV},
                            capture_output=True, text=True, timeout=120)
        if st.returncode == 0 and re.search(r"/2\.0 CPU", st.stdout):
            return
        time.sleep(1)
    pytest.fail(f"the second node did not join the cluster: {st.stdout[-2000:]} {st.stderr[-2000:]}", pytrace=False)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    home = tmp_path_factory.mktemp("home")
    logs = tmp_path_factory.mktemp("raylogs")
    # Ray's socket paths must be short: its own temp folder under /tmp, not pytest's deep one.
    temp = Path(f"/tmp/ray-t{os.getpid()}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(home), RAY_USAGE_STATS_ENABLED="0", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    gen = subprocess.run([RAY, "get-auth-token", "--generate"], env=env, capture_output=True, text=True, timeout=120)
    assert gen.returncode == 0 and (home / ".ray" / "auth_token").is_file(), gen.stderr[-2000:]
    gcs, client, *ports = _free_ports(2 + 12)
    c = Cluster(home, gcs, client, env)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with (logs / "head.log").open("wb") as out:
            procs.append(subprocess.Popen(
                [RAY, "start", "--head", "--port", str(gcs), "--ray-client-server-port", str(client),
                 "--include-dashboard", "false", "--temp-dir", str(temp),
                 *_node_args([*ports[:2], _worker_port_base(), *ports[2:6]])],
                env={**env, **NODE_ENV}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + START_SECONDS
        while not _listening(gcs) and procs[0].poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        with (logs / "node2.log").open("wb") as out:
            procs.append(subprocess.Popen(
                [RAY, "start", "--address", f"127.0.0.1:{gcs}",
                 *_node_args([*ports[6:8], _worker_port_base() + 40, *ports[8:12]])],
                env={**env, **NODE_ENV}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        _wait_for_two_nodes(c, procs, logs)
        yield c
    finally:
        _stop(procs)
        shutil.rmtree(temp, ignore_errors=True)


def _dedup(env: dict[str, str], out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    files = [str(f) for f in demo_files()]
    return subprocess.run(
        [sys.executable, "-m", "flerkanal.cli", "dedup", *files, "--contacts", str(demo_contacts()), "--out", str(out),
         "--model", "hashing", "--no-cache", "--json", "--no-progress", "-j", "2", *args],
        env=env, capture_output=True, text=True, timeout=600)


def test_ray_cluster_groups_the_demo_set_like_the_local_engine(cluster: Cluster, tmp_path: Path) -> None:
    local = _dedup(cluster.env, tmp_path / "local.csv")
    assert local.returncode == 0, local.stderr[-3000:]
    # the token in ~/.ray/auth_token and not even RAY_AUTH_MODE set: inbox dedup turns token mode on itself
    # when it finds a token
    on_ray = _dedup(cluster.env, tmp_path / "ray.csv", "--engine", "ray", "--ray-address",
                    f"127.0.0.1:{cluster.gcs}")
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    ours, theirs = json.loads(on_ray.stdout), json.loads(local.stdout)
    assert ours["run"]["engine"] == "ray" and ours["run"]["shards"] >= 2
    assert (tmp_path / "ray.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    ours.pop("run"), theirs.pop("run")
    assert ours == theirs
    assert ours["messages"] > 50


def test_a_driver_without_the_token_is_told_where_it_goes(cluster: Cluster, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger"  # a home without ~/.ray/auth_token
    stranger.mkdir()
    # Ray tries to reach the GCS for 20 s, once a second, before it gives up, even when every answer is the
    # same refusal; one try (Ray's own knob for that budget) gets the same refusal and the same error.
    one_try = {"RAY_gcs_server_port_wait_time_s": "1"}
    r = _dedup({**cluster.env, "HOME": str(stranger), **one_try}, tmp_path / "x.csv", "--engine", "ray",
               "--ray-address", f"127.0.0.1:{cluster.gcs}")
    assert r.returncode == 1, r.stderr[-3000:]
    last = r.stderr.strip().splitlines()[-1]  # above it, Ray's own log of the refused connection
    assert last.startswith(f"Error: the Ray cluster at 127.0.0.1:{cluster.gcs} uses token authentication")
    assert "~/.ray/auth_token" in last and "RAY_AUTH_TOKEN" in last
    assert not (tmp_path / "x.csv").exists()
    # Ray Data does not run through Ray Client: a ray:// address is refused with the address to use instead
    r = _dedup(cluster.env, tmp_path / "x.csv", "--engine", "ray", "--ray-address", f"ray://127.0.0.1:{cluster.client}")
    assert r.returncode == 1
    assert "Ray Client" in r.stderr and "--ray-address HEAD:6379" in " ".join(r.stderr.split())
    assert not (tmp_path / "x.csv").exists()


def test_ray_token_available_looks_where_ray_looks(tmp_path: Path) -> None:
    from dedup.engine_ray import ray_token_available

    assert not ray_token_available({}, home=tmp_path)
    assert ray_token_available({"RAY_AUTH_TOKEN": "abc"}, home=tmp_path)
    assert not ray_token_available({"RAY_AUTH_TOKEN": " "}, home=tmp_path)
    (tmp_path / ".ray").mkdir()
    (tmp_path / ".ray" / "auth_token").write_text("", encoding="utf-8")
    assert not ray_token_available({}, home=tmp_path)  # an empty file is no token
    (tmp_path / ".ray" / "auth_token").write_text("f00d\n", encoding="utf-8")
    assert ray_token_available({}, home=tmp_path)
    other = tmp_path / "elsewhere"
    assert not ray_token_available({"RAY_AUTH_TOKEN_PATH": str(other)}, home=tmp_path)
    other.write_text("beef", encoding="utf-8")
    assert ray_token_available({"RAY_AUTH_TOKEN_PATH": str(other)}, home=tmp_path)
