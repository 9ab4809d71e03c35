"""Users, their roles and the provinces they work in."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    display_name: Mapped[str | None] = mapped_column(String(160))
    password_hash: Mapped[str] = mapped_column(String(255))
    # firm representatives (and anyone who signs in by one-time code): the person's national id (کد ملی,
    # 10 digits) and Iranian mobile number (09xxxxxxxxx), both normalised to ASCII digits
    national_id: Mapped[str | None] = mapped_column(String(10), unique=True, index=True)
    mobile: Mapped[str | None] = mapped_column(String(11), unique=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # grows on sign-out, a password change, deactivation and "sign out everywhere": every browser
    # session carries the number it was given at sign-in and ends when the number moves on
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    roles: Mapped[list["UserRole"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    provinces: Mapped[list["UserProvince"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_ids(self) -> set[str]:
        return {r.role for r in self.roles}

    @property
    def province_ids(self) -> set[str]:
        return {p.province for p in self.provinces}


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(80), primary_key=True, index=True)


class UserProvince(db.Model):
    __tablename__ = "user_province"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    province: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
