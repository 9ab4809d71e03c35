"""Who acts for a firm: the people (users with a national id and a mobile) linked to firms of the register."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime

REPRESENTATION_STATUSES = ("invited", "pending", "confirmed", "revoked")


class FirmRepresentation(db.Model):
    """A person acting for a firm. ``invited``: the provincial company invited them (becomes ``confirmed`` when
    they first sign in); ``pending``: they registered themselves and wait for the cluster expert's confirmation;
    ``revoked``: no longer. Only ``confirmed`` rows give access (``Actor.firms``)."""

    __tablename__ = "firm_representation"
    __table_args__ = (
        UniqueConstraint("user_id", "firm_id"),
        Index("ix_firm_representation_firm_status", "firm_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    invited_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
