"""Users, sign-in sessions and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.identity import CurrentUser
from app.auth.models import ApiToken, Role, User, UserSession
from app.auth.passwords import MIN_LENGTH, hash_password, needs_rehash, verify_password
from app.cooperatives.models import Cooperative
from app.db.base import utcnow
from app.errors import Invalid

TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class UserError(Invalid):
    """A user-facing problem with an account or a token; the message is a translatable msgid with fields."""


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; argon2 is for low-entropy passwords.
    return hashlib.sha256(token.encode()).hexdigest()


def identity(user: User) -> CurrentUser:
    return CurrentUser(user.id, user.username, user.display_name, Role(user.role), user.cooperative_id)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    cooperative_slug: str | None = None,
    display_name: str | None = None,
    actor: object = None,
) -> User:
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise UserError("Username must be 2-64 lowercase letters, digits, dots, dashes or underscores.")
    try:
        role_value = Role(role)
    except ValueError:
        raise UserError("Unknown role {role}; choose one of {roles}.", role=role,
                        roles=", ".join(r.value for r in Role)) from None
    if len(password) < MIN_LENGTH:
        raise UserError("The password must be at least {n} characters long.", n=MIN_LENGTH)
    cooperative = None
    if cooperative_slug:
        cooperative = session.scalar(select(Cooperative).where(Cooperative.slug == cooperative_slug))
        if cooperative is None:
            raise UserError("No cooperative with the slug {slug}.", slug=cooperative_slug)
    if role_value == Role.COOP_OFFICER and cooperative is None:
        raise UserError("A cooperative officer needs --cooperative.")
    if session.scalar(select(User.id).where(User.username == username)):
        raise UserError("The username {username} is taken.", username=username)
    user = User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role_value.value,
        cooperative=cooperative,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.create", entity_type="user", entity_id=user.id,
                 cooperative_id=user.cooperative_id,
                 changes={"username": username, "role": role_value.value,
                          "cooperative": cooperative.slug if cooperative else None})
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The user if the password is right and the account active; None otherwise, with no hint why."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    ok = verify_password(user.password_hash if user else None, password)
    if not (ok and user and user.is_active):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def start_session(session: Session, user: User, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.execute(delete(UserSession).where(UserSession.expires_at < now))
    session.add(UserSession(token_hash=_digest(token), user_id=user.id, expires_at=now + timedelta(hours=hours)))
    return token


def end_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == _digest(token)))


def user_for_session(session: Session, token: str) -> CurrentUser | None:
    row = session.execute(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == _digest(token), UserSession.expires_at > utcnow(), User.is_active)
    ).scalar_one_or_none()
    return identity(row) if row else None


def create_token(session: Session, username: str, label: str | None = None) -> str:
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise UserError("No user named {username}.", username=username)
    token = "japra_" + secrets.token_urlsafe(32)
    session.add(ApiToken(token_hash=_digest(token), user_id=user.id, label=label))
    session.flush()
    audit.record(session, actor="cli", action="token.create", entity_type="user", entity_id=user.id,
                 cooperative_id=user.cooperative_id, changes={"label": label})
    return token


def user_for_token(session: Session, token: str, *, touch: bool = True) -> CurrentUser | None:
    """The token's user, if the token is live; `touch` records its use (see `touch_token`)."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None), User.is_active)
    ).one_or_none()
    if row is None:
        return None
    api_token, user = row
    if touch and _touch_due(api_token.last_used_at):
        api_token.last_used_at = utcnow()
    return identity(user)


def _touch_due(last_used_at) -> bool:
    # At most every few minutes: a busy script should not turn every read into a write.
    return last_used_at is None or utcnow() - last_used_at > TOKEN_TOUCH_INTERVAL


def touch_token(session: Session, token: str) -> None:
    """Records a token's use in a unit of work of its own, for a request that only reads."""
    stale = ApiToken.last_used_at.is_(None) | (ApiToken.last_used_at < utcnow() - TOKEN_TOUCH_INTERVAL)
    session.execute(update(ApiToken).where(ApiToken.token_hash == _digest(token), stale).values(last_used_at=utcnow()))
