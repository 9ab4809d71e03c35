"""Helpers for firms' representatives in tests: a register with a cluster being developed, invitations through
the real enrolment process, the SMS outbox, and signing in with the code the SMS carried.

Typical use (service level, inside ``with app.app_context():``)::

    firms = register_cluster("tehran", "TH-01", [("10101234565", "Firm A"), ("10102345674", "Firm B")])
    invite_firms(firms.case_id, [invitation("10101234565", "0012345679", "09120000001")])
    # outside the app context (a test client's requests must not share one):
    client_sign_in_by_code(app, client, "09120000001")          # with the ``sms_outbox`` fixture

and in a browser test (``live_server``), request the code on /login/code, then read it with
``with live_server.context(): code = code_sent_to("09120000001")`` and type it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from web import unit_of_work
from web.models import Cluster, Firm, ProcessInstance, ProcessVersion, TaskRecord
from web.runtime import current_runtime
from web.services import instances
from web.services.actors import Actor
from web.services.firms.texting import SMS_JOB
from web.services.notify.sms import ENV
from web.services.starting import start_with_form
from web.services.task_page import complete_with_form
from web.services.work.worker import Worker

from .browser_helpers import csrf_token
from .helpers import ROOT, deploy

OUTBOX: list[tuple[str, str]] = []
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
EXPERT = Actor("expert", frozenset({"cluster_expert"}), frozenset({"tehran"}))


class OutboxSender:
    """An SMS sender that keeps what it sends (``CLUSTERFLOW_SMS_SENDER=tests.web.firm_access_helpers:OutboxSender``)."""

    def send(self, phone: str, text: str) -> None:
        OUTBOX.append((phone, text))


@pytest.fixture
def sms_outbox(monkeypatch) -> list[tuple[str, str]]:
    """Every SMS the worker sends during the test, as (phone, text)."""
    monkeypatch.setenv(ENV, f"{__name__}:OutboxSender")
    OUTBOX.clear()
    yield OUTBOX
    OUTBOX.clear()


def deliver_sms() -> int:
    """Run the worker once: queued SMS jobs are sent (to the outbox when ``sms_outbox`` is active)."""
    runtime = current_runtime()
    return Worker(uow_factory=unit_of_work, runtime=runtime, clock=runtime.clock, name="test-sms").run_once()


def code_sent_to(mobile: str) -> str:
    """The code of the newest SMS to ``mobile`` (sends what is queued first). Needs ``sms_outbox``."""
    deliver_sms()
    for phone, text in reversed(OUTBOX):
        if phone == mobile and CODE.search(text):
            return CODE.search(text).group(1)
    raise AssertionError(f"no code was sent to {mobile}; outbox: {OUTBOX}")


def deploy_enrolment() -> None:
    deploy(ROOT / "processes" / "firm_enrolment.bpmn", ROOT / "processes" / "firm_registration.bpmn")


@dataclass(frozen=True)
class RegisteredCluster:
    cluster_id: int
    case_id: int                   # a running cluster_case of the cluster (a bare row: no workflow behind it)
    firm_ids: dict[str, int]       # company national id -> firm id


def register_cluster(province: str, code: str, firms: list[tuple[str, str]], *, name: str | None = None,
                     running: bool = True) -> RegisteredCluster:
    """A cluster of ``province`` with ``firms`` (company national id, name) in the register and a cluster case
    (being developed while ``running``), as the feasibility study leaves them."""
    now = current_runtime().clock.now()
    with unit_of_work() as uow:
        s = uow.session
        cluster = Cluster(province=province, code=code, name=name or f"خوشه {code}", updated_at=now)
        s.add(cluster)
        s.flush()
        version_id = s.scalar(select(ProcessVersion.id).limit(1))
        case = ProcessInstance(process_id="cluster_case", version_id=version_id, status="running" if running
                               else "completed", state="", serializer_version="1", province=province,
                               cluster_id=cluster.id, title=cluster.name, started_at=now, updated_at=now)
        s.add(case)
        ids = {}
        for national_id, firm_name in firms:
            firm = Firm(national_id=national_id, name=firm_name, size="small", province=province,
                        cluster_id=cluster.id, updated_at=now)
            s.add(firm)
            s.flush()
            ids[national_id] = firm.id
        s.flush()
        result = RegisteredCluster(cluster.id, case.id, ids)
        uow.commit()
        return result


def invitation(firm: str, national_id: str, mobile: str, full_name: str = "نماینده آزمایشی") -> dict[str, Any]:
    return {"firm": firm, "full_name": full_name, "national_id": national_id, "mobile": mobile}


def invite_firms(cluster_case_id: int, rows: list[dict[str, Any]], *, expert: Actor = EXPERT,
                 province: str = "tehran") -> int:
    """Start an invitation case for the cluster case and complete its task with ``rows``, as the cluster
    expert does on the start page and the task page; returns the invitation case's id. Deploys the
    enrolment processes if they are not deployed yet (a version of something must exist for
    ``register_cluster``: deploy first, then register)."""
    runtime = current_runtime()
    outcome = start_with_form("firm_enrolment", {"cluster_case": cluster_case_id}, province, actor=expert,
                              locale="fa", uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    with unit_of_work(write=False) as uow:
        task_id = uow.session.scalar(select(TaskRecord.id).where(TaskRecord.instance_id == outcome.instance_id,
                                                                 TaskRecord.status == "open"))
    complete_with_form(task_id, {"invitations": rows}, actor=expert, locale="fa", uow=unit_of_work(),
                       runtime=runtime, clock=runtime.clock)
    return outcome.instance_id


def client_sign_in_by_code(app, client, mobile: str, next_path: str = "") -> Any:
    """Sign a Flask test client in through /login/code with the code the SMS carried (needs ``sms_outbox``).
    Call it outside an app context: the client's requests must not share one (Flask-WTF keeps the CSRF
    token in ``g``), as a browser's do not."""
    token = csrf_token(client, "/login/code")
    client.post("/login/code", data={"csrf_token": token, "step": "mobile", "mobile": mobile})
    with app.app_context():
        code = code_sent_to(mobile)
    return client.post("/login/code", data={"csrf_token": token, "step": "code", "mobile": mobile,
                                            "code": code, "next": next_path})


def start_firm_case(process_id: str, data: dict, firm_id: int | None, *, province: str | None = "tehran") -> int:
    """A case about ``firm_id`` (None: about no firm), started by the system."""
    from web.services.actors import SYSTEM

    runtime = current_runtime()
    return instances.start_instance(process_id, data, actor=SYSTEM, province=province, uow=unit_of_work(),
                                    runtime=runtime, clock=runtime.clock, firm_id=firm_id).instance_id


__all__ = ["OUTBOX", "OutboxSender", "RegisteredCluster", "SMS_JOB", "client_sign_in_by_code", "code_sent_to",
           "deliver_sms", "deploy_enrolment", "invitation", "invite_firms", "register_cluster", "sms_outbox",
           "start_firm_case"]
