"""``--engine ray``: the shards grouped by an actor pool on Ray Data, on a local Ray started for the test.

Never skipped: Ray is a dev dependency (``ray[data]``), so a missing install fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import ray

from dedup.models import ModelSpec
from dedup.pipeline import RunOptions, run_dedup
from synth import generate

pytestmark = [
    pytest.mark.slow,
    # Ray's own modules warn about their internals; none of it is ours.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::PendingDeprecationWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, object_store_memory=150 * 1024**2)
    try:
        yield
    finally:
        ray.shutdown()


def test_ray_engine_groups_like_the_local_engine(local_ray: None, tmp_path: Path) -> None:
    folder = tmp_path / "synth"
    generate(folder, 900, seed=11, pages_of=300)
    files = [folder / "sms", folder / "mail.mbox", folder / "dialog.json"]

    def opts(out: str, engine: str = "local", jobs: int = 1) -> RunOptions:
        return RunOptions(files=files, out=tmp_path / out, contacts=folder / "contacts.csv",
                          model=ModelSpec("hashing"), cache_root=tmp_path / "cache", engine=engine, jobs=jobs)

    local = run_dedup(opts("local.csv"))
    on_ray = run_dedup(opts("ray.csv", engine="ray", jobs=2))
    assert on_ray.shards >= 2
    assert (tmp_path / "ray.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert on_ray.summary == local.summary
    assert ray.is_initialized()  # the engine used the running instance and left it running
