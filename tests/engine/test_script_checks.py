"""Validation compiles every script and expression as the sandbox does: what the sandbox would
refuse at run time is a problem at file:line element, and deployment refuses it."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import Problem, ProcessValidationError
from engine.registry import Registry
from engine.validation import read_sources, validate_sources

from .conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "validation"
REFUSED = "scripts/refused.bpmn"


def test_scripts_and_expressions_the_sandbox_refuses_are_problems_at_their_line():
    sources = {REFUSED: (FIXTURES / REFUSED).read_bytes()}
    assert validate_sources(sources) == [
        Problem(REFUSED, 8, "reads_class", 'the script: Script refused: Line 2: "__class__" is an invalid'
                ' attribute name because it starts with "_".'),
        Problem(REFUSED, 11, "imports_time", "the pre-script: Script refused: Line 1: 'open' is not available"
                " in scripts"),
        Problem(REFUSED, 13, "imports_time", "the script: Script refused: Line 1: import statements are not"
                " allowed; use the helpers the engine provides."),
        Problem(REFUSED, 22, "f4", "the condition: Expression refused: Line 1: 'getattr' is not available"
                " in scripts"),
    ]
    with pytest.raises(ProcessValidationError) as refused:
        Registry().load(sources)
    assert len(refused.value.problems) == 4


def document_review(old: str, new: str) -> dict[str, bytes]:
    source = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    assert old in source
    return {"document_review.bpmn": source.replace(old, new).encode()}


@pytest.mark.parametrize(("old", "new", "element", "message"), [
    ('value="add_working_days(3)"', 'value="type(reference)"', "review_document",
     "the due property: Expression refused: Line 1: 'type' is not available in scripts"),
    ('value="&quot;P2D&quot;"', 'value="reference.__dict__"', "escalated_review",
     'the due property: Expression refused: Line 1: "__dict__" is an invalid attribute name'),
    ('<bpmn:timeDuration>"P5D"', "<bpmn:timeDuration>compile('1', 'x', 'eval')", "review_overdue",
     "the timer: Expression refused: Line 1: 'compile' is not available in scripts"),
    ('decision == "approve"', "decision == (lambda: 1).__globals__", "flow_approved",
     'the condition: Expression refused: Line 1: "__globals__" is an invalid attribute name'),
    ("review_round += 1", "review_round += 1\nwith open('x') as f:\n    pass", "count_round",
     "the script: Script refused: Line 2: with statements are not allowed."),
    ("سند شماره {{ reference }}", "سند شماره {{ reference ", "review_document",
     "the instructions: Line 1: TemplateSyntaxError: expected token"),
])
def test_every_kind_of_expression_is_compiled(old, new, element, message):
    problems = validate_sources(document_review(old, new))
    assert [(p.element_id, p.message[:len(message)]) for p in problems] == [(element, message)]
    assert problems[0].line is not None


def test_what_the_sandbox_offers_is_not_reported():
    sources = document_review("review_round += 1", "review_round += 1\nlabel = str(len(sorted([1]))).zfill(3)\n"
                              "def helper(n):\n    return abs(n)\nfirst = helper(-1)\nprint(label)\n"
                              "due = add_working_days(2)\nwhen = datetime.now()\nopened = to_jalali(date.today())")
    assert validate_sources(sources) == []


def test_dmn_entries_are_compiled_as_the_dmn_engine_rewrites_them():
    source = (FIXTURES / "valid" / "classify.dmn").read_text(encoding="utf-8")
    bad = source.replace("<text>&gt;= 50</text>", "<text>&gt;= employees.__class__</text>").replace(
        '<text>"simple"</text>', "<text>open('x')</text>")
    problems = validate_sources({"classify.dmn": bad.encode()})
    assert [(p.element_id, p.message.split(":")[0]) for p in problems] == [
        ("rule_large", "an input entry"), ("rule_small", "an output entry")]
    assert '"__class__" is an invalid attribute name' in problems[0].message
    assert "'open' is not available in scripts" in problems[1].message


def test_the_project_processes_pass_the_sandbox_compiler():
    for folder in ("processes", "examples"):
        problems = validate_sources(read_sources([ROOT / folder]))
        assert [p for p in problems if "refused" in p.message or "instructions" in p.message] == []
