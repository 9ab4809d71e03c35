"""SQLAlchemy models: the process store, the inbox projection, history, timers, users."""
from .calendar import Closure
from .casework import Attachment, Comment, TaskDraft
from .designs import DesignDraft
from .firms import FirmRepresentation
from .history import Event, StageStay
from .inquiries import Inquiry
from .instances import MessageWait, ProcessInstance, Timer
from .letters import Letter, LetterSequence
from .permits import Permit, PermitRequest
from .portal import (Announcement, JointActionDelivery, JointActionFeedback, JointActionRegistration,
                     SurveyResponse)
from .notices import Notice, NoticePreference
from .processes import ProcessDefinition, ProcessVersion
from .register import Cluster, ClusterRanking, Firm, JointAction, Meeting, Resolution
from .security import LoginAttempt
from .tasks import TaskRecord
from .users import User, UserProvince, UserRole
from .work import Job, WorkerHeartbeat

__all__ = [
    "Attachment", "Closure", "Cluster", "ClusterRanking", "Firm", "JointAction", "Meeting", "Resolution", "Comment", "DesignDraft",
    "Event", "FirmRepresentation", "Inquiry", "Job", "Letter", "LetterSequence", "LoginAttempt", "MessageWait", "Notice", "NoticePreference",
    "Permit", "PermitRequest", "ProcessDefinition", "ProcessInstance", "ProcessVersion", "StageStay",
    "TaskDraft", "TaskRecord", "Timer", "User", "UserProvince", "UserRole", "WorkerHeartbeat",
    "Announcement", "JointActionDelivery", "JointActionFeedback", "JointActionRegistration", "SurveyResponse",
]
