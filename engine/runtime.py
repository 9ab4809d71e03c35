"""Running workflows: start, run until waiting, complete, timers, messages.

An :class:`Engine` is created once per worker and shared by its threads; it
holds no per-instance state. Every call either finishes cleanly or raises an
:class:`~engine.errors.EngineError`; after an error the caller must throw the
workflow object away and restore it from storage (SpiffWorkflow leaves a
failed task in ERROR and does not roll back).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping
from uuid import UUID

from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition as BpmnMessage
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from .budget import DEFAULT_MEMORY_LIMIT
from .calendar import WorkingCalendar
from .clock import Clock
from .compaction import compact
from .errors import EngineError, InvalidTaskData, MessageNotDeliverable, ScriptError, TaskError, TaskNotReady
from .instructions import render_instructions
from .registry import SpecSet
from .sandbox import SandboxedEnvironment, SandboxedScriptEngine
from .script_helpers import script_helpers
from .serialization import StateSerializer
from .timers import due_moment

STATE_NAMES = {
    TaskState.READY: "ready",
    TaskState.STARTED: "started",
    TaskState.COMPLETED: "completed",
    TaskState.CANCELLED: "cancelled",
    TaskState.ERROR: "error",
    TaskState.WAITING: "waiting",
    TaskState.FUTURE: "future",
    TaskState.LIKELY: "likely",
    TaskState.MAYBE: "maybe",
}


@dataclass(frozen=True)
class UserTask:
    """A user or manual task as the inbox needs it."""

    id: str
    element_id: str
    name: str
    process_id: str
    role: str | None
    form: str | None
    due: datetime | None
    assignee: str | None
    state: str
    instructions: str | None
    data: dict[str, Any]
    # the ``context`` property: ids of the forms whose data the decision needs in view
    context: str | None = None
    name_en: str | None = None   # the English name the designer gave (spiffworkflow property name_en)


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    element_id: str
    name: str
    due: datetime


@dataclass(frozen=True)
class ThrownMessage:
    """A message the workflow sent that nothing inside it caught; the app routes it."""

    name: str
    payload: Any


@dataclass(frozen=True)
class WaitingMessage:
    task_id: str
    element_id: str
    name: str
    correlation: dict[str, Any]


class ClusterflowScriptEngine(SandboxedScriptEngine):
    """The sandboxed script engine, carrying the injected clock (read by timers)."""

    def __init__(self, clock: Clock, environment: SandboxedEnvironment) -> None:
        super().__init__(environment)
        self.clock = clock


class Engine:
    """The process engine: one per worker, shared by threads."""

    def __init__(self, clock: Clock, *, calendar: WorkingCalendar | None = None,
                 script_time_limit: float = 1.0, script_memory_limit: int = DEFAULT_MEMORY_LIMIT) -> None:
        self.clock = clock
        self.calendar = calendar or WorkingCalendar.iran()
        environment = SandboxedEnvironment(script_helpers(clock, self.calendar), time_limit=script_time_limit,
                                           memory_limit=script_memory_limit)
        self.script_engine = ClusterflowScriptEngine(clock, environment)
        self.serializer = StateSerializer()

    # -- lifecycle -----------------------------------------------------------------
    def start(self, spec_set: SpecSet, process_id: str, data: Mapping[str, Any] | None = None) -> BpmnWorkflow:
        """A new instance of ``process_id`` with ``data``, run until it waits.

        :raise UnknownProcess, InvalidTaskData, TaskError:
        """
        spec, subprocesses = spec_set.spec_for(process_id)
        initial = self._check_data(data or {})
        workflow = BpmnWorkflow(spec, subprocesses, script_engine=self.script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(initial)
        self.run(workflow)
        return workflow

    def run(self, workflow: BpmnWorkflow) -> None:
        """Run every engine task that can run, then stamp due dates on new user tasks.

        :raise TaskError: a script, condition or decision failed; naming its element.
        """
        try:
            workflow.do_engine_steps()
            for task in workflow.get_tasks(state=TaskState.READY, manual=True):
                if not task._get_internal_data("stamped", False):
                    try:
                        self._stamp(task)
                    except ScriptError as exc:  # a due or assignee value that is no good
                        spec = task.task_spec
                        raise TaskError(f"{spec.bpmn_name or spec.bpmn_id}: {exc}", element_id=spec.bpmn_id,
                                        task_name=spec.bpmn_name) from exc
        except EngineError:
            raise
        except SpiffWorkflowException as exc:
            raise _task_error(exc) from exc
        except Exception as exc:  # noqa: BLE001 — anything else a process can trigger is still a task error
            raise TaskError(f"{type(exc).__name__}: {exc}") from exc

    def complete(self, workflow: BpmnWorkflow, task_id: str, data: Mapping[str, Any] | None = None) -> UserTask:
        """Complete a ready user task with ``data`` and run on until the workflow waits.

        :raise TaskNotReady: no such task, or it is not a ready user task.
        :raise InvalidTaskData: ``data`` is not JSON.
        :raise TaskError: the run after it failed.
        """
        task = self._get(workflow, task_id)
        if task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is {STATE_NAMES.get(task.state, task.state)}, not ready")
        task.data.update(self._check_data(data or {}))
        try:
            task.run()
        except SpiffWorkflowException as exc:
            raise _task_error(exc) from exc
        except Exception as exc:  # noqa: BLE001
            raise TaskError(f"{type(exc).__name__}: {exc}", element_id=task.task_spec.bpmn_id) from exc
        if task.state == TaskState.ERROR:
            raise TaskError("the task failed", element_id=task.task_spec.bpmn_id, task_name=task.task_spec.bpmn_name)
        self.run(workflow)
        return self.describe(task)

    def fire_timers(self, workflow: BpmnWorkflow) -> list[WaitingTimer]:
        """Fire every timer that is due by the clock and run on; returns those that fired."""
        before = {t.task_id: t for t in self.waiting_timers(workflow)}
        now = self.clock.now()
        if not any(t.due <= now for t in before.values()):
            return []
        try:
            workflow.refresh_timers()
        except SpiffWorkflowException as exc:
            raise _task_error(exc) from exc
        self.run(workflow)
        after = {t.task_id: t for t in self.waiting_timers(workflow)}
        # a cycle timer stays waiting with a later due time: it fired too
        return [t for tid, t in before.items() if tid not in after or after[tid].due != t.due]

    def correct_data(self, workflow: BpmnWorkflow, corrections: Mapping[str, Any]) -> None:
        """Set ``corrections`` in the data of every ready, waiting or failed task (a supervisor's fix).

        :raise InvalidTaskData:
        """
        clean = self._check_data(corrections)
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.ERROR):
            task.data.update(clean)

    def start_by_message(self, spec_set: SpecSet, process_id: str, name: str, payload: Any) -> BpmnWorkflow:
        """A new instance of a process whose start event catches message ``name``, started by it."""
        spec, subprocesses = spec_set.spec_for(process_id)
        workflow = BpmnWorkflow(spec, subprocesses, script_engine=self.script_engine)
        self.run(workflow)
        self.deliver_message(workflow, name, payload)
        return workflow

    def take_thrown_messages(self, workflow: BpmnWorkflow) -> list[ThrownMessage]:
        """The messages thrown since the last call (they are removed from the workflow)."""
        thrown = []
        for event in workflow.get_events():
            if isinstance(event.event_definition, BpmnMessage):
                thrown.append(ThrownMessage(event.event_definition.name, self.serializer.to_data(event.payload)))
        return thrown

    def deliver_message(self, workflow: BpmnWorkflow, name: str, payload: Any = None) -> None:
        """Deliver message ``name`` to the workflow, which must be waiting for it.

        :raise MessageNotDeliverable: nothing in the workflow waits for ``name``.
        """
        if not any(m.name == name for m in self.waiting_messages(workflow)):
            raise MessageNotDeliverable(f"this instance is not waiting for message '{name}'")
        self._check_data({"payload": payload})
        try:
            workflow.send_event(BpmnEvent(MessageEventDefinition(name), payload=payload))
        except SpiffWorkflowException as exc:
            raise _task_error(exc) from exc
        self.run(workflow)

    # -- reading -------------------------------------------------------------------
    def element_states(self, workflow: BpmnWorkflow) -> dict[str, str]:
        """The top-level diagram's elements that are 'completed', 'active' (ready/started/error) or 'waiting'.

        Call before storing: compaction drops the finished history this reads.
        """
        states: dict[str, str] = {}
        rank = {"completed": 1, "waiting": 2, "active": 3}
        for task in workflow.get_tasks(state=TaskState.FINISHED_MASK | TaskState.READY | TaskState.STARTED
                                       | TaskState.WAITING | TaskState.ERROR):
            if task.workflow is not workflow or task.task_spec.bpmn_id is None:
                continue
            if task.state == TaskState.COMPLETED:
                state = "completed"
            elif task.state == TaskState.WAITING:
                state = "waiting"
            elif task.state == TaskState.CANCELLED:
                continue
            else:
                state = "active"
            bpmn_id = task.task_spec.bpmn_id
            if rank[state] > rank.get(states.get(bpmn_id, ""), 0):
                states[bpmn_id] = state
        return states

    def current_data(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        """The case's data as it stands: that of the most recently changed live task (or the last one)."""
        live = workflow.get_tasks(state=TaskState.READY | TaskState.STARTED | TaskState.WAITING)
        latest = max(live, key=lambda t: t.last_state_change, default=None) or workflow.last_task
        return self.serializer.to_data(dict(latest.data)) if latest is not None else {}

    def current_stage(self, workflow: BpmnWorkflow) -> str | None:
        """The ``stage`` variable as the process last set it (scripts set it at each stage change)."""
        stage = self.current_data(workflow).get("stage")
        return stage if isinstance(stage, str) else None

    def open_user_tasks(self, workflow: BpmnWorkflow) -> list[UserTask]:
        return [self.describe(t) for t in workflow.get_tasks(state=TaskState.READY, manual=True)]

    def task_state(self, workflow: BpmnWorkflow, task_id: str) -> str | None:
        """'completed', 'cancelled', ... or None when the task no longer exists (a pruned prediction)."""
        try:
            task = workflow.get_task_from_id(UUID(task_id))
        except (TaskNotFoundException, ValueError):
            return None
        return STATE_NAMES.get(task.state, str(task.state))

    def task(self, workflow: BpmnWorkflow, task_id: str) -> UserTask:
        return self.describe(self._get(workflow, task_id))

    def describe(self, task: Any) -> UserTask:
        return _user_task(task.task_spec, task.workflow.spec.name, str(task.id), task.state, task.internal_data,
                          self.serializer.to_data(dict(task.data)))

    def peek_task(self, state: str, spec_set: SpecSet, process_id: str, task_id: str) -> UserTask | None:
        """A task of a stored instance as :meth:`task` would describe it after :meth:`loads`, read from the
        stored state without restoring the workflow (for reading a task, not for acting on it).

        None when the state cannot be read this way (another serializer version, no such task): restore then.
        """
        found = self.serializer.stored_task(state, str(task_id))
        if found is None:
            return None
        stored, data, subprocess = found
        spec, subprocesses = spec_set.spec_for(process_id)
        if subprocess is not None:
            spec = subprocesses.get(subprocess)
        task_spec = spec.task_specs.get(stored.get("task_spec")) if spec is not None else None
        if task_spec is None:
            return None
        internal = self.serializer.to_data(stored.get("internal_data") or {})
        return _user_task(task_spec, spec.name, str(task_id), stored.get("state"), internal, data)

    def render_instructions(self, template: str | None, data: Mapping[str, Any]) -> str | None:
        """A task's instructions filled with its data, HTML-escaped, under the scripts' budget.

        :raise ScriptError: the template is broken, too slow or too big (ScriptTimeout when slow).
        """
        environment = self.script_engine.environment
        return render_instructions(template, data, time_limit=environment.time_limit,
                                   memory_limit=environment.memory_limit)

    def waiting_timers(self, workflow: BpmnWorkflow) -> list[WaitingTimer]:
        timers = []
        for task in workflow.get_tasks(state=TaskState.WAITING):
            definition = next((d for d in _event_definitions(task) if isinstance(d, TimerEventDefinition)), None)
            if definition is None:
                continue
            value = task._get_internal_data("event_value")
            if isinstance(value, dict):
                value = value.get("next") if value.get("cycles") != 0 else None
            if value:
                timers.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id, definition.name,
                                           TimerEventDefinition.get_datetime(value)))
        return timers

    def waiting_messages(self, workflow: BpmnWorkflow) -> list[WaitingMessage]:
        waiting = []
        for task in workflow.get_tasks(state=TaskState.WAITING):
            props = _properties(task.task_spec)
            keys = [k.strip() for k in props.get("correlate", "").split(",") if k.strip()]
            for definition in _event_definitions(task):
                if isinstance(definition, BpmnMessage):
                    waiting.append(WaitingMessage(str(task.id), task.task_spec.bpmn_id, definition.name,
                                                  {k: task.data.get(k) for k in keys}))
        return waiting

    @staticmethod
    def is_waiting(workflow: BpmnWorkflow) -> bool:
        """Whether a task waits for an event: without one there are no :meth:`waiting_timers` and no
        :meth:`waiting_messages`."""
        return any(True for _ in workflow.get_tasks(state=TaskState.WAITING))

    @staticmethod
    def is_completed(workflow: BpmnWorkflow) -> bool:
        return workflow.is_completed()

    # -- persistence ---------------------------------------------------------------
    def dumps(self, workflow: BpmnWorkflow) -> str:
        """The workflow's state as JSON (specs not included), finished history compacted away.

        :raise InvalidTaskData: something in the task data is not JSON.
        """
        compact(workflow)
        try:
            return self.serializer.dumps(workflow)
        except (TypeError, ValueError) as exc:
            raise InvalidTaskData(f"task data is not JSON: {exc}") from exc

    def loads(self, state: str, spec_set: SpecSet, process_id: str) -> BpmnWorkflow:
        spec, subprocesses = spec_set.spec_for(process_id)
        workflow = self.serializer.loads(state, spec, subprocesses)
        workflow.script_engine = self.script_engine
        return workflow

    # -- helpers -------------------------------------------------------------------
    def _get(self, workflow: BpmnWorkflow, task_id: str) -> Any:
        try:
            return workflow.get_task_from_id(UUID(str(task_id)))
        except (TaskNotFoundException, ValueError):
            raise TaskNotReady(f"no task {task_id} in this instance") from None

    def _check_data(self, data: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(data, Mapping):
            raise InvalidTaskData("task data must be a JSON object")
        try:
            json.dumps(data, default=_reject)
        except (TypeError, ValueError) as exc:
            raise InvalidTaskData(f"task data is not JSON: {exc}") from exc
        bad = [k for k in data if not isinstance(k, str) or not k.isidentifier() or k == "typename"]
        if bad:
            raise InvalidTaskData(f"task data keys must be identifiers (not 'typename'): {', '.join(map(str, bad))}")
        return dict(data)

    def _stamp(self, task: Any) -> None:
        """Evaluate a new user task's ``due`` and ``assignee`` properties once, when it becomes ready."""
        props = _properties(task.task_spec)
        if props.get("due"):
            value = self.script_engine.evaluate(task, props["due"])
            task._set_internal_data(due=due_moment(value, self.clock.now()).isoformat())
        if props.get("assignee"):
            value = self.script_engine.evaluate(task, props["assignee"])
            if value is not None and not isinstance(value, str):
                raise ScriptError(f"assignee must be a user name, not {value!r}")
            task._set_internal_data(assignee=value)
        task._set_internal_data(stamped=True)


def _user_task(spec: Any, process_id: str, task_id: str, state: Any, internal: Mapping[str, Any],
               data: dict[str, Any]) -> UserTask:
    props = _properties(spec)
    due = internal.get("due")
    return UserTask(
        id=task_id, element_id=spec.bpmn_id, name=spec.bpmn_name or spec.bpmn_id,
        process_id=process_id, role=spec.lane, form=props.get("form"),
        due=datetime.fromisoformat(due) if due else None,
        assignee=internal.get("assignee"),
        state=STATE_NAMES.get(state, str(state)),
        instructions=(getattr(spec, "extensions", None) or {}).get("instructionsForEndUser"),
        data=data,
        context=props.get("context"),
        name_en=(props.get("name_en") or "").strip() or None,
    )


def _event_definitions(task: Any) -> list[Any]:
    """The events a waiting task catches: its own, or each of an event-based gateway's."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition] if definition is not None else []


def _properties(task_spec: Any) -> dict[str, str]:
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {})


def _reject(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


def _task_error(exc: SpiffWorkflowException) -> TaskError:
    task_spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
    element_id = getattr(task_spec, "bpmn_id", None)
    name = getattr(task_spec, "bpmn_name", None)
    message = str(exc)  # SpiffWorkflow's str() already includes the notes (e.g. the sandbox's message)
    where = f"{name or element_id}: " if (name or element_id) else ""
    return TaskError(f"{where}{message}", element_id=element_id, task_name=name)
