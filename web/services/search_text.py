"""Persian-aware text search: the same folding in Python (for the query) and in SQL (for the column).

Users type «ي»/«ك» from Arabic keyboards, a space where the title has a zero-width non-joiner, and digits
in any of three scripts. Both sides are folded the same way: Arabic yeh/kaf to Persian, ZWNJ to a space,
Persian and Arabic-Indic digits to Latin, lower case. The SQL side is a chain of replace() calls, which
SQLite and PostgreSQL both have, so no extra column is needed.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

FOLDS: tuple[tuple[str, str], ...] = (
    ("ي", "ی"), ("ى", "ی"), ("ك", "ک"), ("\u200c", " "),
    *((persian, str(n)) for n, persian in enumerate("۰۱۲۳۴۵۶۷۸۹")),
    *((arabic, str(n)) for n, arabic in enumerate("٠١٢٣٤٥٦٧٨٩")),
)


def fold(text: str) -> str:
    """The text as search compares it."""
    for source, target in FOLDS:
        text = text.replace(source, target)
    return " ".join(text.split()).lower()


def folded(column: Any) -> ColumnElement:
    """The SQL expression folding ``column`` as :func:`fold` folds a query (except runs of spaces)."""
    expression = column
    for source, target in FOLDS:
        expression = func.replace(expression, source, target)
    return func.lower(expression)


def matches(column: Any, needle: str) -> ColumnElement:
    """``column`` contains ``needle``, both folded."""
    return folded(column).contains(fold(needle), autoescape=True)
