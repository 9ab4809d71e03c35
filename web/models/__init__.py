"""SQLAlchemy models: the process store, the inbox projection, history, timers, users."""
from .history import Event
from .instances import MessageWait, ProcessInstance, Timer
from .processes import ProcessDefinition, ProcessVersion
from .security import LoginAttempt
from .tasks import TaskRecord
from .users import User, UserProvince, UserRole

__all__ = [
    "Event", "LoginAttempt", "MessageWait", "ProcessDefinition", "ProcessInstance", "ProcessVersion",
    "TaskRecord", "Timer", "User", "UserProvince", "UserRole",
]
