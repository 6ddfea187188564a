"""Working days (Monday to Friday) for the supervisor's waiting target. Pure functions, no I/O.

A target of "2 working days" means 48 hours of weekday time: an inquiry that arrived on Friday at
12:00 is over that target on Tuesday at 12:00, not on Sunday. Holidays are not counted out.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

DEFAULT_TARGET_HOURS = 48.0  # 2 working days


def is_working_day(when: datetime) -> bool:
    return when.weekday() < 5


def working_cutoff(now: datetime, hours: float) -> datetime:
    """The instant ``hours`` of working-day time (Mon–Fri, around the clock) before ``now``.

    An inquiry whose first contact is older than this has waited longer than ``hours`` working hours.
    Days are taken in ``now``'s timezone (UTC for the store's figures).
    """
    remaining = timedelta(hours=max(0.0, hours))
    end = now
    day_start = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
    while True:
        if is_working_day(day_start):
            span = end - day_start
            if span >= remaining:
                return end - remaining
            remaining -= span
        end = day_start
        day_start -= timedelta(days=1)


def working_target_seconds(now: datetime, hours: float) -> float:
    """Wall-clock seconds from the working-day cutoff to ``now`` (what ``Store.waiting_beyond`` takes)."""
    return (now - working_cutoff(now, hours)).total_seconds()


def target_label(hours: float) -> str:
    """The waiting target in words, the same in `inbox stats` and the supervisor view: whole days as
    working days ("2 working days"), anything else in working hours ("36 working hours")."""
    days, rest = divmod(hours, 24)
    if rest == 0 and days:
        return f"{days:g} working day{'s' * (days != 1)}"
    return f"{hours:g} working hour{'s' * (hours != 1)}"
