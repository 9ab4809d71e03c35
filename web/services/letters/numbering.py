"""Letter numbers: one sequence per province and Jalali year, without gaps.

The number is taken by an UPDATE of the sequence row inside the transaction of the step that issues
the letter: the row stays locked until that transaction ends, so two letters issued at once get
consecutive numbers, and a step that fails gives its number back with everything else.
"""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...models import LetterSequence


def next_number(session: Session, province: str, year: int) -> int:
    """The next letter number of ``province`` in ``year`` (1 for the first)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(LetterSequence).values(province=province, year=year, last_number=0)
                    .on_conflict_do_nothing(index_elements=["province", "year"]))
    number = session.execute(
        update(LetterSequence).where(LetterSequence.province == province, LetterSequence.year == year)
        .values(last_number=LetterSequence.last_number + 1).returning(LetterSequence.last_number)).scalar_one()
    return int(number)
