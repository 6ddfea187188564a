"""SIGKILL `inbox sync --once` again and again during a large pull; then count what was stored.

    .venv/bin/python bench/kill_bench.py [--kills 50] [--sms 5000] [--dialog 3000] [--email 500] [--seed N]

Seeds the loopback Twilio REST server and the loopback veilarbdialog (in this process) and a private
dovecot (needs `apt-get install -y dovecot-imapd`), then runs the real `inbox sync --once` in a
subprocess against a SQLite file, killing it with SIGKILL at random moments ``--kills`` times (half at a
random time after start, half a few random milliseconds after a random progress line), with new messages
arriving on every service before each round (``--arrive``), then undisturbed runs until all is stored.
Prints one line per round and the figures: messages stored per channel against those seeded, missing,
unexpected and duplicate ones. Exits 1 unless every seeded message is stored exactly once. The harness
is the one `tests/connectors/test_kill.py` uses (with 8 kills).
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.connectors.test_kill import harness  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=50, help="killed rounds before the clean one (default 50)")
    parser.add_argument("--sms", type=int, default=5000, help="SMS on the loopback Twilio (default 5000)")
    parser.add_argument("--dialog", type=int, default=3000, help="dialogue messages (default 3000)")
    parser.add_argument("--email", type=int, default=500, help="mails in dovecot (default 500)")
    parser.add_argument("--arrive", type=int, nargs=3, default=(100, 50, 5), metavar=("SMS", "DIALOG", "EMAIL"),
                        help="new messages added before each round after the first, so every round has work "
                             "(default 100 50 5)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random, printed)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory (database, log)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    root = Path(tempfile.mkdtemp(prefix="flerkanal-kill-"))
    print(f"seed {seed}; seeding {args.sms} SMS, {args.dialog} dialogue messages, {args.email} mails; "
          f"working in {root}", flush=True)
    started = time.monotonic()

    def progress(round_no: int, code: int | None, stored: int) -> None:
        how = "killed (SIGKILL)" if code == -9 else f"exit {code}"
        print(f"  round {round_no:3}: {how:17} stored {stored:6} of {sum(h.figures.seeded.values()):6} "
              f"({time.monotonic() - started:6.1f} s)", flush=True)

    with harness(root, sms=args.sms, dialog=args.dialog, email=args.email, seed=seed) as h:
        # the loopback servers (started above, which set up uvicorn's logging) see killed clients disconnect
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
        figures = h.run(args.kills, arrivals=tuple(args.arrive), progress=progress)
        print(figures.report())
        if not figures.ok:
            print(f"--- log tail ({h.log}) ---\n{h.log_tail()}")
    if args.keep or not figures.ok:
        print(f"kept {root}")
    else:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    sys.exit(0 if figures.ok else 1)


if __name__ == "__main__":
    main()
