"""clusterflow's own rules for executable processes: roles, forms and Python code.

Roles come from lanes (a lane's ``role`` property, else its name), forms from a
user task's ``form`` property. Scripts and expressions are compiled, never run,
so a syntax error is found at upload rather than when an applicant reaches it.
"""
from __future__ import annotations

import keyword
import re
from collections.abc import Collection

from lxml import etree

from engine.bpmn_meta import (FLOW_NODES, Document, bpmn_local, effective_lane, extension_element,
                              is_executable, lane_role, lanes, node_lanes, processes,
                              property_elements)
from engine.errors import Problem

# BPMN elements whose text SpiffWorkflow evaluates as a Python expression.
_EXPRESSIONS = {
    "conditionExpression": "condition",
    "timeDate": "timer expression",
    "timeDuration": "timer expression",
    "timeCycle": "timer expression",
    "loopCardinality": "loop cardinality",
    "completionCondition": "completion condition",
    "loopCondition": "loop condition",
    "condition": "event condition",
}
_TIMERS = {"timeDate", "timeDuration", "timeCycle"}
_OWNERS = FLOW_NODES | {"sequenceFlow"}
# An ISO 8601 date or duration written without quotes: it either fails to compile
# with a baffling message or compiles (P14D is a name, R2/P1D a division) and
# fails when the timer starts. Either way the fix is to quote it.
_BARE_ISO = re.compile(r"(R\d*/)?(P(\d|T\d)|\d{4}-\d\d-\d\d)[\w:.+\-/]*")


def convention_problems(doc: Document, *, roles: Collection[str] | None,
                        forms: Collection[str] | None) -> list[Problem]:
    """Problems with the conventions in the executable processes of one BPMN document.

    Role checks run only when ``roles`` is given and form checks only when
    ``forms`` is given; the Python checks always run.
    """
    problems: list[Problem] = []
    for process in processes(doc.root):
        if not is_executable(process):
            continue
        _check_lanes(doc, process, roles, problems)
        by_node = node_lanes(process)
        for element in process.iter():
            local = bpmn_local(element)
            if local is None:
                continue
            if local in ("userTask", "manualTask") and roles is not None:
                if effective_lane(element, process, by_node) is None:
                    problems.append(_at(doc, element, element, f"{_label(local)} is not in any"
                                        " lane, so no role can work on it"))
            if local == "userTask":
                _check_user_task(doc, element, forms, problems)
            elif local == "scriptTask":
                _check_script_task(doc, element, problems)
            elif local in _EXPRESSIONS:
                _check_expression(doc, element, local, problems)
            for extension in ("preScript", "postScript"):
                script = extension_element(element, extension)
                if script is not None and (script.text or "").strip():
                    _check_python(doc, script, element, extension, "exec", problems)
            _check_correlate(doc, element, problems)
    return problems


def _at(doc: Document, located: etree._Element, owner: etree._Element, message: str,
        line_offset: int = 0) -> Problem:
    line = located.sourceline + line_offset if located.sourceline else None
    return Problem(doc.name, line, owner.get("id"), message)


def _label(local: str) -> str:
    return {"userTask": "user task", "manualTask": "manual task"}.get(local, local)


def _check_lanes(doc: Document, process: etree._Element, roles: Collection[str] | None,
                 problems: list[Problem]) -> None:
    seen: dict[str, str | None] = {}
    for lane in lanes(process):
        name, role = lane.get("name"), lane_role(lane)
        if name:
            if name in seen and seen[name] != role:
                problems.append(_at(doc, lane, lane, f"lane '{name}' has role '{role}', but another"
                                    f" lane with this name has role '{seen[name]}'"))
            seen.setdefault(name, role)
        if roles is None:
            continue
        if not name:
            problems.append(_at(doc, lane, lane,
                                "lane has no name (the engine knows lanes by name)"))
        elif role not in roles:
            problems.append(_at(doc, lane, lane,
                                f"lane '{name}' has role '{role}', which is not in the role list"))


def _property(element: etree._Element, name: str) -> etree._Element | None:
    return next((p for p in property_elements(element) if p.get("name") == name), None)


def _check_user_task(doc: Document, task: etree._Element, forms: Collection[str] | None,
                     problems: list[Problem]) -> None:
    form = _property(task, "form")
    form_name = (form.get("value") or "").strip() if form is not None else ""
    if forms is not None:
        if not form_name:
            problems.append(_at(doc, task, task, "user task has no form (property 'form')"))
        elif form_name not in forms:
            problems.append(_at(doc, form, task, f"user task uses form '{form_name}',"
                                " which is not in the form list"))
    due = _property(task, "due")
    if due is not None and due.get("value") is not None:
        problem = _compile_problem(due.get("value") or "", "eval")
        if problem is not None:
            problems.append(_at(doc, due, task, f"property 'due' {problem[1]}"))


def _check_script_task(doc: Document, task: etree._Element, problems: list[Problem]) -> None:
    script = next((c for c in task if bpmn_local(c) == "script"), None)
    if script is None or not (script.text or "").strip():
        problems.append(_at(doc, task, task, "script task has no script"))
    else:
        _check_python(doc, script, task, "script", "exec", problems)


def _check_expression(doc: Document, element: etree._Element, local: str,
                      problems: list[Problem]) -> None:
    if local == "conditionExpression" and element.text is None:
        return  # no condition at all: SpiffWorkflow treats the flow as unconditional
    # Report on the flow, event or activity, not on an inner definition element.
    owner = element.getparent()
    while owner is not None and bpmn_local(owner) not in _OWNERS:
        owner = owner.getparent()
    owner = element if owner is None else owner
    value = (element.text or "").strip()
    if local in _TIMERS and _BARE_ISO.fullmatch(value):
        problems.append(_at(doc, element, owner, f"timer expression {value} must be quoted"
                            f" (\"{value}\"): timer expressions are Python"))
        return
    _check_python(doc, element, owner, _EXPRESSIONS[local], "eval", problems)


def _check_python(doc: Document, located: etree._Element, owner: etree._Element, what: str,
                  mode: str, problems: list[Problem]) -> None:
    problem = _compile_problem(located.text or "", mode)
    if problem is not None:
        problems.append(_at(doc, located, owner, f"{what} {problem[1]}", problem[0] - 1))


def _compile_problem(text: str, mode: str) -> tuple[int, str] | None:
    """``(line inside the text, message)`` if ``text`` does not compile, else None."""
    if not text.strip():
        return 1, "is empty"
    if mode == "eval":
        text = text.lstrip(" \t")  # as eval() does before compiling
    try:
        compile(text, "<bpmn>", mode, dont_inherit=True)
    except SyntaxError as exc:
        kind = "a valid Python expression" if mode == "eval" else "valid Python"
        return exc.lineno or 1, f"is not {kind}: {exc.msg}"
    except ValueError as exc:  # e.g. a NUL character in the source
        return 1, f"is not valid Python: {exc}"
    return None


def _check_correlate(doc: Document, element: etree._Element, problems: list[Problem]) -> None:
    prop = _property(element, "correlate")
    if prop is None:
        return
    for name in (prop.get("value") or "").split(","):
        name = name.strip()
        if not name.isidentifier() or keyword.iskeyword(name):
            problems.append(_at(doc, prop, element, f"property 'correlate': '{name}' is not a"
                                " valid task-data name"))

