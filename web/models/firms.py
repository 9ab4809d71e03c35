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


class OneTimeCode(db.Model):
    """A sign-in (or registration) code sent by SMS: kept only as a keyed hash, valid until ``expires_at``,
    used at most once, void after too many wrong tries. Each request is a row, so requests are throttled per
    mobile and per address by counting rows."""

    __tablename__ = "one_time_code"
    __table_args__ = (
        Index("ix_one_time_code_mobile_created", "mobile", "created_at"),
        Index("ix_one_time_code_address_created", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mobile: Mapped[str] = mapped_column(String(11))
    purpose: Mapped[str] = mapped_column(String(20))          # sign_in | register
    salt: Mapped[str] = mapped_column(String(32))
    code_hash: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
