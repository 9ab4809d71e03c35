"""The permits register (Form 1): permits written from the steps that grant, renew, amend or cancel them."""
from .kinds import PermitKind, permit_kinds
from .register import record_permit_state, record_permit_task

__all__ = ["PermitKind", "permit_kinds", "record_permit_state", "record_permit_task"]
