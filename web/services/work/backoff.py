"""How long to wait before trying failed work again, and how often to try."""
from __future__ import annotations

from datetime import timedelta

TIMER_ATTEMPTS = 5            # a failing timer is tried this many times, then marked failed
JOB_ATTEMPTS = 5
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
LEASE = timedelta(seconds=60)  # a claim not finished by then is taken again by another worker


def delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min, 4 min, ... at most an hour."""
    return min(FIRST_DELAY * (2 ** max(0, attempts - 1)), MAX_DELAY)
