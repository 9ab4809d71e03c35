"""Loading, validating and caching sets of BPMN/DMN files.

A *spec set* is what one deployment puts in force: a group of ``.bpmn`` and
``.dmn`` files, identified by the sha256 of their contents. Parsing a set costs
milliseconds, so each set is parsed once per process and kept in memory; the
web layer asks for it by content hash on every request.
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, IntermediateCatchEvent, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from . import timers
from .errors import Problem, ProcessValidationError, UnknownProcess
from .bpmn_meta import called_process_ids, properties
from .validation import lane_roles, validate_sources, validation_warnings
from .xmlsafe import parse_xml


class ClusterflowParser(SpiffBpmnParser):
    """SpiffWorkflow's parser with timer events that read the injected clock."""

    OVERRIDE_PARSER_CLASSES = {
        **SpiffBpmnParser.OVERRIDE_PARSER_CLASSES,
        full_tag("startEvent"): (timers.StartEventParser, StartEvent),
        full_tag("boundaryEvent"): (timers.BoundaryEventParser, BoundaryEvent),
        full_tag("intermediateCatchEvent"): (timers.IntermediateCatchEventParser, IntermediateCatchEvent),
    }


def content_hash(sources: Mapping[str, bytes]) -> str:
    """sha256 over the files' names and bytes, in name order: the identity of a spec set."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(sources[name]).digest())
    return digest.hexdigest()


@dataclass(frozen=True)
class ManualStart:
    """A process people start by hand: who may (the start event's lane role) and with which form."""

    role: str | None
    form: str | None
    # start-data names that, with the process and the province, allow one case only (property ``one_case_per``)
    one_case_per: tuple[str, ...] = ()


@dataclass
class SpecSet:
    """The parsed, ready-to-run specs of one group of files."""

    content_hash: str
    sources: dict[str, bytes]
    # top-level executable process id -> (spec, {called process id: spec})
    processes: dict[str, tuple[Any, dict[str, Any]]] = field(default_factory=dict)
    process_names: dict[str, str] = field(default_factory=dict)
    # process id -> the English name the designer gave (spiffworkflow property name_en), when given
    process_names_en: dict[str, str] = field(default_factory=dict)
    decision_ids: list[str] = field(default_factory=list)
    # message name -> id of the process a message start event of which catches it
    message_starts: dict[str, str] = field(default_factory=dict)
    # message name -> the spiffworkflow properties of the message start event that catches it
    message_start_properties: dict[str, dict[str, str]] = field(default_factory=dict)
    # process id -> how people start it: the role of the none start event's lane, its start form
    manual_starts: dict[str, ManualStart] = field(default_factory=dict)

    def spec_for(self, process_id: str) -> tuple[Any, dict[str, Any]]:
        """The spec and called-process specs of ``process_id``.

        :raise UnknownProcess: the set has no such executable process.
        """
        try:
            return self.processes[process_id]
        except KeyError:
            raise UnknownProcess(f"no process '{process_id}' in this version") from None


class Registry:
    """Validates spec sets and keeps each parsed set once, by content hash.

    ``roles`` and ``forms`` (when given) are the ids lanes and user tasks may
    name; the validator reports any other.
    """

    def __init__(self, roles: Collection[str] | None = None, forms: Collection[str] | None = None) -> None:
        self.roles = set(roles) if roles is not None else None
        self.forms = set(forms) if forms is not None else None
        self._cache: dict[str, SpecSet] = {}
        self._lock = threading.Lock()

    def validate(self, sources: Mapping[str, bytes]) -> list[Problem]:
        """Every problem in the set; empty when it can be deployed."""
        return validate_sources(sources, roles=self.roles, forms=self.forms)

    def warnings(self, sources: Mapping[str, bytes]) -> list[Problem]:
        """What is worth fixing in the set but does not stop its deployment."""
        return validation_warnings(sources)

    def load(self, sources: Mapping[str, bytes], *, validate: bool = True) -> SpecSet:
        """The parsed set for these files, from the cache when it was parsed before.

        :raise ProcessValidationError: with every problem, when the set is not valid.
        """
        key = content_hash(sources)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if validate:
            problems = self.validate(sources)
            if problems:
                raise ProcessValidationError(problems)
        spec_set = parse_spec_set(key, dict(sources))
        with self._lock:
            return self._cache.setdefault(key, spec_set)

    def cached(self, key: str) -> SpecSet | None:
        return self._cache.get(key)


def parse_spec_set(key: str, sources: dict[str, bytes]) -> SpecSet:
    """Parse validated files into specs; lane names are replaced by role ids."""
    parser = ClusterflowParser()
    roles_by_process: dict[str, dict[str, str]] = {}
    called: set[str] = set()
    for name in sorted(sources):
        root = parse_xml(name, sources[name])
        if name.lower().endswith(".dmn"):
            parser.add_dmn_xml(root, filename=name)
        else:
            parser.add_bpmn_xml(root, filename=name)
            roles_by_process.update(lane_roles(root))
            called |= called_process_ids(root)

    spec_set = SpecSet(content_hash=key, sources=sources)
    spec_set.decision_ids = sorted(parser.dmn_parsers)
    try:
        for process_id in parser.get_process_ids():
            process_parser = parser.get_process_parser(process_id)
            if not process_parser.process_executable:
                continue
            spec = parser.get_spec(process_id)
            subprocesses = parser.get_subprocess_specs(process_id)
            for one in [spec, *subprocesses.values()]:
                _lanes_to_roles(one, roles_by_process.get(one.name, {}))
            spec_set.processes[process_id] = (spec, subprocesses)
            for name, props in _start_messages(spec):
                spec_set.message_starts.setdefault(name, process_id)
                spec_set.message_start_properties.setdefault(name, props)
            manual = _manual_start(spec)
            if manual is not None and process_id not in called:  # a called process is not started by hand
                spec_set.manual_starts[process_id] = manual
            spec_set.process_names[process_id] = process_parser.get_name() or process_id
            english = properties(process_parser.node).get("name_en", "").strip()
            if english:
                spec_set.process_names_en[process_id] = english
    except Exception as exc:  # validation ran first; this is a parser gap, still reported precisely
        raise ProcessValidationError([Problem(getattr(exc, "file_name", "") or "", getattr(exc, "line_number", None),
                                              getattr(exc, "id", None), str(exc))]) from exc
    return spec_set


def _start_messages(spec: Any) -> list[tuple[str, dict[str, str]]]:
    found = []
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(task_spec, StartEvent) and isinstance(definition, MessageEventDefinition):
            properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
            found.append((definition.name, dict(properties)))
    return found


def _manual_start(spec: Any) -> ManualStart | None:
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if isinstance(task_spec, StartEvent) and type(definition).__name__ == "NoneEventDefinition":
            properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
            per = tuple(n.strip() for n in str(properties.get("one_case_per") or "").split(",") if n.strip())
            return ManualStart(role=task_spec.lane, form=properties.get("form"), one_case_per=per)
    return None


def _lanes_to_roles(spec: Any, lanes: Mapping[str, str]) -> None:
    # SpiffWorkflow keeps the lane *name* on each task spec; the inbox needs the role id.
    for task_spec in spec.task_specs.values():
        lane = getattr(task_spec, "lane", None)
        if lane is not None:
            task_spec.lane = lanes.get(lane, lane)
