"""The BPMN/DMN validator: every check, on small fixtures, with the exact Problem."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from engine.bpmn_meta import lane_roles
from engine.errors import Problem
from engine.schema_checks import SchemaLoadError, _LocalSchemasOnly
from engine.registry import Registry
from engine.validation import read_sources, validate_sources, validation_warnings
from engine.xmlsafe import MAX_FILE_BYTES, XmlError, parse_xml

FIXTURES = Path(__file__).parent / "fixtures" / "validation"
VALID = ["valid/classify.dmn", "valid/legal_check.bpmn", "valid/permit.bpmn"]
ROLES = {"clerk", "Committee", "Legal"}
FORMS = {"permit_review", "committee_vote", "legal_review"}
DOCTYPE_REFUSED = "DOCTYPE/entity declarations are not allowed"


def load(*names: str) -> dict[str, bytes]:
    """Sources named by their path under the fixtures directory."""
    return {name: (FIXTURES / name).read_bytes() for name in names}


def validate(*names: str, **kwargs: object) -> list[Problem]:
    return validate_sources(load(*names), **kwargs)


# --- a valid set -------------------------------------------------------------

def test_valid_multi_file_set_has_no_problems() -> None:
    assert validate(*VALID, roles=ROLES, forms=FORMS) == []


def test_valid_set_read_from_its_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    sources = read_sources(["valid"])
    assert list(sources) == VALID
    assert validate_sources(sources, roles=ROLES, forms=FORMS) == []


def test_the_called_process_and_decision_must_be_in_the_set() -> None:
    assert validate("valid/permit.bpmn", roles=ROLES, forms=FORMS) == [
        Problem("valid/permit.bpmn", 38, "classify", "calledDecisionId 'classify_applicant' is not"
                " a decision in any DMN file of this set"),
        Problem("valid/permit.bpmn", 43, "legal_check", "calledElement 'legal_check_process' is"
                " not a process in this set of files"),
    ]


# --- 1. safe XML -------------------------------------------------------------

def test_billion_laughs_is_refused() -> None:
    problems = validate("xml/billion_laughs.bpmn")     # an expanded bomb would never come back
    assert problems == [Problem("xml/billion_laughs.bpmn", 2, None, DOCTYPE_REFUSED)]


def test_external_entity_is_refused() -> None:
    assert validate("xml/external_entity.bpmn") == [
        Problem("xml/external_entity.bpmn", 3, None, DOCTYPE_REFUSED)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_external_entity_target_is_never_opened(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes, so any attempt to
    # read the entity would hang the validator instead of returning.
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    data = (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "' + fifo.as_uri().encode()
            + b'">]>\n<d>&x;</d>')
    result: list[list[Problem]] = []
    worker = threading.Thread(target=lambda: result.append(validate_sources({"x.bpmn": data})),
                              daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # unblock the reader so the test process can exit
        with open(fifo, "wb"):
            pass
        pytest.fail("the validator tried to read the external entity")
    assert result == [[Problem("x.bpmn", 2, None, DOCTYPE_REFUSED)]]


def test_doctype_is_refused_even_after_a_long_prolog() -> None:
    # Past the byte scan of the prolog, the parser still expands nothing and the
    # parsed document's DTD is refused.
    bomb = (FIXTURES / "xml/billion_laughs.bpmn").read_bytes()
    declaration, rest = bomb.split(b"\n", 1)
    data = declaration + b"\n<!-- " + b"x" * (1024 * 1024 + 10) + b" -->\n" + rest
    problems = validate_sources({"late.bpmn": data})   # an expanded bomb would never come back
    assert problems == [Problem("late.bpmn", 3, None, DOCTYPE_REFUSED)]


def test_doctype_in_utf16_is_refused() -> None:
    text = (FIXTURES / "xml/external_entity.bpmn").read_text().replace("UTF-8", "UTF-16")
    assert validate_sources({"wide.bpmn": text.encode("utf-16")}) == [
        Problem("wide.bpmn", 3, None, DOCTYPE_REFUSED)]


def test_malformed_xml_gives_the_parser_message_and_line() -> None:
    assert validate("xml/malformed.bpmn") == [
        Problem("xml/malformed.bpmn", 5, None,
                "malformed XML: Opening and ending tag mismatch: startEvent line 4 and process")]


def test_oversized_file_is_refused_unparsed() -> None:
    data = b"<a>" + b" " * MAX_FILE_BYTES + b"</a>"
    assert validate_sources({"huge.bpmn": data}) == [
        Problem("huge.bpmn", None, None, "file is larger than 5 MiB")]


def test_parse_xml_raises_xml_error_with_the_problem() -> None:
    with pytest.raises(XmlError) as caught:
        parse_xml("bad.bpmn", b"<a>\n<b></a>")
    assert caught.value.problem == Problem(
        "bad.bpmn", 2, None, "malformed XML: Opening and ending tag mismatch: b line 2 and a")
    assert parse_xml("ok.bpmn", b"<a><b/></a>").tag == "a"


def test_a_file_that_is_not_bpmn_or_dmn() -> None:
    assert validate("xml/not_bpmn.bpmn") == [
        Problem("xml/not_bpmn.bpmn", 2, None, "not a BPMN 2.0 or DMN 1.1-1.3 file (the root"
                " element is svg in namespace http://www.w3.org/2000/svg)")]


def test_a_file_name_must_match_its_content() -> None:
    assert validate_sources({"classify.bpmn": (FIXTURES / "valid/classify.dmn").read_bytes()}) == [
        Problem("classify.bpmn", 2, None, "this is a DMN file, but its name ends in .bpmn")]


def test_other_files_go_on_after_one_fails() -> None:
    problems = validate("xml/malformed.bpmn", "refs/missing_called.bpmn")
    assert [(p.file, p.line) for p in problems] == [("xml/malformed.bpmn", 5),
                                                    ("refs/missing_called.bpmn", 5)]


@pytest.mark.parametrize("data", [b"", b"\x00\xff\xfe", "سلام", b"<a", b"<?xml version='1.0'"
                                  b" encoding='no-such-codec'?><a/>", b"<definitions/>"])
def test_garbage_gives_problems_not_exceptions(data: bytes) -> None:
    problems = validate_sources({"junk.bpmn": data})
    assert problems and all(p.file == "junk.bpmn" and p.message for p in problems)


# --- 2. schema ---------------------------------------------------------------

def test_every_schema_error_is_reported_and_later_checks_skipped() -> None:
    # The user task has no lane and no form either, but a file that fails the
    # schema is not checked further.
    assert validate("schema/schema_errors.bpmn", roles=ROLES, forms=FORMS) == [
        Problem("schema/schema_errors.bpmn", 5, "review",
                "Element 'bpmn:userTask', attribute 'priority': The attribute 'priority' is not"
                " allowed."),
        Problem("schema/schema_errors.bpmn", 9, "end",
                "Element 'spiffworkflow:propery': This element is not expected. Expected is"
                " ( spiffworkflow:property )."),
    ]


def test_dmn_schema_error() -> None:
    assert validate("schema/bad_table.dmn") == [
        Problem("schema/bad_table.dmn", 4, "bad_table_table",
                "Element 'dmn:decisionTable', attribute 'hitPolicy': [facet 'enumeration'] The"
                " value 'SOMETIMES' is not an element of the set {'UNIQUE', 'FIRST', 'PRIORITY',"
                " 'ANY', 'COLLECT', 'RULE ORDER', 'OUTPUT ORDER'}.")]


@pytest.mark.parametrize("namespace", [b"http://www.omg.org/spec/DMN/20151101/dmn.xsd",
                                       b"http://www.omg.org/spec/DMN/20180521/MODEL/"])
def test_older_dmn_versions_are_schema_checked(namespace: bytes) -> None:
    # SpiffWorkflow's own DMN 1.2 schema does not build; ours must.
    good = (FIXTURES / "valid/classify.dmn").read_bytes().replace(
        b"https://www.omg.org/spec/DMN/20191111/MODEL/", namespace)
    assert validate_sources({"old.dmn": good}) == []
    bad = good.replace(b'hitPolicy="FIRST"', b'hitPolicy="NEVER"')
    assert [(p.line, p.element_id) for p in validate_sources({"old.dmn": bad})] == [
        (4, "classify_table")]


@pytest.mark.parametrize("url", ["http://www.omg.org/spec/BPMN/20100524/Semantic.xsd",
                                 "file:///etc/passwd", "/etc/passwd", "Semantic.xsd"])
def test_schemas_load_from_bundled_files_only(url: str) -> None:
    with pytest.raises(SchemaLoadError):
        _LocalSchemasOnly().resolve(url, None, None)


# --- 4. references -----------------------------------------------------------

def test_references_that_do_not_resolve() -> None:
    name = "refs/broken_refs.bpmn"
    assert validate(name) == [
        Problem(name, 6, "gw_choice", "default flow 'flow_gone' does not exist"),
        Problem(name, 8, "too_late", "attachedToRef 'ghost_task' does not exist"),
        Problem(name, 14, "wait_letter",
                "messageRef 'msg_unknown' is not a bpmn:message in this file"),
        Problem(name, 16, "send_reply",
                "messageRef 'msg_missing' is not a bpmn:message in this file"),
        Problem(name, 20, "end", "spiffworkflow:property needs both a name and a value"),
        Problem(name, 25, "flow_2", "targetRef 'wrok' does not exist"),
        Problem(name, 26, "flow_3", "sourceRef 'wrk' does not exist"),
        Problem(name, 32, "inner_flow",
                "targetRef 'end' is not a flow element of the same process or sub-process"),
    ]


def test_missing_called_process() -> None:
    # Reported once, by the reference check; SpiffWorkflow's vaguer report of the
    # same fault is not added.
    assert validate("refs/missing_called.bpmn") == [
        Problem("refs/missing_called.bpmn", 5, "call_legal",
                "calledElement 'legal_check_process' is not a process in this set of files")]


def test_a_caller_of_a_broken_process_is_not_blamed_for_it() -> None:
    # SpiffWorkflow would fail on the caller too, in vaguer words; only the
    # broken file's own problems are reported.
    caller = (FIXTURES / "refs/missing_called.bpmn").read_bytes().replace(
        b'calledElement="legal_check_process"', b'calledElement="broken_refs_process"')
    sources = {"caller.bpmn": caller, **load("refs/broken_refs.bpmn")}
    assert {p.file for p in validate_sources(sources)} == {"refs/broken_refs.bpmn"}


def test_called_process_found_in_another_file() -> None:
    assert validate("refs/missing_called.bpmn", "valid/legal_check.bpmn") == []


def test_missing_decision() -> None:
    name = "refs/missing_decision.bpmn"
    assert validate(name, "valid/classify.dmn") == [
        Problem(name, 7, "decide",
                "calledDecisionId 'classify_applicantt' is not a decision in any DMN file"
                " of this set"),
        Problem(name, 10, "decide_nothing",
                "business rule task has no spiffworkflow:calledDecisionId"),
    ]


# --- 5. conventions ----------------------------------------------------------

def test_roles_and_forms() -> None:
    name = "conventions/roles_forms.bpmn"
    assert validate(name, roles={"clerk"}, forms={"permit_review"}) == [
        Problem(name, 14, "lane_inspector",
                "lane 'Inspector' has role 'Inspector', which is not in the role list"),
        Problem(name, 22, "fill_in",
                "user task uses form 'permit_reveiw', which is not in the form list"),
        Problem(name, 26, "inspect", "user task has no form (property 'form')"),
        Problem(name, 27, "sign", "manual task is not in any lane, so no role can work on it"),
    ]


def test_roles_and_forms_are_only_checked_against_given_lists() -> None:
    assert validate("conventions/roles_forms.bpmn") == []


def test_scripts_and_expressions_must_be_python() -> None:
    name = "conventions/python.bpmn"
    assert validate(name) == [
        Problem(name, 9, "review", "property 'due' is not a valid Python expression:"
                " '(' was never closed"),
        Problem(name, 11, "review", "preScript is not valid Python: invalid syntax"),
        # the fourth line of the script, which starts on line 15
        Problem(name, 18, "compute", "script is not valid Python: unindent does not match any"
                " outer indentation level"),
        Problem(name, 20, "nothing", "script task has no script"),
        Problem(name, 25, "vote", "completion condition is not a valid Python expression:"
                " invalid syntax"),
        Problem(name, 31, "wait_payment",
                "property 'correlate': 'payment-ref' is not a valid task-data name"),
        Problem(name, 38, "wait_a_week",
                'timer expression P7D must be quoted ("P7D"): timer expressions are Python'),
        Problem(name, 43, "wait_until", "timer expression 2026-03-21T08:00:00 must be quoted"
                ' ("2026-03-21T08:00:00"): timer expressions are Python'),
        Problem(name, 52, "flow_large",
                "condition is not a valid Python expression: invalid syntax"),
    ]


def test_lane_roles() -> None:
    root = parse_xml("permit.bpmn", (FIXTURES / "valid/permit.bpmn").read_bytes())
    assert lane_roles(root) == {"permit_application": {"Clerk": "clerk", "Committee": "Committee"}}


# --- 6. executability --------------------------------------------------------

def test_non_executable_process() -> None:
    name = "executability/non_executable.bpmn"
    assert validate(name) == [
        Problem(name, None, None, "no executable process or decision in this file"),
        Problem(name, 3, "sketch",
                "process 'sketch' is not executable (isExecutable=\"true\" is needed)"),
    ]


def test_process_without_is_executable_is_executable_with_a_warning() -> None:
    # As SpiffWorkflow reads it: the registry and the validator agree.
    name = "executability/missing_flag.bpmn"
    sources = load(name)
    assert validate_sources(sources) == []
    assert validation_warnings(sources) == [
        Problem(name, 3, "unflagged", "process 'unflagged' has no isExecutable attribute; it is taken as"
                " executable (write isExecutable=\"true\" to say so)")]
    assert list(Registry().load(sources).processes) == ["unflagged"]
    assert validation_warnings(load("executability/pools.bpmn")) == []


def test_pools_without_process_and_empty_processes_are_fine() -> None:
    assert validate("executability/pools.bpmn") == []


def test_dmn_without_decision() -> None:
    assert validate("executability/no_decision.dmn") == [
        Problem("executability/no_decision.dmn", None, None,
                "no executable process or decision in this file")]


def test_dmn_with_two_decisions() -> None:
    second = b"""  <decision id="second" name="Second">
    <decisionTable id="second_table">
      <output id="second_output" name="x" typeRef="string" />
    </decisionTable>
  </decision>
</definitions>"""
    data = (FIXTURES / "valid/classify.dmn").read_bytes().replace(b"</definitions>", second)
    assert validate_sources({"two.dmn": data}) == [
        Problem("two.dmn", 29, "second", "the engine reads one decision per DMN file; move this"
                " decision to a file of its own")]


# --- 7. duplicates -----------------------------------------------------------

def test_duplicate_process_and_decision_ids() -> None:
    assert validate("duplicates/classify.dmn", "duplicates/classify_again.dmn",
                    "duplicates/first.bpmn", "duplicates/second.bpmn") == [
        Problem("duplicates/classify_again.dmn", 3, "classify_applicant",
                "decision 'classify_applicant' is also defined in duplicates/classify.dmn"),
        Problem("duplicates/second.bpmn", 3, "permit_application",
                "process 'permit_application' is also defined in duplicates/first.bpmn"),
    ]


# --- 3. SpiffWorkflow's parser -----------------------------------------------

def test_spiff_parser_problems_are_located_and_reworded() -> None:
    assert validate("spiff/data_store.bpmn", "spiff/no_condition.bpmn", "spiff/no_start.bpmn",
                    "spiff/two_outgoing.bpmn", "spiff/unsupported.bpmn") == [
        Problem("spiff/data_store.bpmn", 3, "archive",
                "data store 'Archive' is not supported by the engine"),
        Problem("spiff/no_condition.bpmn", 12, "flow_b",
                "sequence flow leaves a gateway without a condition and is not its default flow"),
        Problem("spiff/no_start.bpmn", 3, "startless", "process has no start event"),
        Problem("spiff/two_outgoing.bpmn", 5, "prepare",
                "more than one sequence flow leaves this element; split the flow with a gateway"),
        Problem("spiff/unsupported.bpmn", 5, "gw_complex", "bpmn:complexGateway is not supported by"
                " the engine"),
    ]


# --- read_sources ------------------------------------------------------------

def test_read_sources_names_files_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    sources = read_sources(["spiff/no_start.bpmn", "refs", "xml/not_bpmn.bpmn"])
    assert list(sources) == ["refs/broken_refs.bpmn", "refs/missing_called.bpmn",
                             "refs/missing_decision.bpmn", "spiff/no_start.bpmn",
                             "xml/not_bpmn.bpmn"]
    assert sources["spiff/no_start.bpmn"] == (FIXTURES / "spiff/no_start.bpmn").read_bytes()
    with pytest.raises(FileNotFoundError):
        read_sources(["no/such/dir"])


def test_read_sources_skips_other_files_and_caps_size(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.dmn").write_bytes(b"<x/>")
    (tmp_path / "notes.txt").write_bytes(b"not a process")
    (tmp_path / "big.bpmn").write_bytes(b" " * (MAX_FILE_BYTES + 100))
    sources = read_sources([tmp_path])
    assert sorted(Path(n).relative_to(tmp_path).as_posix() for n in sources) == ["big.bpmn",
                                                                               "sub/a.dmn"]
    assert len(sources[(tmp_path / "big.bpmn").as_posix()]) == MAX_FILE_BYTES + 1


# --- the BPMN MIWG reference models -----------------------------------------

def _miwg_dir() -> Path:
    configured = os.environ.get("CLUSTERFLOW_MIWG_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance" / "miwg"


def _miwg_params() -> list[object]:
    directory = _miwg_dir()
    files = sorted(directory.glob("*.bpmn")) if directory.is_dir() else []
    if not files:
        reason = (f"MIWG reference models not found in {directory}"
                  " (set CLUSTERFLOW_MIWG_DIR to their directory)")
        return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="miwg-missing")]
    return [pytest.param(path, id=path.name) for path in files]


@pytest.mark.parametrize("path", _miwg_params())
def test_miwg_reference_model_is_read_without_crashing(path: Path) -> None:
    problems = validate_sources({path.name: path.read_bytes()})
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.file == path.name and problem.message
        assert problem.line is None or problem.line > 0
        # A check that crashed is turned into a problem; that is a bug here.
        assert not problem.message.startswith("the validator failed"), str(problem)
