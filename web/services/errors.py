"""Named errors of the service layer; ``web.errors`` maps them to HTTP answers."""
from __future__ import annotations


class ServiceError(Exception):
    """Base class: something the caller asked for cannot be done as asked."""

    status = 400


class NotFound(ServiceError):
    status = 404


class TaskNotFound(NotFound):
    pass


class InstanceNotFound(NotFound):
    pass


class ProcessNotFound(NotFound):
    pass


class UserNotFound(NotFound):
    pass


class ExportNotFound(NotFound):
    """No such export of this user's (another's, expired, or never asked for)."""


class Forbidden(ServiceError):
    status = 403


class NotYourTask(Forbidden):
    pass


class Conflict(ServiceError):
    """Someone else changed the same thing first; reload and try again."""

    status = 409


class TaskAlreadyCompleted(Conflict):
    pass


class DuplicateCase(Conflict):
    """A process that runs once per province and year (etc.) already has that case; ``errors`` per field."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class ConcurrentUpdate(Conflict):
    pass


class InvalidInput(ServiceError):
    status = 422

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class ProcessFailed(ServiceError):
    """The process could not continue with this input (a script, condition or decision failed)."""

    status = 422

    def __init__(self, message: str, element_id: str | None = None) -> None:
        super().__init__(message)
        self.element_id = element_id


class DeploymentRefused(ServiceError):
    status = 422

    def __init__(self, problems: list) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
