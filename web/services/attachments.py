"""Files people attach to a case: checked by content, stored on disk, described in the database."""
from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine.clock import Clock

from ..models import Attachment, ProcessInstance, TaskRecord
from .actors import Actor
from .errors import InvalidInput, NotFound, NotYourTask, TaskAlreadyCompleted, TaskNotFound
from .uow import UnitOfWork

MAX_BYTES = 20 * 1024 * 1024
CHUNK = 1024 * 1024
ZIP = b"PK\x03\x04"
# extension -> (content type, the bytes a genuine file of that kind starts with; None: checked as text)
KINDS: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (ZIP,)),
    "odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
    "txt": ("text/plain; charset=utf-8", None),
    "csv": ("text/csv; charset=utf-8", None),
}
CASE_WIDE_ROLES = frozenset({"supervisor", "company_ceo", "small_industries_deputy"})


@dataclass(frozen=True)
class StoredFile:
    id: str
    filename: str
    content_type: str
    size: int
    sha256: str


def may_see_case(session: Session, actor: Actor, instance: ProcessInstance, *, task: TaskRecord | None = None) -> bool:
    """Whether the actor may read a case: its province, and a role in it (or a supervising role).

    Designing processes or administering users is no reason to read cases (see ``CASE_BLIND_ROLES``).
    ``task``: a task of the case the caller holds already; when it gives the actor a role in the case,
    the database is not asked.
    """
    if not actor.sees_case(instance.province, instance.firm_id):
        return False
    if actor.national_cases or actor.case_roles & CASE_WIDE_ROLES:
        return True
    if task is not None and task.instance_id == instance.id and (
            task.role in actor.case_roles or actor.username in (task.assignee, task.completed_by)):
        return True
    involved = exists().where(TaskRecord.instance_id == instance.id) \
        .where((TaskRecord.role.in_(sorted(actor.case_roles))) | (TaskRecord.assignee == actor.username)
               | (TaskRecord.completed_by == actor.username))
    return bool(session.scalar(select(involved)))


def check_upload(filename: str, head: bytes, size: int, max_bytes: int = MAX_BYTES) -> str:
    """The content type of an acceptable upload.

    :raise InvalidInput: too large, an unknown kind, or content that does not match the name.
    """
    name = os.path.basename(filename or "").strip()
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not name or extension not in KINDS:
        raise InvalidInput(f"file type not accepted: {name!r}",
                           {"file": [f"accepted: {', '.join(sorted(KINDS))}"]})
    if size > max_bytes:
        raise InvalidInput(f"{name} is larger than {max_bytes // (1024 * 1024)} MB", {"file": ["too large"]})
    if size == 0:
        raise InvalidInput(f"{name} is empty", {"file": ["empty file"]})
    content_type, signatures = KINDS[extension]
    if signatures is None:
        if b"\0" in head:
            raise InvalidInput(f"{name} is not a text file", {"file": ["content does not match the file name"]})
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a character cut at the end of the sample is fine
                raise InvalidInput(f"{name} is not UTF-8 text",
                                   {"file": ["content does not match the file name"]}) from None
    elif not head.startswith(signatures):
        raise InvalidInput(f"{name} is not really a .{extension} file",
                           {"file": ["content does not match the file name"]})
    return content_type


def store(session: Session, data_dir: Path, stream: BinaryIO, filename: str, *, instance_id: int,
          task_id: str | None, field: str | None, actor: Actor, clock: Clock,
          max_bytes: int = MAX_BYTES) -> StoredFile:
    """Check and write one upload; adds its row to ``session`` (the caller commits).

    The file is written to a temporary name and moved into place, so a failed
    upload leaves nothing behind; :func:`discard` removes it if the caller's
    transaction does not commit.

    :raise InvalidInput: see :func:`check_upload`.
    """
    folder = data_dir / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as tmp:
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    break
                if len(head) < 512:
                    head += chunk[: 512 - len(head)]
                digest.update(chunk)
                tmp.write(chunk)
            content_type = check_upload(filename, head, size, max_bytes)
        except BaseException:
            os.unlink(tmp.name)
            raise
    file_id = secrets.token_hex(16)
    relative = f"attachments/{file_id[:2]}/{file_id}"
    (data_dir / relative).parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp.name, data_dir / relative)
    name = os.path.basename(filename).strip()[:255]
    session.add(Attachment(id=file_id, instance_id=instance_id, task_id=task_id, field=field, filename=name,
                           content_type=content_type, size=size, sha256=digest.hexdigest(), path=relative,
                           uploaded_by=actor.username, uploaded_at=clock.now()))
    return StoredFile(file_id, name, content_type, size, digest.hexdigest())


def store_uploads(uploads: list[tuple[BinaryIO, str]], data_dir: Path, *, instance_id: int, task_id: str | None,
                  field: str | None, actor: Actor, uow: UnitOfWork, clock: Clock) -> list[StoredFile]:
    """Store a field's uploads in one transaction; nothing is kept if one of them is refused.

    With ``task_id``, nothing is written unless the actor may complete that task now.

    :raise InvalidInput: see :func:`check_upload`.
    :raise TaskNotFound, TaskAlreadyCompleted, NotYourTask: the task is not the actor's to complete.
    """
    stored: list[StoredFile] = []
    with uow:
        if task_id is not None:
            _require_completable(uow.session, actor, task_id, instance_id)
        try:
            for stream, filename in uploads:
                stored.append(store(uow.session, data_dir, stream, filename, instance_id=instance_id,
                                    task_id=task_id, field=field, actor=actor, clock=clock))
            uow.commit()
        except BaseException:
            discard(data_dir, stored)
            raise
    return stored


def _require_completable(session: Session, actor: Actor, task_id: str, instance_id: int) -> None:
    task = session.get(TaskRecord, str(task_id))
    instance = session.get(ProcessInstance, instance_id)
    if task is None or instance is None or task.instance_id != instance_id or not may_see_case(session, actor, instance):
        raise TaskNotFound(f"no task {task_id}")
    if task.status != "open" or instance.status != "running":
        raise TaskAlreadyCompleted(f"task {task_id} is {task.status} in a {instance.status} case")
    if not actor.may_work_on(task.role, task.province, task.assignee, task.firm_id):
        raise NotYourTask(f"task {task_id} is not yours to complete")


def discard(data_dir: Path, stored: list[StoredFile]) -> None:
    for item in stored:
        (data_dir / "attachments" / item.id[:2] / item.id).unlink(missing_ok=True)


def open_attachment(session: Session, data_dir: Path, attachment_id: str, actor: Actor) -> tuple[Attachment, Path]:
    """An attachment and its file, for someone who may see its case.

    :raise NotFound: no such attachment, or not visible to the actor.
    """
    attachment = session.get(Attachment, attachment_id) if attachment_id.isalnum() else None
    instance = session.get(ProcessInstance, attachment.instance_id) if attachment else None
    if attachment is None or instance is None or not may_see_case(session, actor, instance):
        raise NotFound(f"no attachment {attachment_id}")
    return attachment, data_dir / attachment.path
