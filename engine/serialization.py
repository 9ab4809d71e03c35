"""State-only serialization of workflows.

SpiffWorkflow's serializer embeds the process definitions in every workflow;
we keep them once per deployed version instead (the spec set cache) and store
only the state. The JSON is otherwise SpiffWorkflow's own format, versioned.
"""
from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .timers import CLOCKED_TIMERS


class StateOnlyWorkflowConverter(BpmnWorkflowConverter):
    """Converts a top-level workflow without its spec; the spec is passed back in on restore."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        if spec is None:
            raise ValueError("restoring a state-only workflow needs its spec")
        dct = dict(dct)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dict(dct["subprocesses"]), workflow)
        workflow.bpmn_events = self.registry.restore(dct.get("bpmn_events", []))
        return workflow


def _config() -> dict[type, Any]:
    config = dict(SPIFF_CONFIG)  # a copy: the library's own config is left as it is
    for library_class, clocked_class in CLOCKED_TIMERS.items():
        config[clocked_class] = config.pop(library_class)
    config[BpmnWorkflow] = StateOnlyWorkflowConverter
    return config


class StateSerializer:
    """JSON text <-> workflow, with the specs supplied from the spec set cache."""

    def __init__(self) -> None:
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_config()))
        self.version = self._serializer.VERSION

    def dumps(self, workflow: BpmnWorkflow) -> str:
        """The workflow's state as JSON. Raises TypeError/ValueError when task data is not JSON."""
        registry = self._serializer.registry
        registry._encoder_mode = True
        try:
            dct = self._serializer.to_dict(workflow)
            dct[self._serializer.VERSION_KEY] = self.version
            return json.dumps(dct, cls=self._serializer._encoder_cls, ensure_ascii=False, separators=(",", ":"))
        finally:
            registry._encoder_mode = False

    def loads(self, state: str, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
        dct = json.loads(state)
        self._serializer.migrate(dct)
        return self._serializer.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)

    def stored_task(self, state: str, task_id: str) -> tuple[dict[str, Any], dict[str, Any], str | None] | None:
        """One task of a stored state, read without restoring the workflow.

        Returns the task's stored fields, its data (as :meth:`to_data` gives the restored task's) and the
        name of the subprocess spec it runs in (None for the top-level process); None when the state was
        written by another serializer version (restoring migrates it) or holds no such task.
        """
        dct = json.loads(state)
        if dct.get(self._serializer.VERSION_KEY) != self.version:
            return None
        found = [(dct.get("tasks") or {}, None)]
        found += [(sub.get("tasks") or {}, sub.get("spec")) for sub in (dct.get("subprocesses") or {}).values()]
        for tasks, spec_name in found:
            if task_id in tasks:
                registry = self._serializer.registry
                return tasks[task_id], self.to_data(registry.restore(_stored_data(tasks, task_id))), spec_name
        return None

    def to_data(self, value: Any) -> Any:
        """Task data as plain JSON values (what the serializer would store)."""
        registry = self._serializer.registry
        return registry.convert(registry.clean(value))


def _stored_data(tasks: dict[str, Any], task_id: str) -> dict[str, Any]:
    """A stored task's data as the serializer rebuilds it: the root's in full, every other task's as its
    parent's with its own delta (SpiffWorkflow's ``TaskConverter.from_dict``), in stored form."""
    chain = []
    current: dict[str, Any] | None = tasks[task_id]
    while current is not None:
        chain.append(current)
        parent = current.get("parent")
        current = tasks.get(parent) if current.get("delta") and parent is not None else None
    data: dict[str, Any] = {}
    for stored in reversed(chain):
        delta = stored.get("delta")
        if delta and stored is not chain[-1]:
            data = {**data, **delta.get("updates", {})}
            for key in delta.get("deletions", {}):
                data.pop(key, None)
        else:
            data = dict(stored.get("data") or {})
    return data
