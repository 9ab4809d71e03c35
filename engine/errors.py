"""Named errors the engine raises; the web layer maps them to HTTP answers."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a BPMN/DMN file, located as precisely as we can."""

    file: str
    line: int | None
    element_id: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        element = f" {self.element_id}" if self.element_id else ""
        return f"{where}{element}: {self.message}"


class EngineError(Exception):
    """Base class of everything the engine raises on purpose."""


class ProcessValidationError(EngineError):
    """A set of process files has problems; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid process files")


class ScriptError(EngineError):
    """A script or expression was refused by the sandbox or failed while running."""


class ScriptTimeout(ScriptError):
    """A script or expression ran longer than the sandbox allows."""


class TaskError(EngineError):
    """Running the workflow failed at a task (script error, no gateway condition, ...).

    ``task_spec`` and ``element_id`` name the BPMN element; the workflow is left
    unchanged by the caller, who reloads it from storage.
    """

    def __init__(self, message: str, *, element_id: str | None = None, task_name: str | None = None) -> None:
        self.element_id = element_id
        self.task_name = task_name
        super().__init__(message)


class UnknownProcess(EngineError):
    """No deployed process has this id."""


class TaskNotReady(EngineError):
    """The task does not exist in this workflow or is not ready to be completed."""


class InvalidTaskData(EngineError):
    """Task data is not JSON-serializable (or otherwise not acceptable)."""


class MessageNotDeliverable(EngineError):
    """No waiting catch event in the instance matches the message."""
