"""Every script and expression of a BPMN/DMN file, compiled as the sandbox will compile it.

What the sandbox refuses at run time (``import time``, ``x.__class__``, ``open(...)``, a
``with`` block, a syntax error) is a validation problem at file:line element, so that a
designer learns of it before deploying, not from a failed case. Covered: script tasks,
pre- and post-scripts, gateway and conditional-event conditions, timer expressions,
``due``/``assignee`` properties, multi-instance and loop expressions, message payloads
and correlation expressions, DMN input expressions, input entries (as SpiffWorkflow's DMN
engine rewrites them) and output entries, and the Jinja syntax of task instructions.

Calling a Python builtin the sandbox does not offer (``open``, ``getattr``, ``type``) and
that the script does not define is reported too: task data can never hold a function.
"""
from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterator

from jinja2 import TemplateSyntaxError
from lxml import etree

from .bpmn_meta import FLOW_NODES, Document, bpmn, bpmn_local, property_elements, spiff
from .errors import Problem, ScriptError
from .instructions import compile_instructions
from .sandbox import compile_script
from .sandbox_guards import script_builtins
from .script_helpers import HELPER_NAMES

_EVAL_TAGS = [bpmn(tag) for tag in ("conditionExpression", "condition", "timeDuration", "timeDate", "timeCycle",
                                    "loopCardinality", "completionCondition", "loopCondition")]
_EXEC_TAGS = [bpmn("script"), spiff("preScript"), spiff("postScript")]
_EXPRESSION_PROPERTIES = {"due", "assignee"}
_LINE = re.compile(r"Line (\d+)")
# As SpiffWorkflow's DMN engine: a "?" outside quotes stands for the input value.
_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def script_problems(doc: Document) -> list[Problem]:
    """Every script, expression and instruction template of ``doc`` the sandbox would refuse."""
    found = _bpmn_sources(doc.root) if doc.kind == "bpmn" else _dmn_sources(doc.root)
    problems = []
    for element, source, mode, what in found:
        if doc.kind == "bpmn" and mode != "template" and not _parses(source, mode):
            continue  # engine.convention_checks reports BPMN syntax errors, in plainer words
        message = _refusal(source, mode) if mode != "template" else _template_refusal(source)
        if message is not None:
            problems.append(_at(doc, element, source, mode, f"{what}: {message}"))
    return problems


def _bpmn_sources(root: etree._Element) -> Iterator[tuple[etree._Element, str, str, str]]:
    for element in root.iter(*_EXEC_TAGS):
        if (element.text or "").strip():
            yield element, element.text or "", "exec", _name(element)
    for element in root.iter(*_EVAL_TAGS):
        if (element.text or "").strip():
            yield element, element.text or "", "eval", _name(element)
    for element in root.iter(spiff("messagePayload"), bpmn("messagePath")):
        if (element.text or "").strip():
            yield element, element.text or "", "eval", _name(element)
    for flow_node in root.iter():
        if bpmn_local(flow_node) not in FLOW_NODES:
            continue
        for prop in property_elements(flow_node):
            if prop.get("name") in _EXPRESSION_PROPERTIES and (prop.get("value") or "").strip():
                yield prop, prop.get("value") or "", "eval", f"the {prop.get('name')} property"
    for element in root.iter(spiff("instructionsForEndUser")):
        if (element.text or "").strip():
            yield element, element.text or "", "template", "the instructions"


def _dmn_sources(root: etree._Element) -> Iterator[tuple[etree._Element, str, str, str]]:
    for table in (e for e in root.iter() if _local(e) == "decisionTable"):
        inputs = [_text_of(i, "inputExpression") for i in table if _local(i) == "input"]
        for rule in (r for r in table if _local(r) == "rule"):
            entries = [e for e in rule if _local(e) == "inputEntry"]
            for entry, input_expression in zip(entries, inputs):
                text = _text_of(entry, None)
                if text is None or not text.strip() or text.strip() == "-" or input_expression is None:
                    continue
                yield entry, _dmn_condition(input_expression, text), "eval", "an input entry"
            for entry in (e for e in rule if _local(e) == "outputEntry"):
                text = _text_of(entry, None)
                if text is not None and text.strip():
                    yield entry, text, "eval", "an output entry"
        for put in (i for i in table if _local(i) == "input"):
            text = _text_of(put, "inputExpression")
            if text is not None and text.strip():
                yield put, text, "eval", "an input expression"


def _parses(source: str, mode: str) -> bool:
    try:
        ast.parse(source.strip() if mode == "eval" else source, mode="eval" if mode == "eval" else "exec")
    except (SyntaxError, ValueError):
        return False
    return True


def _dmn_condition(input_expression: str, entry: str) -> str:
    """The expression SpiffWorkflow's DMN engine evaluates for ``entry`` of an input."""
    match = _QUESTION.sub("dmninputexpr", entry)
    if "dmninputexpr" in match:
        return match
    try:
        ast.parse(entry)
        return f"({input_expression}) == ({entry})"
    except SyntaxError:
        return input_expression + entry  # "> 5", "in ('a', 'b')": an operator continues the input


def _refusal(source: str, mode: str) -> str | None:
    try:
        compile_script(source, "eval" if mode == "eval" else "exec")
    except ScriptError as error:
        return str(error)
    unavailable = _unavailable_calls(source, mode)
    if unavailable:
        name, line = unavailable
        return f"{'Expression' if mode == 'eval' else 'Script'} refused: Line {line}: '{name}' is not available in scripts"
    return None


_OFFERED = frozenset(script_builtins({})) | HELPER_NAMES | {"print"}  # print() is compiled to a collector


def _unavailable_calls(source: str, mode: str) -> tuple[str, int] | None:
    tree = ast.parse(source.strip() if mode == "eval" else source, mode="eval" if mode == "eval" else "exec")
    defined = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    defined |= {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
    defined |= {arg.arg for node in ast.walk(tree) if isinstance(node, ast.arguments)
                for arg in (*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg) if arg}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if hasattr(builtins, name) and name not in _OFFERED and name not in defined:
                return name, node.lineno
    return None


def _template_refusal(source: str) -> str | None:
    try:
        compile_instructions(source)
    except TemplateSyntaxError as error:
        return f"Line {error.lineno}: TemplateSyntaxError: {error.message}"
    return None


def _at(doc: Document, element: etree._Element, source: str, mode: str, message: str) -> Problem:
    """The problem at the file line of the script's line, on the element the script belongs to."""
    line = element.sourceline
    match = _LINE.search(message)
    if match and line is not None and mode != "eval" and element.tag != spiff("property"):
        line += int(match.group(1)) - 1  # the text starts on the element's line
    return Problem(doc.name, line, _owner_id(element), message)


def _owner_id(element: etree._Element) -> str | None:
    current: etree._Element | None = element
    while current is not None:
        if bpmn_local(current) in FLOW_NODES or bpmn_local(current) == "sequenceFlow" or _local(current) in (
                "rule", "input", "decision"):
            return current.get("id")
        current = current.getparent()
    return element.get("id")


def _name(element: etree._Element) -> str:
    local = etree.QName(element).localname
    return {"script": "the script", "preScript": "the pre-script", "postScript": "the post-script",
            "conditionExpression": "the condition", "condition": "the condition",
            "timeDuration": "the timer", "timeDate": "the timer", "timeCycle": "the timer",
            "loopCardinality": "the loop cardinality", "completionCondition": "the completion condition",
            "loopCondition": "the loop condition", "messagePayload": "the message payload",
            "messagePath": "the correlation expression"}.get(local, local)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _text_of(element: etree._Element, child: str | None) -> str | None:
    holder = element
    if child is not None:
        holder = next((c for c in element if _local(c) == child), None)
        if holder is None:
            return None
    text = next((c for c in holder if _local(c) == "text"), None)
    return text.text if text is not None else None
