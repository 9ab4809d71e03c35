"""Parse untrusted XML (uploaded BPMN/DMN) without letting it reach anything else.

Uploaded process files come from designers' browsers and are treated as hostile
input: no DTDs, so no entity expansion ("billion laughs") and no external
entities; no network; no files other than the bytes handed in; bounded size.
"""
from __future__ import annotations

import codecs
import re

from lxml import etree

from engine.errors import Problem

MAX_FILE_BYTES = 5 * 1024 * 1024

# The prolog that may precede a DOCTYPE: XML declaration, comments, processing
# instructions and whitespace. Used to find a DOCTYPE before libxml2 sees it.
# Each alternative can match in one way only, so a failed match cannot backtrack
# exponentially on a crafted prolog.
_DOCTYPE_AFTER_PROLOG = re.compile(
    rb"\A(?:\s|<\?(?:[^?]|\?(?!>))*\?>|<!--(?:[^-]|-(?!->))*-->)*<!DOCTYPE")
_PROLOG_SCAN_BYTES = 1024 * 1024
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class XmlError(Exception):
    """The bytes are not acceptable XML; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


def parse_xml(name: str, data: bytes) -> etree._Element:
    """Parse ``data`` safely and return the root element.

    ``name`` is only used to label problems. Refuses documents larger than
    MAX_FILE_BYTES, any document with a DOCTYPE (and so any entity
    declaration), and malformed XML.

    :raise XmlError: with a Problem carrying the line where it is known.
    """
    if isinstance(data, str):  # tolerated for callers holding text; bytes are the contract
        data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise XmlError(Problem(name, None, None,
                               f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"))
    doctype_line = _doctype_line(data)
    if doctype_line is not None:
        raise _doctype_refused(name, doctype_line)
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        late_doctype = _find_doctype(data)
        if late_doctype is not None:  # e.g. libxml2 stopped an entity bomb: say why it is refused
            raise _doctype_refused(name, late_doctype) from None
        line = exc.lineno if exc.lineno and exc.lineno > 0 else None
        message = _POSITION_SUFFIX.sub("", exc.msg or "malformed XML")
        raise XmlError(Problem(name, line, None, f"malformed XML: {message}")) from None
    except ValueError as exc:  # e.g. lxml refusing an encoding it cannot handle
        raise XmlError(Problem(name, None, None, f"malformed XML: {exc}")) from None
    if root is None:
        raise XmlError(Problem(name, None, None, "malformed XML: document is empty"))
    # Second line of defence for encodings the byte scan cannot read: the parser
    # has not expanded or fetched anything (see _safe_parser), but refuse anyway.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_refused(name, _find_doctype(data) or 1)
    return root


def _safe_parser() -> etree.XMLParser:
    # A fresh parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def _doctype_refused(name: str, line: int) -> XmlError:
    return XmlError(Problem(name, line, None, "DOCTYPE/entity declarations are not allowed"))


def _doctype_line(data: bytes) -> int | None:
    """The line of a DOCTYPE in the prolog, found without parsing the document."""
    text = data
    if data.startswith(_WIDE_BOMS):
        # UTF-16/32: look at the prolog as UTF-8 so the byte pattern applies.
        try:
            text = data[:65536].decode("utf-32" if data.startswith(_WIDE_BOMS[:2]) else "utf-16",
                                       errors="ignore").encode("utf-8")
        except LookupError:
            return None
    elif data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8):]
    match = _DOCTYPE_AFTER_PROLOG.match(text[:_PROLOG_SCAN_BYTES])
    if match is None:
        return None
    return text.count(b"\n", 0, match.end()) + 1


def _find_doctype(data: bytes) -> int | None:
    """The line of a DOCTYPE anywhere in ASCII-compatible bytes, for the slow path."""
    at = data.find(b"<!DOCTYPE")
    return None if at < 0 else data.count(b"\n", 0, at) + 1
