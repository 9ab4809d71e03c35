"""B1: the raw engine floor — plain SpiffWorkflow, cached specs, state-only JSON, no sandbox, no database."""
from __future__ import annotations

import json
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.calendar import WorkingCalendar
from engine.clock import SystemClock
from engine.script_helpers import script_helpers

from .scenarios import Scenario


class RawEngine:
    """What a bare SpiffWorkflow integration does per completion."""

    def __init__(self, scenario: Scenario) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_files([str(p) for p in scenario.files if p.suffix == ".bpmn"])
        dmn = [str(p) for p in scenario.files if p.suffix == ".dmn"]
        if dmn:
            parser.add_dmn_files(dmn)
        self.scenario = scenario
        self.spec = parser.get_spec(scenario.process_id)
        self.subprocesses = parser.get_subprocess_specs(scenario.process_id)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        # plain eval/exec with the same helper functions the processes' scripts call
        helpers = script_helpers(SystemClock(), WorkingCalendar.iran())
        self.script_engine = PythonScriptEngine(environment=TaskDataEnvironment(helpers))

    def start(self) -> str:
        workflow = BpmnWorkflow(self.spec, self.subprocesses, script_engine=self.script_engine)
        if self.scenario.start_message:
            workflow.do_engine_steps()
            workflow.send_event(BpmnEvent(MessageEventDefinition(self.scenario.start_message),
                                          payload=self.scenario.start_data))
        else:
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(self.scenario.start_data)
        workflow.do_engine_steps()
        state = self.dumps(workflow)
        for element_id, data in self.scenario.prelude:
            state = self.complete(state, element_id, data)
        return state

    def dumps(self, workflow: BpmnWorkflow) -> str:
        dct = self.serializer.to_dict(workflow)
        dct.pop("spec")
        dct.pop("subprocess_specs")
        dct[self.serializer.VERSION_KEY] = self.serializer.VERSION
        return json.dumps(dct, cls=self.serializer._encoder_cls)

    def complete(self, state: str, element_id: str, data: dict[str, Any]) -> str:
        """Restore, complete the ready user task ``element_id``, run until it waits, serialize."""
        dct = json.loads(state)
        self.serializer.migrate(dct)
        dct["spec"], dct["subprocess_specs"] = self.spec, self.subprocesses
        workflow = self.serializer.from_dict(dct)
        workflow.script_engine = self.script_engine
        [task] = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                  if t.task_spec.bpmn_id == element_id]
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        return self.dumps(workflow)
