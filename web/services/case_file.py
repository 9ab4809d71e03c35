"""The case file: what a case has gathered so far, readable by the people who decide on it.

Built from the task projection (what each completer submitted), the history
(which stage each step belonged to) and the attachments, labelled through the
form definitions in the reader's language. Three parts:

- ``stages``: every earlier step's submission grouped by stage, newest stage
  first, newest step first; a case started by another (a cluster case by its
  identification round) also shows the steps of the case that started it.
- ``context``: what the current decision needs, in full at the top of the
  task: the forms named by the task's ``context`` BPMN property, by its form
  definition's ``context`` list, or by a ``decision_context`` list in the
  case data (set by a calling process for a generic approval). Each named form
  is shown as its newest submission in this case, or, when the case never
  submitted it, as a view of the live case data it describes (e.g. the
  ``ranking_table`` form over the round's ``ranking``). Forms with nothing to
  show are left out, so one generic form may name several.
- ``rework``: when the task's step was submitted before (it came back), the
  earlier submission and what the reviewers said since (who, when, what).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from forms.display import ShownField, shown_submission
from forms.loader import form_or_none
from forms.model import FormDefinition

from ..models import Event, Letter, ProcessInstance, TaskRecord
from .case_records import STEP_ACTIONS, CaseRecords


@dataclass
class FileRef:
    id: str
    filename: str
    size: int
    field: str | None
    uploaded_by: str
    uploaded_at: datetime


@dataclass
class CaseStep:
    """One completed step (or the case's start) and what was submitted in it."""

    task_id: str | None
    element_id: str
    name: str
    form_id: str | None
    form_title: str | None
    instance_id: int
    process_name: str
    actor: str | None
    actor_name: str | None
    at: datetime
    fields: list[ShownField] = field(default_factory=list)
    files: list[FileRef] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    stage: str | None = None

    def files_of(self, name: str | None) -> list[FileRef]:
        return [f for f in self.files if f.field == name]


@dataclass
class CaseStage:
    stage: str | None
    steps: list[CaseStep]


@dataclass
class ContextPanel:
    form_id: str
    title: str
    source: str                      # "submission" or "case_data"
    fields: list[ShownField]
    step: CaseStep | None = None


@dataclass
class Rework:
    previous: CaseStep
    reviews: list[CaseStep]


@dataclass
class CaseFile:
    stages: list[CaseStage] = field(default_factory=list)
    context: list[ContextPanel] = field(default_factory=list)
    rework: Rework | None = None
    files: dict[str, FileRef] = field(default_factory=dict)
    letters: list[Letter] = field(default_factory=list)

    def refs(self, ids: Iterable[str]) -> list[FileRef]:
        """The known files among attachment ids (a template shows a file field with these)."""
        return [self.files[i] for i in ids if i in self.files]

    @property
    def steps(self) -> list[CaseStep]:
        return [step for stage in self.stages for step in stage.steps]



def build_case_file(records: CaseRecords, locale: str, *, task: TaskRecord | None = None,
                    context_forms: Iterable[str] = (), case_data: Mapping[str, Any] | None = None) -> CaseFile:
    """The case file of ``records.instance`` from its rows (``case_records.load_case_records``, which reads
    only what the reader may; the caller checked the case itself).

    ``task`` is the task being worked on (its own submissions are not context);
    ``context_forms`` the form ids its decision needs and ``case_data`` the live
    data they may be drawn from.
    """
    instance = records.instance
    steps = _steps(records, locale)
    by_id = {f.id: f for step in steps for f in step.files}
    case_file = CaseFile(stages=_by_stage(steps), files=by_id, letters=list(records.letters))
    own = [s for s in steps if s.instance_id == instance.id]
    if task is not None:
        case_file.rework = _rework(own, task)
    data = dict(case_data or {})
    wanted = list(context_forms)
    extra = data.get("decision_context")
    if isinstance(extra, list):
        wanted += [item for item in extra if isinstance(item, str)]
    case_file.context = _context(_unique(wanted), own, data, locale, task)
    return case_file


def context_of(form: FormDefinition | None, task_context: str | None) -> list[str]:
    """The form ids a task's decision needs: its BPMN ``context`` property, then its form's list."""
    ids = [part.strip() for part in (task_context or "").split(",") if part.strip()]
    if form is not None:
        ids += list(form.context)
    return _unique(ids)


def _unique(ids: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in ids:
        if item not in seen:
            seen.append(item)
    return seen


def _steps(records: CaseRecords, locale: str) -> list[CaseStep]:
    """Every step of the family, oldest first, each with its stage, fields and files."""
    tasks = {t.id: t for t in records.tasks if t.status == "completed"}
    names, people = records.process_names, records.people
    refs_by_task: dict[str | None, list[FileRef]] = {}
    for f in records.attachments:
        refs_by_task.setdefault(f.task_id, []).append(FileRef(
            id=f.id, filename=f.filename, size=f.size, field=f.field,
            uploaded_by=people.get(f.uploaded_by, f.uploaded_by), uploaded_at=f.uploaded_at))
    by_instance = {i.id: i for i in records.family}
    steps: list[CaseStep] = []
    unstaged: dict[int, list[CaseStep]] = {}
    stage_now: dict[int, str | None] = {}
    for event in records.events:
        iid = event.instance_id
        if iid is None or event.action not in STEP_ACTIONS:
            continue
        if event.action == "stage_changed":
            stage = (event.data or {}).get("to")
            stage_now[iid] = stage
            for waiting in unstaged.pop(iid, []):
                waiting.stage = stage
            continue
        step = _step_of(event, tasks, by_instance[iid], names, people, locale)
        if step is None:
            continue
        step.files = refs_by_task.pop(step.task_id, []) if step.task_id else []
        step.stage = stage_now.get(iid)
        if step.stage is None:
            unstaged.setdefault(iid, []).append(step)
        steps.append(step)
    for waiting in unstaged.values():
        for step in waiting:
            step.stage = by_instance[step.instance_id].stage
    # files attached to the case outside a completed step (e.g. on an open task) go with the newest step
    loose = [ref for task_id, refs in refs_by_task.items() for ref in refs
             if task_id is None or task_id not in tasks]
    if loose and steps:
        steps[-1].files.extend(loose)
    return steps


def _step_of(event: Event, tasks: Mapping[str, TaskRecord], instance: ProcessInstance, names: Mapping[str, str],
             people: Mapping[str, str], locale: str) -> CaseStep | None:
    data = event.data or {}
    if event.action == "instance_started":
        submitted = data.get("data") if isinstance(data.get("data"), dict) else {}
        form = form_or_none(names.get(f"start_form:{instance.process_id}"))
        if not submitted or form is None:   # started by a message: its sender's steps show what it carried
            return None
        return CaseStep(task_id=None, element_id="start", name=names.get(instance.process_id, instance.process_id),
                        form_id=form.id if form else None, form_title=_title(form, locale),
                        instance_id=instance.id, process_name=names.get(instance.process_id, instance.process_id),
                        actor=event.actor, actor_name=people.get(event.actor or "", event.actor), at=event.at,
                        fields=shown_submission(form, submitted, locale), data=dict(submitted))
    task = tasks.get(event.task_id or "")
    if task is None:
        return None
    form = form_or_none(task.form_id)
    submitted = dict(task.data or {})
    return CaseStep(task_id=task.id, element_id=task.element_id, name=task.name, form_id=task.form_id,
                    form_title=_title(form, locale), instance_id=instance.id,
                    process_name=names.get(task.process_id, task.process_id),
                    actor=task.completed_by, actor_name=people.get(task.completed_by or "", task.completed_by),
                    at=task.completed_at or event.at, fields=shown_submission(form, submitted, locale),
                    data=submitted)


def _title(form: FormDefinition | None, locale: str) -> str | None:
    return str(form.title[locale]) if form is not None else None


def _by_stage(steps: list[CaseStep]) -> list[CaseStage]:
    """Steps grouped by stage; the stage with the newest step first, newest step first within it."""
    groups: dict[str | None, list[CaseStep]] = {}
    for step in steps:
        groups.setdefault(step.stage, []).append(step)
    stages = [CaseStage(stage=stage, steps=list(reversed(group))) for stage, group in groups.items()]
    return list(reversed(stages))


def _rework(own: list[CaseStep], task: TaskRecord) -> Rework | None:
    earlier = [s for s in own if s.element_id == task.element_id and s.task_id != task.id]
    if task.status != "open" or not earlier:
        return None
    previous = earlier[-1]
    position = own.index(previous)
    reviews = [s for s in own[position + 1:] if s.element_id != task.element_id]
    return Rework(previous=previous, reviews=list(reversed(reviews)))


def _context(wanted: list[str], own: list[CaseStep], data: Mapping[str, Any], locale: str,
             task: TaskRecord | None) -> list[ContextPanel]:
    panels: list[ContextPanel] = []
    for form_id in wanted:
        if task is not None and form_id == task.form_id:
            continue
        form = form_or_none(form_id)
        if form is None:
            continue
        latest = next((s for s in reversed(own) if s.form_id == form_id and s.fields), None)
        if latest is not None:
            panels.append(ContextPanel(form_id=form_id, title=str(form.title[locale]), source="submission",
                                       fields=latest.fields, step=latest))
            continue
        fields = shown_submission(form, {f.name: data.get(f.name) for f in form.fields}, locale)
        if fields:
            panels.append(ContextPanel(form_id=form_id, title=str(form.title[locale]), source="case_data",
                                       fields=fields))
    return panels
