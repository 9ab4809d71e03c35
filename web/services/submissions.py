"""The one way a submission is checked: the form's fields, then its rules, with the case data, people and today.

Used by the web form, the API and the command line alike, for task completions
and for starts (``web.services.task_page.complete_with_form``,
``web.services.starting.start_with_form``). A failure is
:class:`InvalidInput` with messages per field in the user's language, raised
before anything is recorded.
"""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock
from forms.context import ValidationContext, case_options
from forms.loader import form_or_none
from forms.marshmallow_schema import validate_submission
from forms.model import FormDefinition

from ..models import TaskRecord, User, UserProvince, UserRole
from ..reference import roles
from .errors import InvalidInput
from .instances import Check


def people(session: Session, province: str | None):  # type: ignore[no-untyped-def]
    """``users(role)``: the active users holding ``role`` in ``province`` (national roles anywhere), by full name."""

    def users(role: str) -> list[tuple[str, str]]:
        query = (select(User.username, User.display_name).join(UserRole, UserRole.user_id == User.id)
                 .where(User.active.is_(True), UserRole.role == role))
        known = roles().get(role)
        if province is not None and not (known is not None and known.national):
            query = query.where(User.id.in_(select(UserProvince.user_id).where(UserProvince.province == province)))
        found = {username: name or username for username, name in session.execute(query)}
        return sorted(found.items(), key=lambda item: (item[1], item[0]))

    return users


def validation_context(session: Session, province: str | None, case: Mapping[str, Any],
                       clock: Clock) -> ValidationContext:
    return ValidationContext(case=dict(case), today=clock.now(), users=people(session, province))


def check_submission(form: FormDefinition | None, raw: Mapping[str, Any], context: ValidationContext,
                     locale: str) -> dict[str, Any]:
    """The clean data of ``raw`` for ``form`` (``raw`` as given when there is no form).

    :raise InvalidInput: with messages per field in ``locale``; records columns keyed ``field.row.column``.
    """
    if form is None:
        return dict(raw)
    clean, errors = validate_submission(form, raw, locale, context)
    if errors:
        raise InvalidInput("the form has errors", errors)
    return clean


def task_check(raw: Mapping[str, Any], *, locale: str, clock: Clock) -> Check:
    """The check ``complete_task`` runs on the live case data before completing (see ``instances.Check``)."""

    def check(session: Session, row: TaskRecord, case: Mapping[str, Any]) -> dict[str, Any]:
        return check_submission(form_or_none(row.form_id), raw, validation_context(session, row.province, case, clock),
                                locale)

    return check



def field_options(session: Session, form: FormDefinition | None, province: str | None, case: Mapping[str, Any],
                  locale: str, clock: Clock) -> dict[str, list[tuple[str, str]]]:
    """The choices of fields whose options come from the case or from people, for a form's page.

    Keyed by field name, ``"<records>.<column>"`` for a column; each ``(value, label)``: users by full name.
    """
    if form is None:
        return {}
    context = validation_context(session, province, case, clock)
    lang = "en" if str(locale).startswith("en") else "fa"
    found: dict[str, list[tuple[str, str]]] = {}
    for field in form.fields:
        for definition, key in [(field, field.name)] + [(c, f"{field.name}.{c.name}") for c in field.fields]:
            if definition.type == "user":
                found[key] = context.people(definition.options.get("role"))
            elif definition.options.get("options_from"):
                found[key] = [(o["value"], o["label"][lang]) for o in
                              case_options(definition.options["options_from"], context.case, lang)]
    return found
