"""The unit of work: one database transaction per user action.

Leaving the ``with`` block without ``commit()`` rolls everything back. A
writing unit of work takes the write lock at its start (``BEGIN IMMEDIATE`` on
SQLite; row locks with ``SELECT ... FOR UPDATE`` on PostgreSQL), so two
actions on the same instance run one after the other and the second sees the
first one's result.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine import Engine as SAEngine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .errors import ConcurrentUpdate

IMMEDIATE = "clusterflow_immediate"
NO_BEGIN = "clusterflow_no_begin"
# one session factory per database engine: building a sessionmaker defines a class, too dear for every action
_FACTORIES: WeakKeyDictionary[SAEngine, sessionmaker] = WeakKeyDictionary()


def _factory(bind: SAEngine) -> sessionmaker:
    factory = _FACTORIES.get(bind)
    if factory is None:
        factory = _FACTORIES[bind] = sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)
    return factory


class UnitOfWork:
    def __init__(self, bind: SAEngine, *, write: bool = True) -> None:
        self._factory = _factory(bind)
        self.write = write
        self.session: Session

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        if self.write and self.session.get_bind().dialect.name == "sqlite":
            self.session.connection(execution_options={IMMEDIATE: True})
        return self

    def __exit__(self, *exc_info: Any) -> None:
        # close() ends any uncommitted transaction with a rollback, and, unlike rollback(),
        # leaves loaded objects readable (detached, not expired) for the caller
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as exc:
            self.session.rollback()
            raise ConcurrentUpdate("the case was changed by someone else meanwhile; reload and try again") from exc
        except OperationalError as exc:
            self.session.rollback()
            if "locked" in str(exc).lower():
                raise ConcurrentUpdate("the database is busy with another change; try again") from exc
            raise

    def rollback(self) -> None:
        self.session.rollback()


@contextmanager
def lone_read(bind: SAEngine) -> Iterator[Connection]:
    """A connection for reading that needs no snapshot across statements (the bearer-token check of every API
    request): no ORM session and no transaction, each statement reads on its own (no BEGIN and ROLLBACK round
    trips). Nothing may be written through it."""
    with bind.connect() as connection:
        if connection.dialect.name == "sqlite":   # pysqlite's autocommit is ours already (configure_sqlite)
            connection.execution_options(**{NO_BEGIN: True})
        else:
            connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


def configure_sqlite(engine: SAEngine) -> None:
    """Foreign keys, WAL, a busy timeout, and BEGIN IMMEDIATE for writing units of work.

    pysqlite's own transaction handling is switched off so that we decide how
    each transaction begins (the SQLAlchemy-documented recipe).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(NO_BEGIN):
            return
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(IMMEDIATE) else "BEGIN")
