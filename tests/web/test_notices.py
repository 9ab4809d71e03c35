"""Notifications: notices made in the same transaction as the task change, the bell and profile pages, e-mail
in Persian through a real SMTP server (and retried while it is down), the digest, the deadline scan, SMS."""
from __future__ import annotations

import email
import email.policy
import socket
from datetime import timedelta

import pytest
from sqlalchemy import select

from web import unit_of_work
from web.models import Job, Notice
from web.runtime import current_runtime
from web.services import instances
from web.services.actors import SYSTEM, Actor
from web.services.errors import InvalidInput
from web.services.notify import reading, sms
from web.services.notify.notices import DIGEST_JOB, EMAIL_JOB, SCAN_JOB
from web.services.work.jobs import enqueue
from web.services.work.worker import Worker

from .browser_helpers import csrf_token, login, make_user
from .helpers import ROOT, deploy, open_tasks

EXPERT = Actor("expert", frozenset({"cluster_expert"}), frozenset({"tehran"}))


@pytest.fixture
def ctx(app):
    with app.app_context():
        deploy(ROOT / "examples" / "document_review.bpmn")
        make_user("expert", ["cluster_expert"], ["tehran"])
        make_user("expert2", ["cluster_expert"], ["tehran"])
        make_user("far", ["cluster_expert"], ["fars"])
        yield app


def start_case(number: int = 1, title: str = "خوشه فرش") -> int:
    runtime = current_runtime()
    return instances.start_instance("document_review", {"document_number": number, "title": title}, actor=SYSTEM,
                                    province="tehran", uow=unit_of_work(), runtime=runtime,
                                    clock=runtime.clock).instance_id


def notices_of(username: str) -> list[Notice]:
    with unit_of_work(write=False) as uow:
        return list(uow.session.scalars(select(Notice).where(Notice.username == username).order_by(Notice.id)))


def jobs(kind: str) -> list[Job]:
    with unit_of_work(write=False) as uow:
        return list(uow.session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))


def worker() -> Worker:
    runtime = current_runtime()
    return Worker(uow_factory=unit_of_work, runtime=runtime, clock=runtime.clock, name="w")


def set_email(username: str, address: str, *, digest: bool = False) -> None:
    reading.save_preferences(username, reading.Preferences(email=address, digest=digest), uow=unit_of_work())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_task_that_opens_tells_its_role_in_its_province_and_queues_their_mail(ctx):
    set_email("expert", "expert@example.ir")
    instance = start_case()
    [task] = open_tasks(instance)
    [notice] = notices_of("expert")
    assert (notice.kind, notice.task_id, notice.instance_id, notice.email) == ("task_opened", task.id, instance,
                                                                               "queued")
    assert notice.params["task"] == task.name
    assert [n.email for n in notices_of("expert2")] == ["none"]     # no address: in the app only
    assert notices_of("far") == []                                   # another province
    [job] = jobs(EMAIL_JOB)
    assert job.payload == {"notice_id": notice.id} and job.status == "queued"


def test_a_hand_over_tells_the_colleague_and_a_refused_one_tells_nobody(ctx, clock):
    instance = start_case()
    [task] = open_tasks(instance)
    with pytest.raises(InvalidInput):
        instances.hand_over_task(task.id, "far", actor=EXPERT, uow=unit_of_work(), clock=clock)
    assert [n.kind for n in notices_of("far")] == []
    instances.hand_over_task(task.id, "expert2", actor=EXPERT, uow=unit_of_work(), clock=clock)
    assert [n.kind for n in notices_of("expert2")] == ["task_opened", "task_handed_over"]
    assert notices_of("expert2")[-1].params["by"] == "expert"


def test_deadline_scan_tells_once_when_due_tomorrow_and_once_when_overdue(ctx, clock):
    make_user("deputy", ["small_industries_deputy"], ["tehran"])
    instance = start_case()
    with unit_of_work() as uow:
        enqueue(uow.session, SCAN_JOB, {}, now=clock.now())
        uow.commit()
    the_worker = worker()
    clock.advance(days=5, minutes=1)                      # the review's timer escalates it to the deputy
    the_worker.run_once()
    [escalated] = open_tasks(instance)
    assert escalated.due_at == clock.now() + timedelta(days=2)
    assert [n.kind for n in notices_of("deputy")] == ["task_opened"]

    def kinds() -> list[str]:
        the_worker.run_once()
        clock.advance(minutes=11)                          # the scan comes back every ten minutes
        the_worker.run_once()
        return [n.kind for n in notices_of("deputy")]

    clock.advance(days=1, hours=1)
    assert kinds() == ["task_opened", "task_due_soon"]
    clock.advance(days=1)
    assert kinds() == ["task_opened", "task_due_soon", "task_overdue"]
    clock.advance(days=1)
    assert kinds() == ["task_opened", "task_due_soon", "task_overdue"]    # each said once


def test_bell_notices_page_mark_read_and_profile(app):
    with app.app_context():
        deploy(ROOT / "examples" / "document_review.bpmn")
        make_user("expert", ["cluster_expert"], ["tehran"])
        start_case()
    client = app.test_client()      # requests outside the set-up's app context, as a browser's are
    login(client, "expert")
    page = client.get("/inbox").get_data(as_text=True)
    assert 'data-testid="notice-count">۱<' in page
    assert "کار تازه: بررسی سند" in client.get("/notices").get_data(as_text=True)
    token = csrf_token(client, "/notices")
    assert client.post("/notices/read", data={"csrf_token": token}).status_code == 302
    assert 'data-testid="notice-count"' not in client.get("/inbox").get_data(as_text=True)

    bad = client.post("/profile", data={"csrf_token": token, "email": "not-an-address", "email_on": "1"})
    assert bad.status_code == 422 and "is-invalid" in bad.get_data(as_text=True)
    good = client.post("/profile", data={"csrf_token": token, "email": "expert@example.ir", "email_on": "1",
                                         "digest": "1"})
    assert good.status_code == 302
    with app.app_context(), unit_of_work(write=False) as uow:
        prefs = reading.preferences(uow.session, "expert")
    assert (prefs.email, prefs.email_on, prefs.digest) == ("expert@example.ir", True, True)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp(monkeypatch):
    port = free_port()
    monkeypatch.setenv("CLUSTERFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CLUSTERFLOW_SMTP_PORT", str(port))
    monkeypatch.setenv("CLUSTERFLOW_SMTP_FROM", "clusterflow@example.ir")
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    yield controller, inbox
    try:
        controller.stop()
    except AssertionError:
        pass  # never started


def test_mail_in_persian_is_retried_while_the_server_is_down_and_the_task_is_unaffected(ctx, clock, smtp):
    controller, inbox = smtp
    set_email("expert", "expert@example.ir")
    instance = start_case()
    the_worker = worker()
    the_worker.run_once()                                   # the SMTP server is not up yet
    [job] = jobs(EMAIL_JOB)
    [notice] = notices_of("expert")
    assert (job.status, job.attempts, notice.email) == ("queued", 1, "queued")
    assert job.last_error and job.run_at > clock.now()
    assert len(open_tasks(instance)) == 1                   # the task is not affected
    controller.start()
    the_worker.run_once()
    assert inbox.messages == []                             # not before its back-off has passed
    clock.set(job.run_at)
    the_worker.run_once()
    [message] = inbox.messages
    assert message["To"] == "expert@example.ir"
    assert str(message["Subject"]) == "کار تازه: بررسی سند"
    body = message.get_content()
    assert "کار «بررسی سند» از خوشه فرش برای شما باز شد" in body and "مهلت" in body
    [job] = jobs(EMAIL_JOB)
    assert (job.status, job.attempts, notices_of("expert")[0].email) == ("done", 2, "sent")


def test_digest_sends_one_mail_for_many_notices(ctx, clock, smtp):
    controller, inbox = smtp
    controller.start()
    set_email("expert", "expert@example.ir", digest=True)
    start_case(1, "خوشه فرش")
    start_case(2, "خوشه سنگ")
    assert jobs(EMAIL_JOB) == [] and {n.email for n in notices_of("expert")} == {"digest"}
    with unit_of_work() as uow:
        enqueue(uow.session, DIGEST_JOB, {}, now=clock.now())
        uow.commit()
    worker().run_once()
    [message] = inbox.messages
    assert "۲" in str(message["Subject"])
    body = message.get_content()
    assert "خوشه فرش" in body and "خوشه سنگ" in body
    assert {n.email for n in notices_of("expert")} == {"sent"}
    assert [j.status for j in jobs(DIGEST_JOB)] == ["done", "queued"]      # tomorrow's is queued


def test_sms_sender_is_chosen_by_the_environment():
    assert isinstance(sms.load_sender({}), sms.LoggingSmsSender)
    chosen = sms.load_sender({"CLUSTERFLOW_SMS_SENDER": "web.services.notify.sms:LoggingSmsSender"})
    chosen.send("09121234567", "سلام")
    assert chosen.sent == [("09121234567", "سلام")]
    for bad in ("nocolon", "no.such.module:Sender", "web.services.notify.reading:Preferences",
                "web.services.notify.sms:SmsSender"):
        with pytest.raises(ValueError):
            sms.load_sender({"CLUSTERFLOW_SMS_SENDER": bad})


def test_mail_given_up_after_its_last_attempt_is_marked_failed(ctx, clock, monkeypatch):
    from web.services.notify.notices import EMAIL_ATTEMPTS

    monkeypatch.setenv("CLUSTERFLOW_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CLUSTERFLOW_SMTP_PORT", str(free_port()))     # nobody listens there
    set_email("expert", "expert@example.ir")
    start_case()
    the_worker = worker()
    for _ in range(EMAIL_ATTEMPTS):
        the_worker.run_once()
        [job] = jobs(EMAIL_JOB)
        clock.set(max(clock.now(), job.run_at))
    assert (job.status, job.attempts) == ("failed", EMAIL_ATTEMPTS)
    assert [n.email for n in notices_of("expert")] == ["failed"]
