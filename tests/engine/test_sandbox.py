"""The script sandbox: what it refuses, what it still allows, and that SpiffWorkflow sends
every script and expression through it."""
from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import time_machine
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.errors import ScriptError, ScriptTimeout
from engine.sandbox import (
    DEFAULT_HELPERS,
    SandboxedEnvironment,
    SandboxedScriptEngine,
    compile_script,
    make_script_engine,
)

FIXTURES = Path(__file__).parent / "fixtures" / "sandbox"
LIMIT = 0.3


@pytest.fixture
def env() -> SandboxedEnvironment:
    return SandboxedEnvironment(time_limit=LIMIT)


# -- refused ------------------------------------------------------------------------

ESCAPES = [
    ("import os", "Line 1: import statements are not allowed"),
    ("x = 1\nfrom os import path", "Line 2: import statements are not allowed"),
    ("open('/etc/hostname')", "Line 1: NameError: 'open' is not available"),
    ("__import__('os')", '"__import__" is an invalid variable name'),
    ("().__class__.__base__.__subclasses__()", '"__class__" is an invalid attribute name'),
    ("(lambda: 0).__globals__", '"__globals__" is an invalid attribute name'),
    ("data.__dict__", '"__dict__" is an invalid attribute name'),
    ("getattr(data, '__class__')", "'getattr' is not available"),
    ("'{0.__class__}'.format(1)", "format*() methods of `str` is not safe"),
    ("'{x.__class__}'.format_map({'x': 1})", "format*() methods of `str` is not safe"),
    ("str.format('{0.__class__}', 1)", "format*() methods of `str` is not safe"),
    ("(x for x in []).gi_frame.f_back", '"gi_frame" is a restricted name'),
    ("(x for x in []).gi_code", '"gi_code" is a restricted name'),
    ("g = (x for x in [])\nframe = g.gi_frame\nframe.f_globals", '"f_globals" is a restricted name'),
    ("type(1)", "'type' is not available"),
    ("eval('1')", "Eval calls are not allowed"),
    ("exec('import os')", "Exec calls are not allowed"),
    ("compile('1', 'x', 'eval')", "'compile' is not available"),
    ("globals()", "'globals' is not available"),
    ("vars(data)", "'vars' is not available"),
    ("setattr(data, 'x', 1)", "'setattr' is not available"),
    ("class Escape:\n    pass", "class definitions are not allowed"),
    ("with data as d:\n    pass", "with statements are not allowed"),
    ("try:\n    x = 1\nexcept:\n    x = 2", "Line 3: a bare except: is not allowed"),
    ("try:\n    data.missing\nexcept AttributeError as error:\n    leaked = error.obj",
     "Line 4: AttributeError: AttributeError.obj is not available"),
    ("raise ValueError.mro()[-2]('out of the Exception tree')", "BaseException: out of the Exception tree"),
]


@pytest.mark.parametrize(("script", "message"), ESCAPES)
def test_escapes_are_refused_with_their_line(env, script, message):
    data = {"data": {"a": 1}}
    with pytest.raises(ScriptError, match="^Script (refused|failed): Line ") as info:
        env.execute(script, data)
    assert message in str(info.value)
    assert set(data) == {"data"}


@pytest.mark.parametrize(("expression", "message"), [
    ("().__class__", '"__class__" is an invalid attribute name'),
    ("amount.__class__.__mro__", '"__mro__" is an invalid attribute name'),
    ("__builtins__", '"__builtins__" is an invalid variable name'),
    ("'{0.__class__}'.format(amount)", "format*() methods of `str` is not safe"),
    ("type(amount)", "'type' is not available"),
    ("[x for x in range(3)].__class__", '"__class__" is an invalid attribute name'),
])
def test_escapes_in_expressions_are_refused(env, expression, message):
    with pytest.raises(ScriptError, match="^Expression (refused|failed): Line 1: ") as info:
        env.evaluate(expression, {"amount": 5})
    assert message in str(info.value)


@pytest.mark.parametrize(("script", "message"), [
    ("10 ** 100000", "** would make an integer over"),
    ("pow(10, 100000)", "** would make an integer over"),
    ("n = 10\nn **= 100000", "Line 2: ** would make an integer over"),
    ("1 << 10 ** 6", "<< would make an integer over"),
    ("n = 2 ** 9000\nm = n * n", "Line 2: * would make an integer over"),
    ("'x' * 10 ** 7", "* would make a sequence over"),
    ("10 ** 7 * [0]", "* would make a sequence over"),
    ("row = [0]\nrow *= 10 ** 7", "Line 2: * would make a sequence over"),
    ("sum(range(10 ** 9))", "range() of more than"),
    ("sum([[0]] * 1000, [])", "sum() of sequences"),
    ("int(Decimal('1e999999'))", "a Decimal of more than"),
    ("Decimal('7' * 20000)", "a Decimal of more than"),
])
def test_operations_too_big_for_the_tracer_are_refused(env, script, message):
    with pytest.raises(ScriptError, match="^Script refused: Line ") as info:
        env.execute(script, {})
    assert message in str(info.value)


def test_decimal_arithmetic_cannot_grow_past_the_limit(env):
    with pytest.raises(ScriptError, match="^Script failed: Line 1: Overflow"):
        env.execute("big = int(Decimal(10) ** 999999)", {})
    assert env.evaluate("isinstance(Decimal('1.5') * 2, Decimal)", {}) is True
    assert Decimal not in env.evaluate("Decimal.mro()", {})  # the unchecked class stays out of reach


# -- the time limit -----------------------------------------------------------------

@pytest.mark.parametrize("script", [
    "while True: pass",
    "while True:\n    x = 1",
    "x = 0\nwhile True: x += 1",
    "[0 for a in range(10 ** 6) for b in range(10 ** 6)]",
    "def forever():\n    while True:\n        yield 1\nsum(forever())",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(60)",
])
def test_a_runaway_script_is_stopped_and_the_tracer_restored(env, script):
    def outer_tracer(frame, event, arg):
        return None

    previous = sys.gettrace()
    sys.settrace(outer_tracer)
    try:
        started = time.monotonic()
        with pytest.raises(ScriptTimeout, match="^Script timed out: Line \\d+: still running after the 0.3 s"):
            env.execute(script, {})
        elapsed = time.monotonic() - started
        assert sys.gettrace() is outer_tracer
    finally:
        sys.settrace(previous)
    assert LIMIT <= elapsed < LIMIT + 0.5


def test_a_runaway_expression_is_stopped(env):
    before = sys.gettrace()
    with pytest.raises(ScriptTimeout, match="^Expression timed out"):
        env.evaluate("sum(a * b for a in range(10 ** 6) for b in range(10 ** 6))", {})
    assert sys.gettrace() is before


def test_the_time_limit_works_in_a_worker_thread(env):
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            env.execute("while True: pass", {})
        except BaseException as exc:  # noqa: BLE001 — the test inspects it
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=LIMIT + 2)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], ScriptTimeout)


@pytest.mark.parametrize("script", [
    "while True:\n    try:\n        while True:\n            x = 1\n    except Exception:\n        pass",
    "try:\n    while True:\n        pass\nfinally:\n    while True:\n        pass",
    "catch_all = ValueError.mro()[-2]\nwhile True:\n    try:\n        while True:\n            pass\n"
    "    except catch_all:\n        pass",
    # A RecursionError inside the tracer switches tracing off for the rest of the run.
    "def down():\n    down()\ntry:\n    down()\nexcept RuntimeError:\n    pass\nwhile True:\n    pass",
])
def test_a_script_cannot_outlast_the_time_limit_by_catching(env, script):
    with pytest.raises(ScriptTimeout):
        env.execute(script, {})


def test_loops_are_stopped_even_when_tracing_is_switched_off():
    # CPython drops the tracer for good when it raises at the stack limit or inside
    # garbage collection; the deadline checks compiled into loops and calls remain.
    env = SandboxedEnvironment({"switch_tracing_off": lambda: sys.settrace(None)}, time_limit=LIMIT)
    for script in ["switch_tracing_off()\nwhile True: pass",
                   "switch_tracing_off()\nfor n in range(10 ** 6):\n    for m in range(10 ** 6):\n        pass",
                   "switch_tracing_off()\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(60)",
                   "switch_tracing_off()\nfib = lambda n: n if n < 2 else fib(n - 1) + fib(n - 2)\nfib(60)",
                   "switch_tracing_off()\nsum(1 for n in range(10 ** 6) for m in range(10 ** 6))"]:
        started = time.monotonic()
        with pytest.raises(ScriptTimeout):
            env.execute(script, {})
        assert time.monotonic() - started < LIMIT + 0.5


def test_generators_closed_by_the_garbage_collector_do_not_switch_tracing_off(env, capfd):
    script = ("def one():\n    try:\n        yield 1\n    except ValueError:\n        pass\n"
              "while True:\n    made = [one() for _ in range(20000)]\n    for it in made:\n        next(it)\n"
              "    made = None")
    for _ in range(3):
        with pytest.raises(ScriptTimeout):
            env.execute(script, {})
    assert "Exception ignored" not in capfd.readouterr().err


def test_chained_iterators_stop_at_the_recursion_limit_instead_of_crashing():
    # 200,000 nested C iterators overflow the C stack: the worker process would die.
    script = "it = [1]\nfor n in range(200000):\n    it = map(abs, it)\nfirst = next(it)"
    code = ("from engine.sandbox import SandboxedEnvironment\n"
            "from engine.errors import ScriptError\n"
            "try:\n"
            f"    SandboxedEnvironment(time_limit=10).execute({script!r}, {{}})\n"
            "except ScriptError as error:\n"
            "    print(error)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert "RecursionError" in done.stdout


def test_tracing_is_restored_after_normal_runs_and_errors(env):
    before = sys.gettrace()
    env.execute("x = 1", {})
    assert sys.gettrace() is before
    with pytest.raises(ScriptError):
        env.execute("x = 1 / 0", {})
    assert sys.gettrace() is before
    assert env.evaluate("1 + 1", {}) == 2
    assert sys.gettrace() is before


# -- allowed ------------------------------------------------------------------------

LEGITIMATE = """\
fee = Decimal(amount) * Decimal("0.09")
rounded = str(decimal_round(fee, 0))
due = (date(2026, 3, 21) + timedelta(days=14)).isoformat()
starts = datetime(2026, 3, 21, 8, 30) + timedelta(hours=2)
hour = starts.hour
squares = [n * n for n in range(5) if n % 2 == 0]
by_name = {p["name"]: p["share"] for p in partners}
count = 0
for p in partners:
    count += 1
first, second = partners[0]["name"], partners[1]["name"]
applicant["status"] = "checked"
tags.append("fee")
tags[0] = "first"
label = f"{applicant['name']}: {rounded} rials, {len(tags)} tags"
largest = max(p["share"] for p in partners)
ordered = sorted(by_name, key=lambda name: -by_name[name])
pairs = list(zip(range(2), "ab"))
try:
    bad = int("not a number")
except ValueError:
    bad = None
try:
    ratio = 1 / 0
except Exception as error:
    ratio = str(error)
finally:
    checked = True
helper = decimal_round
def unused():
    return 1
del amount
"""


def test_a_legitimate_script_runs_and_writes_task_data(env):
    data: dict[str, Any] = {
        "amount": "150000",
        "partners": [{"name": "Ali", "share": 30}, {"name": "Sara", "share": 70}],
        "applicant": {"name": "Ali"},
        "tags": ["new"],
    }
    assert env.execute(LEGITIMATE, data) is True
    assert data["rounded"] == "13500"
    assert data["fee"] == Decimal("13500.00")
    assert data["due"] == "2026-04-04"
    assert data["hour"] == 10
    assert data["squares"] == [0, 4, 16]
    assert data["by_name"] == {"Ali": 30, "Sara": 70}
    assert data["count"] == 2
    assert (data["first"], data["second"]) == ("Ali", "Sara")
    assert data["applicant"] == {"name": "Ali", "status": "checked"}
    assert data["tags"] == ["first", "fee"]
    assert data["label"] == "Ali: 13500 rials, 2 tags"
    assert data["largest"] == 70
    assert data["ordered"] == ["Sara", "Ali"]
    assert data["pairs"] == [(0, "a"), (1, "b")]
    assert data["bad"] is None
    assert (data["ratio"], data["checked"]) == ("division by zero", True)
    # Deleted names go; helpers and functions never land in task data.
    assert "amount" not in data
    assert not {"helper", "unused", "Decimal", "__builtins__"} & set(data)


def test_expressions_see_task_data_and_do_not_change_it(env):
    data = {"employees": 60, "province": "Tehran", "amounts": [1, 2]}
    assert env.evaluate('employees >= 50 and province == "Tehran"', data) is True
    assert env.evaluate("\n   sum(amounts) * 2\n", data) == 6  # XML often pads expressions
    assert env.evaluate("(leaked := 1)", data) == 1
    assert env.evaluate("'P%sD' % len(amounts)", data) == "P2D"
    assert data == {"employees": 60, "province": "Tehran", "amounts": [1, 2]}


def test_task_data_wins_over_external_context_in_expressions(env):
    assert env.evaluate("dmninputexpr > 2", {"x": 1}, {"dmninputexpr": 3}) is True
    assert env.evaluate("x", {"x": "data"}, {"x": "external"}) == "data"


def test_external_names_are_removed_from_task_data_after_a_script(env):
    data: dict[str, Any] = {}
    env.execute("total = rate * 2", data, {"rate": 5})
    assert data == {"total": 10}


def test_a_failing_script_names_its_line_and_keeps_earlier_assignments(env):
    data: dict[str, Any] = {}
    with pytest.raises(ScriptError, match="^Script failed: Line 2: ZeroDivisionError: division by zero$"):
        env.execute("done = 1\nratio = 1 / 0\nafter = 2", data)
    assert data == {"done": 1}  # as SpiffWorkflow's own environment does


def test_injected_helpers_are_callable_and_guarded_against_overwrite():
    env = SandboxedEnvironment({"now": lambda: "2026-03-21T08:00:00+00:00"}, time_limit=LIMIT)
    data: dict[str, Any] = {}
    env.execute("stamp = now()", data)
    assert data == {"stamp": "2026-03-21T08:00:00+00:00"}
    with pytest.raises(ScriptError, match="overwrites a predefined function"):
        env.execute("x = 1", {"now": "yesterday"})
    with pytest.raises(ScriptError, match="overwrites a predefined function"):
        env.execute("x = 1", {"decimal_round": 2})


def test_task_data_may_shadow_python_builtin_names(env):
    data = {"sum": 5, "type": "company"}
    env.execute("total = sum + 1\nis_company = type == 'company'", data)
    assert data == {"sum": 5, "type": "company", "total": 6, "is_company": True}


def test_underscore_task_data_is_untouched_and_cannot_replace_guards(env):
    data = {"_getattr_": "not a function", "_note": "kept", "items": [1, 2]}
    env.execute("size = items.count(1)", data)
    assert data == {"_getattr_": "not a function", "_note": "kept", "items": [1, 2], "size": 1}


@pytest.mark.parametrize(("helpers", "message"), [
    ({"_getattr_": getattr}, "not allowed"),
    ({"os": sys}, "is a module"),
])
def test_unsafe_helpers_are_refused(helpers, message):
    with pytest.raises(ValueError, match=message):
        SandboxedEnvironment(helpers)


def test_default_helpers_and_decimal_round():
    assert {"len", "sorted", "range", "Decimal", "date", "datetime", "timedelta", "decimal_round"} <= set(
        DEFAULT_HELPERS)
    round_ = DEFAULT_HELPERS["decimal_round"]
    assert round_(2.675, 2) == Decimal("2.68")
    assert round_(Decimal("-2.5")) == Decimal("-3")
    assert round_("1234.5", -2) == Decimal("1.2E+3")


def test_compiled_code_is_cached():
    assert compile_script("amount > 10", "eval") is compile_script("amount > 10", "eval")
    assert compile_script("1", "exec") is not compile_script("1", "eval")


def test_a_syntax_error_is_a_script_error_with_a_line():
    with pytest.raises(ScriptError, match="^Script refused: Line 2: SyntaxError") as info:
        compile_script("x = 1\ny = (", "exec")
    assert not isinstance(info.value, SyntaxError)


# -- through SpiffWorkflow ----------------------------------------------------------

class RecordingEnvironment(SandboxedEnvironment):
    """Remembers every source SpiffWorkflow hands to the sandbox."""

    def __init__(self) -> None:
        super().__init__(time_limit=LIMIT)
        self.seen: list[str] = []

    def evaluate(self, expression, context, external_context=None):
        self.seen.append(expression)
        return super().evaluate(expression, context, external_context)

    def execute(self, script, context, external_context=None):
        self.seen.append(script)
        return super().execute(script, context, external_context)


def fees_workflow(engine: PythonScriptEngine) -> BpmnWorkflow:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(FIXTURES / "fees.bpmn")])
    parser.add_dmn_files([str(FIXTURES / "fee_band.dmn")])
    spec = parser.get_spec("sandbox_fees")
    workflow = BpmnWorkflow(spec, parser.get_subprocess_specs("sandbox_fees"), script_engine=engine)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data["amounts"] = [1000, 2500, 4000]
    return workflow


def test_a_process_runs_every_kind_of_expression_through_the_sandbox():
    environment = RecordingEnvironment()
    engine = SandboxedScriptEngine(environment)
    start = datetime(2026, 3, 21, 8, 0, tzinfo=timezone.utc)
    with time_machine.travel(start, tick=False) as traveller:
        workflow = fees_workflow(engine)
        workflow.do_engine_steps()

        [waiting] = workflow.get_tasks(state=TaskState.WAITING)
        assert waiting.task_spec.bpmn_id == "wait_a_day"
        assert waiting.data["fee"] == "675"
        assert waiting.data["total"] == "7500"
        assert waiting.data["deadline"] == "2026-03-31"
        assert waiting.data["count"] == 3
        assert waiting.data["band"] == "large"
        assert waiting.data["doubled_amounts"] == [2000, 5000, 8000]
        [event] = workflow.waiting_events()
        assert datetime.fromisoformat(event.value) == start + timedelta(days=1)

        seen = "\n".join(environment.seen)
        for source in ["decimal_round(total", "count = len(amounts)", "count>= 3", '"large"',
                       'band == "large"', "doubled = amount * 2", "doubled < 0", '"P1D"']:
            assert source in seen, source

        serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        saved = serializer.serialize_json(workflow)
        workflow = serializer.deserialize_json(saved)
        workflow.script_engine = engine  # a restored workflow gets the unsandboxed default
        assert json.loads(serializer.serialize_json(workflow)) == json.loads(saved)  # key order may differ

        traveller.shift(timedelta(hours=23))
        workflow.refresh_timers()
        workflow.do_engine_steps()
        assert not workflow.is_completed()
        traveller.shift(timedelta(hours=1, minutes=1))
        workflow.refresh_timers()
        workflow.do_engine_steps()
        assert workflow.is_completed()


ONE_SCRIPT = """<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    id="definitions_one_script" targetNamespace="https://clusterflow.example/tests">
  <bpmn:process id="one_script" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="run_script" name="Run script">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:exclusiveGateway id="gw" default="f_no"><bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>f_yes</bpmn:outgoing><bpmn:outgoing>f_no</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end_yes"><bpmn:incoming>f_yes</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_no"><bpmn:incoming>f_no</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="run_script" />
    <bpmn:sequenceFlow id="f2" sourceRef="run_script" targetRef="gw" />
    <bpmn:sequenceFlow id="f_yes" sourceRef="gw" targetRef="end_yes">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_no" sourceRef="gw" targetRef="end_no" />
  </bpmn:process>
</bpmn:definitions>"""


def one_script_workflow(script: str, condition: str = "True", **engine_options: Any) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(ONE_SCRIPT.format(script=escape(script), condition=escape(condition)).encode(),
                        "one_script.bpmn")
    return BpmnWorkflow(parser.get_spec("one_script"), script_engine=make_script_engine(**engine_options))


def test_a_workflow_importing_os_fails_with_the_refusal_in_its_error():
    workflow = one_script_workflow("import os\nos.system('true')")
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    assert "Script refused: Line 1: import statements are not allowed" in str(info.value)
    assert isinstance(info.value.__context__, ScriptError)
    assert info.value.task.task_spec.bpmn_id == "run_script"
    assert info.value.task.state == TaskState.ERROR


def test_a_runaway_script_task_fails_with_a_timeout():
    workflow = one_script_workflow("while True:\n    pass", time_limit=0.2)
    with pytest.raises(WorkflowTaskException, match="Script timed out: Line \\d") as info:
        workflow.do_engine_steps()
    assert isinstance(info.value.__context__, ScriptTimeout)


def test_a_refused_gateway_condition_keeps_its_message():
    workflow = one_script_workflow("x = 1", condition="x.__class__ is int")
    with pytest.raises(WorkflowTaskException) as info:
        workflow.do_engine_steps()
    assert "Error evaluating expression 'x.__class__ is int'" in str(info.value)
    assert '"__class__" is an invalid attribute name' in str(info.value)
    assert isinstance(info.value.__context__, ScriptError)


def test_a_legitimate_condition_picks_its_branch():
    workflow = one_script_workflow("x = 2", condition="x * 2 == 4")
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id and t.task_spec.bpmn_id.startswith("end")] == ["end_yes"]


def test_make_script_engine_gives_a_sandboxed_python_script_engine():
    engine = make_script_engine({"double": lambda v: v * 2}, time_limit=0.5)
    assert isinstance(engine, PythonScriptEngine)
    assert isinstance(engine.environment, SandboxedEnvironment)
    assert engine.environment.time_limit == 0.5
    assert isinstance(SandboxedScriptEngine().environment, SandboxedEnvironment)
