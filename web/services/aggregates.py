"""SQL building blocks for reports: durations in days, quantiles and Jalali-month buckets, on PostgreSQL and SQLite.

Reports aggregate in the database; Python only receives a bounded number of rows
(a few per stage, per month or per province), however many cases there are.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, cast, func, literal, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ..models.types import UTCDateTime

SORT_MEMORY = "64MB"   # PostgreSQL's work_mem while a quantile sorts (100,000 stays take ~10 MB)


def moment(value: datetime) -> Any:
    """A bound datetime typed like the models' columns (stored as naive UTC on SQLite)."""
    return literal(value, UTCDateTime())


def later(session: Session, first: Any, second: Any) -> Any:
    """The later of two datetimes (SQLite's two-argument max compares its stored text, which sorts as time)."""
    return func.greatest(first, second) if _postgres(session) else func.max(first, second)


def days_between(session: Session, start: Any, end: Any) -> Any:
    """``end - start`` in days, fractions kept."""
    if _postgres(session):
        # two float epochs: EXTRACT of an interval is numeric since PostgreSQL 14, slower over 100,000 rows
        return (func.date_part("epoch", end) - func.date_part("epoch", start)) / 86400.0
    return func.julianday(end) - func.julianday(start)


def quantiles(session: Session, rows: Any, fraction: float) -> dict[Any, tuple[int, float, float]]:
    """``{group: (count, mean, quantile)}`` of the ``value`` column of ``rows`` (a subquery with ``grp``, ``value``).

    The quantile interpolates linearly between ranks (numpy's default, PostgreSQL's
    ``percentile_cont``). SQLite has no ordered-set aggregates: it ranks the values in
    each group and returns only the (at most two) values around the wanted rank.
    """
    if _postgres(session):
        # the values are sorted per group: in memory, not in temporary files (for this transaction only)
        session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))
        query = (select(rows.c.grp, func.count(), func.avg(rows.c.value),
                        func.percentile_cont(fraction).within_group(rows.c.value))
                 .group_by(rows.c.grp))
        return {grp: (count, float(mean), float(q)) for grp, count, mean, q in session.execute(query)}
    stats = {grp: (count, float(mean)) for grp, count, mean in session.execute(
        select(rows.c.grp, func.count(), func.avg(rows.c.value)).group_by(rows.c.grp))}
    ranked = select(rows.c.grp, rows.c.value,
                    (func.row_number().over(partition_by=rows.c.grp, order_by=rows.c.value) - 1).label("r"),
                    func.count().over(partition_by=rows.c.grp).label("n")).subquery()
    low = cast((ranked.c.n - 1) * fraction, Integer)
    around: dict[Any, dict[int, float]] = defaultdict(dict)
    for grp, value, rank in session.execute(select(ranked.c.grp, ranked.c.value, ranked.c.r)
                                            .where(ranked.c.r >= low, ranked.c.r <= low + 1)):
        around[grp][rank] = float(value)
    out = {}
    for grp, (count, mean) in stats.items():
        rank = fraction * (count - 1)
        lower = int(rank)
        values = around[grp]
        low_value = values[lower]
        high_value = values.get(lower + 1, low_value)
        out[grp] = (count, mean, low_value + (rank - lower) * (high_value - low_value))
    return out


def read_all(session: Session) -> None:
    """On PostgreSQL, plan this transaction's queries for reading every row, not the first few: a streamed
    export's cursor would otherwise get a fast-start plan (an index walk with a lookup per row), many times
    slower over 100,000 rows than a hash join and one sort in memory."""
    if _postgres(session):
        session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
        session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))


def bucket(session: Session, column: Any, bounds: Sequence[datetime]) -> Any:
    """The index ``i`` of the interval ``bounds[i] <= column < bounds[i + 1]``, for rows already within the bounds.

    On PostgreSQL a binary search over the bounds (``width_bucket``), not one comparison per month per row.
    """
    if _postgres(session):
        return func.width_bucket(column, postgresql.array([moment(b) for b in bounds])) - 1
    return case(*[(column < bounds[i + 1], i) for i in range(len(bounds) - 1)], else_=len(bounds) - 1)


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
