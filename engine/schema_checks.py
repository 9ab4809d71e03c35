"""XSD validation of BPMN and DMN trees against the schemas SpiffWorkflow ships.

Unlike SpiffWorkflow's BpmnValidator, which stops at the first error, this
collects every error the schema reports, each with its line. The schemas are
built once per process, lazily, from local files only.
"""
from __future__ import annotations

import functools
import os
import threading
from urllib.parse import unquote, urlparse

import SpiffWorkflow
from lxml import etree

from engine.bpmn_meta import BPMN_NS, DMN_NAMESPACES, SPIFF_NS, Document, bpmn
from engine.errors import Problem

_SPIFF_DIR = os.path.dirname(os.path.abspath(SpiffWorkflow.__file__))
_BPMN_XSD_DIR = os.path.join(_SPIFF_DIR, "bpmn", "parser", "schema")
_DMN_XSD_DIR = os.path.join(_SPIFF_DIR, "dmn", "parser", "schema")
_SPIFF_XSD = os.path.join(_SPIFF_DIR, "spiff", "parser", "schema", "spiffworkflow.xsd")
_DMN_XSD = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "DMN.xsd",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "DMN12.xsd",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "DMN13.xsd",
}
_DMN12 = "http://www.omg.org/spec/DMN/20180521/MODEL/"
_DMN12_DI = "http://www.omg.org/spec/DMN/20180521/DMNDI/"
_ALLOWED_DIRS = tuple(os.path.realpath(d) + os.sep for d in
                      (_BPMN_XSD_DIR, _DMN_XSD_DIR, os.path.dirname(_SPIFF_XSD)))
# Long namespace URIs make libxml2's messages unreadable; show the usual prefixes.
_PREFIXES = {
    BPMN_NS: "bpmn:",
    SPIFF_NS: "spiffworkflow:",
    "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi:",
    "http://www.omg.org/spec/DD/20100524/DC": "dc:",
    "http://www.omg.org/spec/DD/20100524/DI": "di:",
    **{ns: "dmn:" for ns in DMN_NAMESPACES},
}


class SchemaLoadError(RuntimeError):
    """A bundled XSD tried to load something that is not a bundled XSD file."""


class _LocalSchemasOnly(etree.Resolver):  # type: ignore[misc]
    """Lets the XSD parser read SpiffWorkflow's schema directories and nothing else."""

    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        path = unquote(urlparse(url).path) if url.startswith("file:") else url
        real = os.path.realpath(path)
        if os.path.isabs(path) and real.startswith(_ALLOWED_DIRS) and os.path.isfile(real):
            return self.resolve_filename(real, context)
        raise SchemaLoadError(f"refusing to load schema resource {url!r}")


class _Schema:
    """An XMLSchema plus a lock: lxml keeps the error log on the schema object."""

    def __init__(self, schema: etree.XMLSchema) -> None:
        self.schema = schema
        self.lock = threading.Lock()

    def errors(self, root: etree._Element) -> list[tuple[int | None, str, str]]:
        with self.lock:
            if self.schema.validate(root):
                return []
            return [(e.line if e.line > 0 else None, e.path or "", e.message)
                    for e in self.schema.error_log]


def _load_xsd(path: str) -> etree._ElementTree:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalSchemasOnly())
    return etree.parse(path, parser)


@functools.cache
def bpmn_schema() -> _Schema:
    """BPMN 2.0 with the spiffworkflow extension schema, as SpiffWorkflow's VALIDATOR."""
    tree = _load_xsd(os.path.join(_BPMN_XSD_DIR, "BPMN20.xsd"))
    tree.getroot().insert(0, etree.Element("{http://www.w3.org/2001/XMLSchema}import",
                                           namespace=SPIFF_NS, schemaLocation=_SPIFF_XSD))
    return _Schema(etree.XMLSchema(tree))


@functools.cache
def dmn_schema(namespace: str) -> _Schema:
    """The DMN schema of one supported DMN version, by its namespace."""
    tree = _load_xsd(os.path.join(_DMN_XSD_DIR, _DMN_XSD[namespace]))
    if namespace == _DMN12:
        _skip_dmn12_diagram(tree.getroot())
    return _Schema(etree.XMLSchema(tree))


def _skip_dmn12_diagram(schema: etree._Element) -> None:
    # SpiffWorkflow 3.2 ships DMN12.xsd importing DMNDI12.xsd, which is really the
    # DI schema, so the DMNDI element cannot be resolved and the schema does not
    # build (SpiffWorkflow's own validator fails the same way). The diagram part
    # does not matter to the engine: accept it unchecked.
    xsd = "{http://www.w3.org/2001/XMLSchema}"
    for element in list(schema.iter(f"{xsd}import", f"{xsd}element")):
        if element.tag == f"{xsd}import" and element.get("namespace") == _DMN12_DI:
            schema.remove(element)
        elif element.get("ref") == "dmndi:DMNDI":
            skip = etree.Element(f"{xsd}any", namespace=_DMN12_DI, processContents="skip",
                                 minOccurs="0")
            element.getparent().replace(element, skip)


def schema_problems(doc: Document) -> list[Problem]:
    """Every schema error of one document, located by line and nearest element id."""
    root = doc.root
    if doc.kind == "bpmn":
        _rename_correlation_expressions(root)
        schema = bpmn_schema()
    else:
        schema = dmn_schema(etree.QName(root).namespace or "")
    return [Problem(doc.name, line, _element_id_at(doc, path, line), _shorten(message))
            for line, path, message in schema.errors(root)]


def _rename_correlation_expressions(root: etree._Element) -> None:
    # bpmn-js writes formalExpression where the schema wants messagePath (same
    # type); SpiffWorkflow's own validator renames it the same way, and its
    # parser reads the first child whatever its tag.
    for retrieval in root.iter(bpmn("correlationPropertyRetrievalExpression")):
        for child in retrieval.iterchildren(bpmn("formalExpression")):
            child.tag = bpmn("messagePath")


def _element_id_at(doc: Document, path: str, line: int | None) -> str | None:
    """The id of the element an error is about, or of its nearest ancestor with one."""
    element = None
    if path:
        nsmap = {k: v for k, v in doc.root.nsmap.items() if k}
        try:
            found = doc.root.getroottree().xpath(path, namespaces=nsmap)
        except etree.XPathError:
            found = []
        if isinstance(found, list) and len(found) == 1 and isinstance(found[0], etree._Element):
            element = found[0]
    if element is None and line is not None:
        element = next((e for e in doc.root.iter() if e.sourceline == line
                        and isinstance(e.tag, str)), None)
    while element is not None:
        element_id = element.get("id")
        if element_id:
            return str(element_id)
        element = element.getparent()
    return None


def _shorten(message: str) -> str:
    for namespace, prefix in _PREFIXES.items():
        message = message.replace("{" + namespace + "}", prefix)
    return message
