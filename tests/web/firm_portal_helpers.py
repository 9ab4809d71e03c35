"""Firm representatives made directly (a user with role firm_representative and a confirmed representation),
signing in with a password; firm-access's invitations and one-time codes are not needed here."""
from __future__ import annotations

from sqlalchemy import select

from tests.web.browser_helpers import make_user
from web import unit_of_work
from web.models import Firm, FirmRepresentation, ProcessInstance, User
from web.runtime import current_runtime
from web.services.actors import Actor


def cluster_of(case_id: int) -> int:
    with unit_of_work(write=False) as uow:
        return uow.session.get(ProcessInstance, case_id).cluster_id


def add_firm(cluster_id: int | None, name: str, national_id: str, *, province: str = "tehran") -> int:
    with unit_of_work() as uow:
        firm = Firm(national_id=national_id, name=name, size="small", province=province, cluster_id=cluster_id,
                    updated_at=current_runtime().clock.now())
        uow.session.add(firm)
        uow.session.flush()
        uow.commit()
        return firm.id


def represent(username: str, *firm_ids: int, status: str = "confirmed") -> None:
    """``username`` (made a firm representative if new) acts for ``firm_ids``."""
    with unit_of_work(write=False) as uow:
        exists = uow.session.scalar(select(User.id).where(User.username == username)) is not None
    if not exists:
        make_user(username, ["firm_representative"], [])
    now = current_runtime().clock.now()
    with unit_of_work() as uow:
        user_id = uow.session.scalar(select(User.id).where(User.username == username))
        for firm_id in firm_ids:
            uow.session.add(FirmRepresentation(user_id=user_id, firm_id=firm_id, status=status, invited_by="expert",
                                               confirmed_by="expert" if status == "confirmed" else None,
                                               created_at=now, confirmed_at=now if status == "confirmed" else None))
        uow.commit()


def firm_actor(username: str, *firm_ids: int) -> Actor:
    return Actor(username, frozenset({"firm_representative"}), frozenset(), firms=frozenset(firm_ids))


def firm_does(task, data: dict, username: str):
    """Complete a firm's task as its representative would in the browser: through its form, as them."""
    from tests.processes.helpers import check_form, complete

    clean, errors = check_form(task, data)
    assert errors == {}, f"{task.element_id}: the form {task.form_id} refuses {errors}"
    return complete(task.id, clean, actor=firm_actor(username, task.firm_id))
