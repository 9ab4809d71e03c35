"""SQLAlchemy models: the process store, the inbox projection, history, timers, users."""
from .calendar import Closure
from .casework import Attachment, Comment, TaskDraft
from .designs import DesignDraft
from .history import Event
from .instances import MessageWait, ProcessInstance, Timer
from .processes import ProcessDefinition, ProcessVersion
from .register import Cluster, ClusterRanking, Firm, JointAction, Meeting, Resolution
from .security import LoginAttempt
from .tasks import TaskRecord
from .users import User, UserProvince, UserRole

__all__ = [
    "Attachment", "Closure", "Cluster", "ClusterRanking", "Firm", "JointAction", "Meeting", "Resolution", "Comment", "DesignDraft", "Event", "LoginAttempt", "MessageWait", "ProcessDefinition", "ProcessInstance", "ProcessVersion",
    "TaskDraft", "TaskRecord", "Timer", "User", "UserProvince", "UserRole",
]
