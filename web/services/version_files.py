"""Reading the files of a deployed version."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.xmlsafe import XmlError, parse_xml

from ..models import ProcessVersion


def bpmn_trees(version: ProcessVersion) -> Iterator[tuple[str, str, Any]]:
    """(file name, text, parsed root) of each readable .bpmn file of the version, in name order."""
    for name, text in sorted(version.files.items()):
        if not name.lower().endswith(".bpmn"):
            continue
        try:
            yield name, text, parse_xml(name, text.encode("utf-8"))
        except XmlError:
            continue
