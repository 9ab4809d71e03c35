"""A person registers themselves as a firm's representative (the public registration page).

They give their national id, mobile, full name and the firm's company national id; the mobile is verified
with a one-time code. The firm must be in the register, in a cluster being developed. Registering creates
the person (if new), a ``pending`` link to the firm and a case about the firm (processes/
firm_registration.bpmn) whose task asks the province's cluster expert to confirm or reject it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock import Clock

from ...models import Cluster, Firm, FirmRepresentation
from ...runtime import Runtime
from ..actors import SYSTEM
from ..errors import InvalidInput
from ..deployment import latest_definition
from ..instances import start_in
from ..uow import UnitOfWork
from .enrolment import REGISTRATION_PROCESS, developing_case
from .identity import clean
from .otp import CodeRefused, CodeSent, check_code, issue_code
from .people import find_or_create_person, find_person


@dataclass(frozen=True)
class Application:
    national_id: str
    mobile: str
    full_name: str
    company_id: str


@dataclass(frozen=True)
class Registered:
    instance_id: int
    firm_name: str


def check_application(session: Session, raw: Mapping[str, Any]) -> tuple[Application, Firm]:
    """The clean application and its firm.

    :raise InvalidInput: every field's problem at once: a wrong check digit, a mobile that is not Iranian, a
        missing name, a firm not in the register or not in a cluster being developed, a national id and
        mobile of different people, a link that exists already.
    """
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name, kind in (("national_id", "national_id"), ("mobile", "mobile"), ("company_id", "company_id")):
        try:
            values[name] = clean(kind, raw.get(name), name)
        except InvalidInput as exc:
            errors.update(exc.errors)
    full_name = " ".join(str(raw.get("full_name") or "").split())[:160]
    if not full_name:
        errors["full_name"] = [gettext("Please give your full name.")]
    firm = None
    if "company_id" in values:
        firm = session.scalar(select(Firm).where(Firm.national_id == values["company_id"]))
        if firm is None:
            errors["company_id"] = [gettext("No firm with this company national id is in the register of the "
                                            "clusters' firms. Ask the provincial industrial estates company.")]
        elif developing_case(session, firm.cluster_id) is None:
            errors["company_id"] = [gettext("This firm's cluster is not being developed now; registration is "
                                            "open to firms of clusters being developed.")]
    if "national_id" in values and "mobile" in values and "national_id" not in errors:
        try:
            person = find_person(session, values["national_id"], values["mobile"])
        except InvalidInput as exc:
            errors.update(exc.errors)
            person = None
        if person is not None and firm is not None and "company_id" not in errors:
            status = session.scalar(select(FirmRepresentation.status).where(
                FirmRepresentation.user_id == person.id, FirmRepresentation.firm_id == firm.id))
            if status in ("confirmed", "invited"):
                errors["company_id"] = [gettext("You represent this firm already; sign in with a code sent "
                                                "to your mobile.")]
            elif status == "pending":
                errors["company_id"] = [gettext("Your registration for this firm waits for the cluster "
                                                "expert's confirmation.")]
    if errors:
        raise InvalidInput("the registration has errors", errors)
    assert firm is not None
    return Application(values["national_id"], values["mobile"], full_name, values["company_id"]), firm


def request_registration_code(raw: Mapping[str, Any], address: str, *, secret: str, uow: UnitOfWork,
                              clock: Clock) -> CodeSent:
    """Check an application and send a code to its mobile.

    :raise InvalidInput: see :func:`check_application`; nothing is recorded.
    :raise TooManyCodes: 429; nothing is recorded.
    """
    with uow:
        application, _ = check_application(uow.session, raw)
        sent = issue_code(uow.session, application.mobile, "register", address, secret=secret, now=clock.now())
        uow.commit()
        return sent


def register(raw: Mapping[str, Any], code: str, *, secret: str, uow: UnitOfWork, runtime: Runtime,
             clock: Clock) -> Registered:
    """Register the applicant with the code sent to their mobile: the person, a pending link, and a case
    about the firm for the cluster expert of the firm's province; all in one transaction.

    :raise InvalidInput: see :func:`check_application`.
    :raise CodeRefused: at ``code`` (a wrong code counts one try, nothing else is recorded).
    """
    now = clock.now()
    with uow:
        application, firm = check_application(uow.session, raw)
        try:
            check_code(uow.session, application.mobile, "register", code, secret=secret, now=now)
        except CodeRefused as exc:
            if getattr(exc, "counted", False):
                uow.commit()
            raise
        person = find_or_create_person(uow.session, application.national_id, application.mobile,
                                       application.full_name, now)
        link_row = _pending(uow.session, person.id, firm.id, now)
        cluster = uow.session.get(Cluster, firm.cluster_id) if firm.cluster_id else None
        data = {"applicant_id": person.id, "representation_id": link_row.id, "full_name": application.full_name,
                "national_id": application.national_id, "mobile": application.mobile,
                "company_id": firm.national_id, "firm_name": firm.name,
                "cluster_name": cluster.name if cluster else "",
                "title": gettext("Registration of a representative of %(firm)s", firm=firm.name)}
        outcome = start_in(uow.session, latest_definition(uow.session, REGISTRATION_PROCESS), data, actor=SYSTEM, province=firm.province,
                           runtime=runtime, clock=clock, firm_id=firm.id, cluster_id=firm.cluster_id)
        uow.commit()
        return Registered(outcome.instance_id, firm.name)


def _pending(session: Session, user_id: int, firm_id: int, now) -> FirmRepresentation:  # type: ignore[no-untyped-def]
    row = session.scalar(select(FirmRepresentation).where(FirmRepresentation.user_id == user_id,
                                                          FirmRepresentation.firm_id == firm_id))
    if row is None:
        row = FirmRepresentation(user_id=user_id, firm_id=firm_id, status="pending", created_at=now)
        session.add(row)
    else:   # a revoked link asked for again
        row.status, row.created_at, row.confirmed_at, row.confirmed_by = "pending", now, None, None
    session.flush()
    return row
