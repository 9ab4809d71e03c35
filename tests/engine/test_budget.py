"""One budget per evaluation: the helpers, the instruction renderer and everything a script can
build stay inside the time limit and the memory bound, and a breach changes nothing."""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timedelta, timezone

from typing import Any

import pytest

from engine.clock import FrozenClock
from engine.errors import ScriptError, ScriptTimeout, TaskError
from engine.instructions import render_instructions
from engine.registry import Registry
from engine.runtime import Engine
from engine.sandbox import SandboxedEnvironment

from .conftest import ROOT

LIMIT = 0.5
MB = 1 << 20


@pytest.fixture
def env(clock) -> SandboxedEnvironment:
    """The engine's own script environment: helpers, clock and limits as in production."""
    return Engine(clock, script_time_limit=LIMIT).script_engine.environment


def stopped(run) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises(ScriptError) as info:
        run()
    return info.value, time.monotonic() - started


# -- the helpers bound their own arguments --------------------------------------------

@pytest.mark.parametrize(("script", "message"), [
    ("due = add_working_days(10 ** 7)", "add_working_days: at most 2,500 working days"),
    ("n = working_days_between(date(1, 1, 1), date(9999, 12, 31))",
     "working_days_between: the dates may be at most 3,660 days"),
    ("n = working_days_between(datetime(9999, 12, 31), date(1, 1, 1))",
     "working_days_between: the dates may be at most 3,660 days"),
])
def test_helpers_refuse_huge_arguments_within_twice_the_limit(env, script, message):
    data: dict[str, Any] = {}
    error, elapsed = stopped(lambda: env.execute(script, data))
    assert str(error).startswith("Script refused: Line 1: ") and message in str(error)
    assert elapsed < 2 * LIMIT
    assert data == {}


def test_helpers_still_answer_ordinary_questions(env, clock):
    data: dict[str, Any] = {}
    env.execute("due = add_working_days(20)\nn = working_days_between(date(2026, 3, 21), date(2026, 4, 21))\n"
                "long = add_working_days(2500)", data)
    assert data["due"] > clock.now() + timedelta(days=20)
    assert 0 < data["n"] <= 31
    assert data["long"] > clock.now() + timedelta(days=2500)


def test_a_helper_checks_the_deadline_of_the_evaluation_it_runs_in(env):
    # 2,500 working days is allowed, but not a million times over: the loop is stopped in time.
    error, elapsed = stopped(lambda: env.execute("while True:\n    d = add_working_days(2500)", {}))
    assert isinstance(error, ScriptTimeout)
    assert elapsed < 2 * LIMIT


# -- memory bound ---------------------------------------------------------------------

BIG = [
    # string padding
    ("x = 'x'.ljust(10 ** 9)", "str.ljust()"),
    ("x = 'x'.rjust(10 ** 9)", "str.rjust()"),
    ("x = 'x'.center(10 ** 9)", "str.center()"),
    ("x = '1'.zfill(10 ** 9)", "str.zfill()"),
    ("x = str.ljust('x', 10 ** 9)", "str.ljust()"),
    ("x = 'a\\tb'.expandtabs(10 ** 9)", "str.expandtabs()"),
    ("s = 'x' * 10 ** 6\nx = s.replace('x', s)", "str.replace()"),
    ("s = 'x' * 10 ** 6\nx = s.join([s] * 100)", "join()"),
    # format widths
    ("x = '%1000000000d' % 1", "a %-format asks for a width or precision of 1000000000"),
    ("x = '%.1000000000f' % 1.5", "a %-format asks for a width or precision of 1000000000"),
    ("x = '%*d' % (10 ** 9, 1)", "a %-format asks for a width or precision above"),
    ("x = f'{1:1000000000}'", "an f-string asks for a width or precision of 1000000000"),
    ("w = 10 ** 9\nx = f'{1:{w}}'", "an f-string asks for a width or precision of 1000000000"),
    ("x = date(2026, 1, 1).strftime('%1000000000Y')", "strftime asks for a width"),
    ("x = f'{date(2026, 1, 1):%1000000000Y}'", "an f-string asks for a width"),
    # repetition
    ("x = 'a' * 300000000", "* would make a sequence over"),
    ("s = 'a' * 10 ** 6\nx = [s * 1 for _ in range(100)]", "*"),
    # list growth
    ("x = [0]\nwhile True:\n    x.extend(x)", "list.extend()"),
    ("x = [0]\nwhile True:\n    x += x", "+="),
    ("x = 'a'\nwhile True:\n    x = x + x", "+"),
    ("x = [0] * 10 ** 6\ny = [x[:] for _ in range(100)]", "a slice"),
    ("x = [0] * 10 ** 6\ny = [[*x] for _ in range(100)]", "unpacking"),
    ("x = [list(range(10 ** 6)) for _ in range(100)]", "list()"),
    ("s = 'x' * 10 ** 6\nx = [s.upper() for _ in range(100)]", "str.upper()"),
    ("x = []\nfor n in range(10 ** 6):\n    x.append([n] * 10000)", "*"),
    ("s = 'x' * 10 ** 6\nx = [s + 'y' for _ in range(100)]", "+"),
    # text of values sharing parts (exponential size)
    ("a = [1]\nfor n in range(60):\n    a = [a, a]\nx = str(a)", "would take the evaluation past its memory limit"),
    ("a = [1]\nfor n in range(60):\n    a = [a, a]\nx = f'{a}'", "would take the evaluation past its memory limit"),
    ("a = [1]\nfor n in range(60):\n    a = [a, a]\nx = '%s' % (a,)", "would take the evaluation past its memory limit"),
]


@pytest.mark.parametrize(("script", "message"), BIG)
def test_what_a_script_builds_is_bounded_and_a_breach_changes_nothing(clock, script, message):
    # A generous time limit: the memory bound must stop these, not the clock (the machine may be busy).
    env = Engine(clock, script_time_limit=10 * LIMIT).script_engine.environment
    data: dict[str, Any] = {"kept": "as it was"}
    error, elapsed = stopped(lambda: env.execute(script, data))
    assert str(error).startswith("Script refused: Line ")
    assert message in str(error)
    assert elapsed < 2 * 10 * LIMIT
    assert data["kept"] == "as it was" and "x" not in data and "y" not in data


def test_values_too_big_to_store_never_reach_task_data(env):
    data: dict[str, Any] = {}
    with pytest.raises(ScriptError, match="too big to store"):
        env.execute("a = [1]\nfor n in range(60):\n    a = [a, a]", data)
    assert data == {}
    with pytest.raises(ScriptError, match="too big to store"):
        env.evaluate("[[[1] * 1000] * 1000] * 1000", {})


def test_the_memory_limit_is_configurable():
    small = SandboxedEnvironment(time_limit=LIMIT, memory_limit=1 * MB)
    with pytest.raises(ScriptError, match="memory limit of 1 MB"):
        small.execute("x = 'x'.ljust(2 * 10 ** 6)", {})
    data: dict[str, Any] = {}
    SandboxedEnvironment(time_limit=LIMIT, memory_limit=8 * MB).execute("x = 'x'.ljust(2 * 10 ** 6)", data)
    assert len(data["x"]) == 2 * 10 ** 6


def test_ordinary_text_and_list_work_is_untouched(env):
    data: dict[str, Any] = {"names": ["Ali", "Sara"], "amount": 1500}
    env.execute("label = ', '.join(names).upper().center(20, '*')\n"
                "row = f'{amount:>8,}|{names[0]!r}|{2.5:.2f}'\n"
                "old = '%05d %s' % (amount, names)\n"
                "rows = [n.ljust(6) + '|' for n in names] + ['end']\n"
                "rows += ['more']\nrows.append('last')\nrows.extend(names[:1])\n"
                "merged = {**{'a': 1}, 'b': 2}\nflat = [*names, *rows[:1]]\n"
                "text = str(rows) + repr(merged)", data)
    assert data["label"] == "Ali, Sara".upper().center(20, "*")
    assert data["row"] == "   1,500|'Ali'|2.50"
    assert data["old"] == "01500 ['Ali', 'Sara']"
    assert data["rows"] == ["Ali   |", "Sara  |", "end", "more", "last", "Ali"]
    assert data["merged"] == {"a": 1, "b": 2} and data["flat"] == ["Ali", "Sara", "Ali   |"]
    assert data["text"] == str(data["rows"]) + "{'a': 1, 'b': 2}"
    assert env.evaluate("isinstance(names, list) and isinstance('x', str) and list('ab') == ['a', 'b']", data)


# -- the instruction renderer -----------------------------------------------------------

@pytest.mark.parametrize(("template", "error", "message"), [
    ("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
     ScriptTimeout, "Instructions timed out"),
    ("{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
     ScriptError, "Instructions"),
    ("{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}", ScriptError, "Instructions"),  # recursion
    ("{{ ('a' * 300000000)|length }}", ScriptError, "* would make a sequence over"),
    ("{{ 'x'.ljust(1000000000) }}", ScriptError, "str.ljust()"),
    ("{{ 'x'|center(1000000000) }}", ScriptError, "the center filter asks for a width"),
    ("{{ 'x'|indent(1000000000) }}", ScriptError, "the indent filter asks for a width"),
    ("{{ '%1000000000d' % 1 }}", ScriptError, "a %-format asks for a width"),
    ("{{ '%1000000000d'|format(1) }}", ScriptError, "a %-format asks for a width"),
    ("{{ '{:1000000000}'.format(1) }}", ScriptError, "SecurityError"),
    ("{{ range(100000)|join('x' * 10000) }}", ScriptError, "the join filter"),
    ("{% set s = 'x' * 1000000 %}{% set s = s ~ s %}{% set s = s ~ s %}{% set s = s ~ s %}"
     "{% set s = s ~ s %}{% set s = s ~ s %}{% set s = s ~ s %}{% set s = s ~ s %}{{ s|length }}", ScriptError, "~"),
    ("{{ lipsum(1000000) }}", ScriptError, "'lipsum' is undefined"),
    ("{{ items|slice(1000000000) }}", ScriptError, "the slice filter"),
    ("{{ broken", ScriptError, "TemplateSyntaxError"),
])
def test_instructions_are_stopped_within_twice_the_limit(template, error, message):
    started = time.monotonic()
    with pytest.raises(error) as info:
        render_instructions(template, {"items": [1, 2]}, time_limit=LIMIT)
    assert time.monotonic() - started < 2 * LIMIT
    assert message in str(info.value)


def test_instructions_fill_in_task_data_escaped():
    text = render_instructions("سند {{ reference }} از {{ name|upper }}: {{ items|join('، ') }} {{ '%03d'|format(n) }}"
                               "{% for p in items %}<li>{{ p }}</li>{% endfor %}",
                               {"reference": "DOC-7", "name": "<b>ali</b>", "items": [1, 2], "n": 5})
    assert text == "سند DOC-7 از &lt;B&gt;ALI&lt;/B&gt;: 1، 2 005<li>1</li><li>2</li>"
    assert render_instructions(None, {}) is None and render_instructions("", {}) is None


def test_the_engine_renders_instructions_with_its_own_limits(clock):
    engine = Engine(clock, script_time_limit=LIMIT, script_memory_limit=1 * MB)
    assert engine.render_instructions("{{ n }}", {"n": 3}) == "3"
    with pytest.raises(ScriptError, match="memory limit of 1 MB"):
        engine.render_instructions("{{ 'x'.ljust(2000000) }}", {})


# -- every evaluation of a process: due, assignee, timers -------------------------------

def document_review(**replacements: str) -> Any:
    source = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in source
        source = source.replace(old, new)
    return Registry().load({"document_review.bpmn": source.encode()}, validate=False)


@pytest.mark.parametrize(("due", "message"), [
    ("&quot;P99999999999D&quot;", "the duration 'P99999999999D' is too long"),
    ("99999999999", "a due date 99999999999 days ahead is too far"),
    ("add_working_days(10 ** 7)", "add_working_days: at most 2,500 working days"),
    ("'x'.ljust(10 ** 9)", "str.ljust()"),
])
def test_a_bad_due_property_is_a_clear_error_at_its_task(clock, due, message):
    engine = Engine(clock, script_time_limit=LIMIT)
    spec_set = document_review(**{'value="add_working_days(3)"': f'value="{due}"'})
    started = time.monotonic()
    with pytest.raises(TaskError) as info:
        engine.start(spec_set, "document_review", {"document_number": 7})
    assert time.monotonic() - started < 2 * LIMIT
    assert info.value.element_id == "review_document"
    assert message in str(info.value)


@pytest.mark.parametrize(("duration", "message"), [
    ("&quot;P99999999999D&quot;", "the duration 'P99999999999D' is too long"),
    ("str(add_working_days(10 ** 7))", "add_working_days: at most 2,500 working days"),
])
def test_a_bad_timer_duration_is_a_clear_error_at_its_event(clock, duration, message):
    engine = Engine(clock, script_time_limit=LIMIT)
    spec_set = document_review(**{'<bpmn:timeDuration>"P5D"': f"<bpmn:timeDuration>{duration}"})
    with pytest.raises(TaskError) as info:
        engine.start(spec_set, "document_review", {"document_number": 7})
    assert info.value.element_id == "review_overdue"
    assert message in str(info.value)


# -- scripts read the engine's clock -----------------------------------------------------

def test_scripts_read_the_engine_clock_not_the_wall_clock():
    frozen = datetime(2031, 7, 9, 6, 30, 15, tzinfo=timezone.utc)
    env = Engine(FrozenClock(frozen), script_time_limit=LIMIT).script_engine.environment
    data: dict[str, Any] = {}
    env.execute("moment = datetime.now()\nalso_now = datetime.today()\nday = date.today()\nutc = datetime.utcnow()\n"
                "aware = datetime.now(datetime(2020, 1, 1, tzinfo=now_zone).tzinfo)\n"
                "still_a_class = isinstance(moment, datetime) and isinstance(day, date)\n"
                "made = datetime(2026, 3, 21, 8, 30)\nparsed = datetime.fromisoformat('2026-03-21')",
                data, {"now_zone": timezone.utc})
    local = frozen.astimezone().replace(tzinfo=None)  # datetime.now() is naive local time, as in Python
    assert data["moment"] == local and data["also_now"] == local
    assert data["day"] == local.date()
    assert data["utc"] == frozen.replace(tzinfo=None)
    assert data["aware"] == frozen
    assert data["still_a_class"] is True
    assert type(data["made"]) is datetime and type(data["parsed"]) is datetime


def test_a_date_instance_cannot_read_the_wall_clock(env):
    with pytest.raises(ScriptError, match="now\\(\\) on a date is not available"):
        env.execute("x = datetime(2026, 1, 1).now()", {})


def test_the_clock_a_script_reads_moves_with_the_engine_clock(clock):
    env = Engine(clock, script_time_limit=LIMIT).script_engine.environment
    first = env.evaluate("datetime.now()", {})
    clock.advance(days=3)
    assert env.evaluate("datetime.now()", {}) - first == timedelta(days=3)
    assert env.evaluate("date.today()", {}) == (clock.now().astimezone().date())
    assert isinstance(env.evaluate("date.today()", {}), date)


def test_process_scripts_see_the_frozen_clock(engine, example, clock):
    spec_set = document_review(**{"opened_on = to_jalali(today())": "opened_on = to_jalali(today())\n"
                                                                   "started_at = datetime.now().isoformat()"})
    workflow = engine.start(spec_set, "document_review", {"document_number": 7})
    [task] = engine.open_user_tasks(workflow)
    assert task.data["started_at"] == clock.now().astimezone().replace(tzinfo=None).isoformat()





def test_a_huge_value_hung_on_a_list_the_script_was_given_is_refused(env):
    data: dict[str, Any] = {"rows": [1, 2]}
    with pytest.raises(ScriptError, match="too big to store"):
        env.execute("a = [1]\nfor n in range(60):\n    a = [a, a]\nrows.append(a)\ndel a", data)


def test_each_evaluation_has_its_own_budget_in_concurrent_threads():
    # Two scripts of 60 MB each, interleaved: a budget shared between threads would refuse one.
    barrier = threading.Barrier(2, timeout=10)
    env = SandboxedEnvironment({"meet": barrier.wait}, time_limit=10)
    results: list[Any] = []

    def run() -> None:
        data: dict[str, Any] = {}
        try:
            env.execute("a = 'x'.ljust(40 * 2 ** 20)\nmeet()\nb = 'y'.ljust(20 * 2 ** 20)\nsize = len(a) + len(b)",
                        data)
            results.append(data["size"])
        except ScriptError as error:  # the test inspects it
            results.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [60 * MB, 60 * MB]


@pytest.mark.parametrize(("script", "message"), [
    ("x = from_jalali('1' * 10 ** 6)", "from_jalali: a Jalali date is at most 100 characters"),
    ("x = int('x' * 10 ** 6)", "ValueError: invalid literal for int()"),
])
def test_huge_texts_never_make_huge_error_messages(env, script, message):
    with pytest.raises(ScriptError) as info:
        env.execute(script, {})
    assert message in str(info.value) and len(str(info.value)) < 1000
