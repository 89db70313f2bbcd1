from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cooperatives.models import Cooperative
from app.db.base import Base, Timestamped, UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"  # all of Japra's work
    COOP_OFFICER = "coop_officer"  # only its own cooperative
    VIEWER = "viewer"  # read-only, all of Japra's work


class User(Timestamped, Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'planner', 'coop_officer', 'viewer')", name="role"),
        # An officer without a cooperative would see nothing or, worse, everything.
        CheckConstraint("role <> 'coop_officer' OR cooperative_id IS NOT NULL", name="officer_has_coop"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperative.id", ondelete="RESTRICT"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    cooperative: Mapped[Cooperative | None] = relationship()


class UserSession(Base):
    """A server-side sign-in session: the cookie holds a random token, we keep only its hash."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Every token ends: one copied into a forgotten script or a leaked file stops working by itself.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class SignInFailure(Base):
    """Failed sign-ins in a row for one typed username, for the per-account delay (`app.auth.service`).

    Kept for any name typed, existing or not, so the delay tells nobody whether an account exists. The name is
    stored as the SHA-256 of its normalised form: people type their password into the name field by mistake, and
    that should not sit readable in a table.
    """

    __tablename__ = "sign_in_failure"

    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # pruning finds old rows by it
