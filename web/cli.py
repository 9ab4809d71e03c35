"""The `clusterflow` command: validate, deploy, start, work on tasks, fire timers, manage users."""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from engine.validation import read_sources

from . import cli_db, create_app, serving, unit_of_work
from .config import ConfigError
from .models import TaskRecord
from .reference import provinces, roles
from .runtime import current_runtime
from .services import auth, closures, deployment, messages, starting, task_page, timers, users
from .services.actors import SYSTEM, Actor
from .services.errors import DeploymentRefused, ServiceError
from .services.letters.kinds import check_letters
from .services.limits import MAX_ID


def _json_option(value: str | None, what: str) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", param_hint=what)


def _actor(username: str | None) -> Actor:
    if username is None:
        return SYSTEM
    with unit_of_work(write=False) as uow:
        return users.actor_for(uow.session, username)


def _fail(exc: ServiceError) -> None:
    if isinstance(exc, DeploymentRefused):
        for problem in exc.problems:
            click.echo(str(problem), err=True)
    elif getattr(exc, "errors", None):
        # one line per problem, as the API reports them: field (records columns as field.row.column): message
        for field, messages in exc.errors.items():
            for text in messages:
                click.echo(f"{field}: {text}", err=True)
    else:
        click.echo(f"error: {exc}", err=True)
    sys.exit(1)


def _data_object(value: str | None, what: str) -> dict[str, Any]:
    payload = _json_option(value, what)
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise click.BadParameter("must be a JSON object of field names and values", param_hint=what)
    return payload


def _database_not_ready(exc: SQLAlchemyError) -> None:
    problem = _database_problem(exc) if isinstance(exc, DBAPIError) else \
        f"the database is not ready ({type(exc).__name__}); run `clusterflow db upgrade`"
    click.echo(f"error: {problem}", err=True)
    sys.exit(1)


class ClusterflowGroup(FlaskGroup):
    """Flask's command group, answering a database error in one line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            problem = _database_problem(exc)
            if not problem.startswith("the database has no tables") and isinstance(exc, (OperationalError,
                                                                                         InterfaceError)):
                raise   # an unreachable database: `run` says so in one line, exit 2
            click.echo(f"error: {problem}", err=True)
            ctx.exit(1)


def _database_problem(exc: DBAPIError) -> str:
    # A database that was never upgraded has no tables (SQLite: "no such table"; PostgreSQL: UndefinedTable)
    text = str(exc.orig or exc).strip().splitlines()[0] if str(exc.orig or exc).strip() else type(exc).__name__
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return "the database has no tables yet: run `clusterflow db upgrade`"
    return f"database: {text}"


@click.group(cls=ClusterflowGroup, create_app=lambda: create_app(), add_default_commands=True,
             add_version_option=False)
def main() -> None:
    """clusterflow: the cluster-development service on BPMN."""


main.add_command(cli_db.db)  # before the app's own `db`: a downgrade to base needs a confirmation


def run() -> None:
    """The console script: a misconfigured environment or an unreachable database is one line, exit 2."""
    try:
        main()
    except ConfigError as exc:
        click.echo(f"clusterflow: configuration error: {exc}", err=True)
        sys.exit(2)
    except (OperationalError, InterfaceError) as exc:
        click.echo(f"clusterflow: cannot use the database: {_first_line(exc)}", err=True)
        sys.exit(2)


def _first_line(exc: DBAPIError) -> str:
    return (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@with_appcontext
def validate(paths: tuple[str, ...]) -> None:
    """Check BPMN/DMN files (or folders of them); list every problem as file:line element: message."""
    try:
        sources = read_sources(paths)
    except OSError as exc:
        raise click.ClickException(str(exc))
    problems: list = list(current_runtime().registry.validate(sources))
    for path in paths:   # a processes folder's letter templates (processes/letters/) are checked with it
        if (Path(path) / "letters" / "kinds.json").exists():
            problems += check_letters(Path(path) / "letters")
    for warning in current_runtime().registry.warnings(sources):  # reported, never a reason to fail
        click.echo(str(replace(warning, message=f"warning: {warning.message}")))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(sources)} file(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(sources)} file(s)")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--reason", help="Why this version is deployed (kept in the history).")
@click.option("--user", "username", help="Deploy as this user (default: the system).")
@with_appcontext
def deploy(paths: tuple[str, ...], reason: str | None, username: str | None) -> None:
    """Validate and deploy BPMN/DMN files as a new version; running cases stay on theirs."""
    runtime = current_runtime()
    try:
        result = deployment.deploy(read_sources(paths), actor=_actor(username).username, reason=reason,
                                   uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    except ServiceError as exc:
        _fail(exc)
        return
    word = "deployed" if result.created else "unchanged, already"
    click.echo(f"{word} version {result.version}: {', '.join(result.process_ids)}")


@main.command()
@click.argument("process_id")
@click.option("--data", help="Start data as a JSON object.")
@click.option("--province", type=click.Choice(sorted(provinces())), help="The province the case belongs to.")
@click.option("--user", "username", help="Start as this user (default: the system).")
@with_appcontext
def start(process_id: str, data: str | None, province: str | None, username: str | None) -> None:
    """Start a new instance of PROCESS_ID and run it until it waits.

    The data is checked against the start form (fields and rules) exactly as the API checks it.
    """
    runtime = current_runtime()
    payload = _data_object(data, "--data")
    try:
        outcome = starting.start_with_form(process_id, payload, province, actor=_actor(username), locale="en",
                                           uow=unit_of_work(), runtime=runtime, clock=runtime.clock,
                                           any_process=True)
    except ServiceError as exc:
        _fail(exc)
        return
    except SQLAlchemyError as exc:
        _database_not_ready(exc)
        return
    click.echo(f"instance {outcome.instance_id}: {outcome.status}")
    _print_open_tasks(outcome.instance_id)


@main.command()
@click.option("--instance", "instance_id", type=click.IntRange(1, MAX_ID), help="Only this instance's tasks.")
@with_appcontext
def tasks(instance_id: int | None) -> None:
    """List open tasks: id, instance, role, element, due."""
    _print_open_tasks(instance_id)


@main.command()
@click.argument("task_id")
@click.option("--data", help="The form data as a JSON object.")
@click.option("--user", "username", help="Complete as this user (default: the system).")
@with_appcontext
def complete(task_id: str, data: str | None, username: str | None) -> None:
    """Complete an open task with DATA and run the process on.

    The data is checked against the task's form (fields and rules) exactly as the API checks it.
    """
    runtime = current_runtime()
    payload = _data_object(data, "--data")
    try:
        outcome = task_page.complete_with_form(task_id, payload, actor=_actor(username), locale="en",
                                               uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    except ServiceError as exc:
        _fail(exc)
        return
    except SQLAlchemyError as exc:
        _database_not_ready(exc)
        return
    click.echo(f"instance {outcome.instance_id}: {outcome.status}")
    _print_open_tasks(outcome.instance_id)


@main.command("send-message")
@click.argument("name")
@click.option("--correlation", help="JSON object of values that pick the waiting instance.")
@click.option("--payload", help="JSON value handed to the process.")
@with_appcontext
def send_message(name: str, correlation: str | None, payload: str | None) -> None:
    """Deliver message NAME to the instance waiting for it."""
    runtime = current_runtime()
    try:
        outcome = messages.deliver_message(name, _json_option(correlation, "--correlation"),
                                           _json_option(payload, "--payload"), actor=SYSTEM, uow=unit_of_work(),
                                           runtime=runtime, clock=runtime.clock)
    except ServiceError as exc:
        _fail(exc)
        return
    click.echo(f"instance {outcome.instance_id}: {outcome.status}")


@main.command("run-timers")
@with_appcontext
def run_timers() -> None:
    """Fire every timer that is due now (safe to run repeatedly, e.g. from cron)."""
    runtime = current_runtime()
    result = timers.fire_due_timers(uow_factory=unit_of_work, runtime=runtime, clock=runtime.clock)
    for instance_id, element in result.fired:
        click.echo(f"fired {element} in instance {instance_id}")
    for instance_id, error in result.failed:
        click.echo(f"failed in instance {instance_id}: {error}", err=True)
    click.echo(f"{len(result.fired)} timer(s) fired, {len(result.failed)} failed")
    if result.failed:
        sys.exit(1)


@main.command()
@click.option("--name", help="This worker's name in the heartbeat table (default: host:pid:random).")
@click.option("--max-sleep", type=float, default=1.0, show_default=True,
              help="Longest pause between looks for due work, in seconds.")
@with_appcontext
def worker(name: str | None, max_sleep: float) -> None:
    """Fire due timers and run background jobs until stopped (SIGTERM/Ctrl-C: finish the current item, exit 0)."""
    import logging
    import signal

    from .services.work.worker import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("spiff").setLevel(logging.WARNING)   # the engine's step-by-step trace is not for operators
    runtime = current_runtime()
    the_worker = Worker(uow_factory=unit_of_work, runtime=runtime, clock=runtime.clock, name=name,
                        max_sleep=max_sleep)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: the_worker.stop())
    click.echo(f"worker {the_worker.name} started")
    the_worker.run()
    click.echo(f"worker {the_worker.name} stopped")


def start_worker_thread(app: Any) -> Any:
    """A worker inside this process (for `serve --worker`, the embedded set-up); returns it (``stop()`` ends it)."""
    import threading

    from .services.work.worker import Worker

    runtime = app.extensions["clusterflow.runtime"]
    the_worker = Worker(uow_factory=unit_of_work, runtime=runtime, clock=runtime.clock)

    def run() -> None:
        with app.app_context():
            the_worker.run()

    threading.Thread(target=run, name="clusterflow-worker", daemon=True).start()
    return the_worker


@main.group("holidays")
def holidays_group() -> None:
    """One-off closures (air pollution, national mourning) on top of the official holidays."""


@holidays_group.command("add")
@click.argument("day")
@click.option("--reason", required=True, help="why the offices are closed (the announcement)")
@click.option("--user", "username", required=True, help="the administrator declaring it")
@with_appcontext
def holidays_add(day: str, reason: str, username: str) -> None:
    """Declare DAY (Jalali YYYY/MM/DD) a day off; working-day deadlines counted from now on skip it."""
    runtime = current_runtime()
    try:
        closure = closures.declare_closure(day, reason, actor=_actor(username), uow=unit_of_work(),
                                           runtime=runtime, clock=runtime.clock)
    except ServiceError as exc:
        _fail(exc)
        return
    click.echo(f"{closure.jalali} closed: {closure.reason} (declared by {closure.declared_by})")


@holidays_group.command("list")
@with_appcontext
def holidays_list() -> None:
    """The declared closures: day, who declared it, why."""
    for closure in closures.list_closures(unit_of_work(write=False)):
        click.echo(f"{closure.jalali}\t{closure.declared_by}\t{closure.declared_at:%Y-%m-%d %H:%M}Z\t{closure.reason}")


@main.command("create-user")
@click.argument("username")
@click.option("--role", "role_ids", multiple=True, required=True, type=click.Choice(sorted(roles())))
@click.option("--province", "province_ids", multiple=True, type=click.Choice(sorted(provinces())))
@click.option("--display-name")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input.")
@with_appcontext
def create_user(username: str, role_ids: tuple[str, ...], province_ids: tuple[str, ...], display_name: str | None,
                password_stdin: bool) -> None:
    """Create a user with one or more roles and provinces."""
    password = sys.stdin.readline().rstrip("\r\n")
    runtime = current_runtime()
    try:
        users.create_user(username, password, role_ids=role_ids, province_ids=province_ids,
                          display_name=display_name, uow=unit_of_work(), clock=runtime.clock)
    except ServiceError as exc:
        _fail(exc)
        return
    click.echo(f"created user {username}")


@main.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the new password from standard input.")
@with_appcontext
def set_password(username: str, password_stdin: bool) -> None:
    """Give a user a new password."""
    try:
        users.set_password(username, sys.stdin.readline().rstrip("\r\n"), uow=unit_of_work())
    except ServiceError as exc:
        _fail(exc)
        return
    click.echo(f"password of {username} changed")


@main.command("deactivate-user")
@click.argument("username")
@with_appcontext
def deactivate_user(username: str) -> None:
    """Deactivate a user: they cannot sign in, and every browser session of theirs ends at once."""
    try:
        users.set_active(username, False, uow=unit_of_work())
    except ServiceError as exc:
        _fail(exc)
        return
    click.echo(f"{username} deactivated; their sessions have ended")


@main.command("activate-user")
@click.argument("username")
@with_appcontext
def activate_user(username: str) -> None:
    """Let a deactivated user sign in again."""
    try:
        users.set_active(username, True, uow=unit_of_work())
    except ServiceError as exc:
        _fail(exc)
        return
    click.echo(f"{username} may sign in again")


@main.command("sign-out-everywhere")
@click.argument("username")
@with_appcontext
def sign_out_everywhere(username: str) -> None:
    """End every browser session of a user at once (e.g. a lost laptop)."""
    try:
        with unit_of_work(write=False) as uow:
            user_id = users.user_id_of(uow.session, username)
        auth.sign_out_everywhere(user_id, uow=unit_of_work())
    except ServiceError as exc:
        _fail(exc)
        return
    click.echo(f"every session of {username} has ended")


@main.command("sign-in-failures")
@click.option("--hours", type=click.FloatRange(0, 24 * 366), default=24.0, show_default=True,
              help="How far back to look.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True)
@with_appcontext
def sign_in_failures(hours: float, limit: int) -> None:
    """Failed sign-in attempts, newest first: time (UTC), address, user name tried."""
    from datetime import timedelta

    since = current_runtime().clock.now() - timedelta(hours=hours)
    with unit_of_work(write=False) as uow:
        for attempt in auth.recent_failures(uow.session, since, limit):
            click.echo(f"{attempt.at.isoformat(timespec='seconds')}\t{attempt.address}\t{attempt.username}")


@main.command("roles")
def list_roles() -> None:
    """Every role: id, Persian name, English name."""
    for role in roles().values():
        click.echo(f"{role.id}\t{role.fa}\t{role.en}")


@main.command("provinces")
def list_provinces() -> None:
    """Iran's provinces: id, Persian name, English name."""
    for province in provinces().values():
        click.echo(f"{province.id}\t{province.fa}\t{province.en}")


def _print_open_tasks(instance_id: int | None) -> None:
    with unit_of_work(write=False) as uow:
        query = select(TaskRecord).where(TaskRecord.status == "open").order_by(TaskRecord.created_at)
        if instance_id is not None:
            query = query.where(TaskRecord.instance_id == instance_id)
        for row in uow.session.scalars(query):
            due = row.due_at.isoformat(timespec="minutes") if row.due_at else "-"
            click.echo(f"  task {row.id}  instance {row.instance_id}  {row.role or '-'}  {row.element_id}  due {due}")


@main.command()
@with_appcontext
def demo() -> None:
    """Create demo users for every role in two provinces, deploy the shipped processes, start sample cases."""
    from pathlib import Path

    from flask import current_app

    from .services.demo import seed_demo

    try:  # the shipped processes only: examples/ is for reading and trying by hand, not demo data
        created = seed_demo(uow_factory=unit_of_work, runtime=current_runtime(),
                            process_dirs=[Path(current_app.config["PROCESSES_DIR"])])
    except ServiceError as exc:
        _fail(exc)
        return
    if created:
        click.echo("Demo users (the passwords are shown only now; keep them):")
        for user in created:
            click.echo(f"  {user.username:40} {user.password}")
    else:
        click.echo("Demo data is in place (users were created earlier; their passwords were shown then).")


@main.command()
@click.option("--host", help="Address to listen on (default: CLUSTERFLOW_HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: CLUSTERFLOW_PORT or 5000).")
@click.option("--production", is_flag=True,
              help="gunicorn with CLUSTERFLOW_WORKERS processes of CLUSTERFLOW_THREADS threads (Linux).")
@click.option("--threads", type=int, help="Threads (default: 8 with waitress, CLUSTERFLOW_THREADS with gunicorn).")
@click.option("--worker/--no-worker", "with_worker", default=False,
              help="Also run a worker (timers, background jobs) in this process, as `make run` does (waitress only).")
@with_appcontext
def serve(host: str | None, port: int | None, production: bool, threads: int | None, with_worker: bool) -> None:
    """Serve the application: waitress (with --worker, a worker beside it), or gunicorn with --production."""
    from flask import current_app

    from .extensions import db

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    try:  # fail now, in one line, rather than on the first request
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        db.engine.dispose()  # no connection crosses a fork into a gunicorn worker
    if production:
        if sys.platform == "win32":
            raise click.ClickException("gunicorn does not run on Windows; use `clusterflow serve` (waitress)")
        if with_worker:
            raise click.ClickException("with --production run the worker as its own process: `clusterflow worker`")
        workers, threads = app.config["WORKERS"], threads or app.config["THREADS"]
        click.echo(f"clusterflow on http://{host}:{port}/ (gunicorn, {workers} workers x {threads} threads)")
        serving.serve_gunicorn(app, serving.gunicorn_settings(host, port, workers, threads))
        return
    click.echo(f"clusterflow on http://{host}:{port}/")
    the_worker = start_worker_thread(app) if with_worker else None
    try:
        serving.serve_waitress(app, host, port, threads or 8)
    finally:
        if the_worker is not None:
            the_worker.stop()
