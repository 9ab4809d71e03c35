"""B1: the raw engine floor — plain SpiffWorkflow, cached specs, state-only JSON."""
from __future__ import annotations

import json
from pathlib import Path

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.calendar import WorkingCalendar
from engine.clock import SystemClock
from engine.script_helpers import script_helpers


class RawEngine:
    """What a bare SpiffWorkflow integration does per completion, with no sandbox, no database."""

    def __init__(self, bpmn: Path, process_id: str) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(bpmn))
        self.spec = parser.get_spec(process_id)
        self.subprocesses = parser.get_subprocess_specs(process_id)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        # plain eval/exec with the same helper functions the example's scripts call; no sandbox
        helpers = script_helpers(SystemClock(), WorkingCalendar.iran())
        self.script_engine = PythonScriptEngine(environment=TaskDataEnvironment(helpers))

    def start(self, data: dict) -> str:
        workflow = BpmnWorkflow(self.spec, self.subprocesses, script_engine=self.script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        workflow.do_engine_steps()
        return self.dumps(workflow)

    def dumps(self, workflow: BpmnWorkflow) -> str:
        dct = self.serializer.to_dict(workflow)
        dct.pop("spec")
        dct.pop("subprocess_specs")
        dct[self.serializer.VERSION_KEY] = self.serializer.VERSION
        return json.dumps(dct, cls=self.serializer._encoder_cls)

    def complete_one(self, state: str, data: dict) -> str:
        """Restore, complete the ready user task, run until it waits, serialize."""
        dct = json.loads(state)
        self.serializer.migrate(dct)
        dct["spec"], dct["subprocess_specs"] = self.spec, self.subprocesses
        workflow = self.serializer.from_dict(dct)
        workflow.script_engine = self.script_engine
        [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        return self.dumps(workflow)
