"""Starting a case by hand: which processes a person may start, and starting one from its start form."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.clock import Clock
from forms.loader import form_or_none
from forms.model import FormDefinition

from ..models import ProcessDefinition
from ..runtime import Runtime
from .actors import Actor
from .closures import MARKER_COLUMNS
from .firms import enrolment
from .deployment import latest_definition, newest_definitions
from .errors import InvalidInput, ProcessNotFound
from .instance_view import InstanceView, describe_instance
from .instances import Outcome, start_in
from .one_case import REPEAT_ROLE
from .submissions import check_submission, validation_context
from .uow import UnitOfWork


@dataclass(frozen=True)
class StartOption:
    process_id: str
    name: str
    form: FormDefinition | None
    name_en: str | None = None


def start_options(session: Session, actor: Actor) -> list[StartOption]:
    """The processes with a start form that the actor's roles may start (newest versions).

    A supervisor may also start a repeat of a once-a-year process (``one_case_per``), giving a reason.
    """
    rows = session.scalars(
        newest_definitions().where(ProcessDefinition.manual_start.is_(True), ProcessDefinition.start_form.is_not(None))
        .order_by(ProcessDefinition.name))
    return [StartOption(d.process_id, d.name, form_or_none(d.start_form), d.name_en) for d in rows
            if actor.system or d.starter_role is None or d.starter_role in actor.roles
            or (d.one_case_per and REPEAT_ROLE in actor.roles)]


def start_option(session: Session, actor: Actor, process_id: str) -> StartOption:
    """What :func:`start_options` gives for ``process_id``.

    :raise ProcessNotFound: not a process this actor may start from a form.
    """
    d = _startable(session, actor, process_id)
    return StartOption(d.process_id, d.name, form_or_none(d.start_form), d.name_en)


# the newest definition of a process, with the closures' marker for the start's calendar check; built once
_LATEST = (select(ProcessDefinition, *MARKER_COLUMNS).where(ProcessDefinition.process_id == bindparam("process_id"))
           .order_by(ProcessDefinition.version_id.desc()).limit(1))


def _startable(session: Session, actor: Actor, process_id: str) -> ProcessDefinition:
    """The newest definition of ``process_id`` if the actor may start it from a form (one indexed query).

    :raise ProcessNotFound:
    """
    d, _closures = _startable_now(session, actor, process_id)
    return d


def _startable_now(session: Session, actor: Actor,
                   process_id: str) -> tuple[ProcessDefinition, tuple[int, int | None]]:
    """:func:`_startable`, and the closures' marker read in the same query (``closures.refresh_calendar``)."""
    row = session.execute(_LATEST, {"process_id": process_id}).first()
    d = row[0] if row is not None else None
    if d is None or not d.manual_start or d.start_form is None or not (
            actor.system or d.starter_role is None or d.starter_role in actor.roles
            or (d.one_case_per and REPEAT_ROLE in actor.roles)):
        raise ProcessNotFound(f"no process '{process_id}' you may start")
    return d, (row[1], row[2])


def start_with_form(process_id: str, raw: Mapping[str, Any], province: str | None, *, actor: Actor, locale: str,
                    uow: UnitOfWork, runtime: Runtime, clock: Clock, any_process: bool = False) -> Outcome:
    """Validate the start form (its fields and rules, with the people of ``province`` and today), then start
    the case in ``province``, in one transaction.

    ``any_process`` (the command line): also processes without a start form, which start with ``raw`` as
    given; otherwise only processes the actor may start from a form (404 for others).

    :raise InvalidInput: field errors in the user's language (also a missing province); nothing is started.
    :raise DuplicateCase: the process runs once per province and year and that case exists (409).
    :raise ProcessNotFound, Forbidden, ProcessFailed:
    """
    with uow:
        outcome = _start(uow.session, process_id, raw, province, actor=actor, locale=locale, runtime=runtime,
                         clock=clock, any_process=any_process)
        uow.commit()
        return outcome


def start_and_describe(process_id: str, raw: Mapping[str, Any], province: str | None, *, actor: Actor, locale: str,
                       uow: UnitOfWork, runtime: Runtime, clock: Clock) -> InstanceView:
    """:func:`start_with_form`, answered with the new case as its starter may read it (the API's answer),
    described in the same transaction.

    :raise InvalidInput, DuplicateCase, ProcessNotFound, Forbidden, ProcessFailed: as start_with_form.
    """
    with uow:
        outcome = _start(uow.session, process_id, raw, province, actor=actor, locale=locale, runtime=runtime,
                         clock=clock)
        view = describe_instance(uow.session, actor, outcome.instance_id, just_started=True, runtime=runtime)
        uow.commit()
        return view


def _start(session: Session, process_id: str, raw: Mapping[str, Any], province: str | None, *, actor: Actor,
           locale: str, runtime: Runtime, clock: Clock, any_process: bool = False) -> Outcome:
    definition, closures = (latest_definition(session, process_id), None) if any_process \
        else _startable_now(session, actor, process_id)
    form = form_or_none(definition.start_form)
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = dict(raw)
    if form is not None:
        context = validation_context(session, province, {"province": province} if province else {}, clock)
        try:
            clean = check_submission(form, raw, context, locale)
            clean = enrolment.start_data(session, process_id, clean, province, actor)
        except InvalidInput as exc:
            errors = dict(exc.errors)
    if province is None and not actor.national:
        errors["province"] = ["required"]
    if errors:
        raise InvalidInput("the start form has errors", errors)
    if province:
        clean.setdefault("province", province)
    reason = clean.get("repeat_reason")
    return start_in(session, definition, clean, actor=actor, province=province, runtime=runtime, clock=clock,
                    closures=closures,
                    repeat_reason=reason if isinstance(reason, str) else None, locale=locale)
