"""Bounds on numbers that come from outside: ids and pages fit every database's integer columns."""
from __future__ import annotations

MAX_ID = 2**31 - 1        # ids and numbers in paths and filters fit every database's INTEGER
MAX_PAGE = 1_000_000      # pagination: far past any real page, far below an overflow
