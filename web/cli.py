"""The `clusterflow` command: validate, deploy, start, work on tasks, fire timers, manage users."""
from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from engine.validation import read_sources

from . import create_app, unit_of_work
from .models import TaskRecord
from .reference import provinces, roles
from .runtime import current_runtime
from .services import deployment, instances, messages, timers, users
from .services.actors import SYSTEM, Actor
from .services.errors import DeploymentRefused, ServiceError


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
    else:
        click.echo(f"error: {exc}", err=True)
    sys.exit(1)


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=True, add_version_option=False)
def main() -> None:
    """clusterflow: the cluster-development service on BPMN."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@with_appcontext
def validate(paths: tuple[str, ...]) -> None:
    """Check BPMN/DMN files (or folders of them); list every problem as file:line element: message."""
    try:
        sources = read_sources(paths)
    except OSError as exc:
        raise click.ClickException(str(exc))
    problems = current_runtime().registry.validate(sources)
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
    """Start a new instance of PROCESS_ID and run it until it waits."""
    runtime = current_runtime()
    payload = _json_option(data, "--data")
    try:
        outcome = instances.start_instance(process_id, payload, actor=_actor(username), province=province,
                                           uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    except ServiceError as exc:
        _fail(exc)
        return
    click.echo(f"instance {outcome.instance_id}: {outcome.status}")
    _print_open_tasks(outcome.instance_id)


@main.command()
@click.option("--instance", "instance_id", type=int, help="Only this instance's tasks.")
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
    """Complete an open task with DATA and run the process on."""
    runtime = current_runtime()
    payload = _json_option(data, "--data")
    try:
        outcome = instances.complete_task(task_id, payload, actor=_actor(username), uow=unit_of_work(),
                                          runtime=runtime, clock=runtime.clock)
    except ServiceError as exc:
        _fail(exc)
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
@click.option("--threads", type=int, default=8, show_default=True)
@with_appcontext
def serve(host: str | None, port: int | None, threads: int) -> None:
    """Serve the application with a production WSGI server (waitress)."""
    from flask import current_app
    from waitress import serve as waitress_serve

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    click.echo(f"clusterflow on http://{host}:{port}/")
    waitress_serve(app, host=host, port=port, threads=threads)
