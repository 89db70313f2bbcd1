"""Users, sign-in sessions and API tokens: who may come in, and how an admin cuts somebody off.

Cutting off works at the next request: the middleware reads the user from the session cookie or the token on every
request (`user_for_session`, `user_for_token`), and both refuse a disabled user, an ended session and a revoked or
expired token.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.auth.identity import CurrentUser
from app.auth.models import ApiToken, Role, SignInFailure, User, UserSession
from app.auth.passwords import hash_password, needs_rehash, verify_password, weakness
from app.cooperatives.models import Cooperative
from app.db.base import utcnow
from app.errors import Invalid, NotFound

TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

TOKEN_DAYS = 90  # an API token's life unless `--days` says otherwise
TOKEN_DAYS_RANGE = (1, 3650)
TOKEN_LABEL_LIMIT = 100  # the column's width

# Per-account sign-in delay: the first few mistakes are free (typos), then each further attempt waits twice as
# long as the one before, up to MAX_DELAY. A delay, never a lock-out: an attacker cannot keep the owner out for
# longer than the delay, and guessing slows to a few attempts an hour whatever addresses the guesses come from.
FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=15)
FAILURE_MEMORY = timedelta(hours=24)  # failures older than this are forgotten, and their rows pruned
PRUNE_BATCH = 500


class UserError(Invalid):
    """A user-facing problem with an account or a token; the message is a translatable msgid with fields."""


class SignInDelayed(Exception):  # noqa: N818  (a state, not a fault)
    """Too many failed sign-ins with this username just now: the attempt was refused without checking it."""

    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _digest(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; argon2 is for low-entropy passwords.
    return hashlib.sha256(token.encode()).hexdigest()


def _normalise(username: str) -> str:
    return username.strip().lower()


def _check_policy(password: str, field: str = "password") -> None:
    problem = weakness(password)
    if problem is not None:
        raise UserError(problem.msgid, field=field, **problem.fields)


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
    _check_policy(password)
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
    """The user if the password is right and the account active; None otherwise, with no hint why.

    Raises SignInDelayed when this username failed too often just now. A failure is written in `session`: the caller
    commits it even though it refuses the sign-in, or the count would be rolled back with the refusal.
    """
    user = _verified(session, username, password)
    if user is None:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def _verified(session: Session, username: str, password: str) -> User | None:
    """The active user whose password this is, or None; each typed name has its own delay (SignInDelayed).

    Names that match nobody are counted exactly as real ones, so the delay tells nothing about who exists; a
    disabled account's right password counts as a failure for the same reason.
    """
    name = _normalise(username)
    now = utcnow()
    failure = _claim(session, _digest(name), now)
    wait = _wait_seconds(failure, now)
    if wait:
        raise SignInDelayed(wait)
    user = session.scalar(select(User).where(User.username == name))
    if verify_password(user.password_hash if user else None, password) and user and user.is_active:
        session.delete(failure)
        return user
    failure.failures = _recent_failures(failure, now) + 1
    failure.last_failed_at = now
    _prune_failures(session, failure.account_key, now)
    session.flush()
    return None


def _claim(session: Session, key: str, now: datetime) -> SignInFailure:
    """The name's failure row, made if missing and locked until the transaction ends: sign-ins with one name take
    turns (PostgreSQL: the row lock; SQLite: a request that writes holds the database's write lock from its start),
    so parallel guesses cannot all pass the check before any of them is counted. The insert does nothing when
    another request made the row first, so a race never fails with a duplicate key."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(SignInFailure).values(account_key=key, failures=0, last_failed_at=now)
                    .on_conflict_do_nothing(index_elements=["account_key"]))
    return session.execute(select(SignInFailure).where(SignInFailure.account_key == key).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()


def _recent_failures(failure: SignInFailure, now: datetime) -> int:
    return failure.failures if now - failure.last_failed_at < FAILURE_MEMORY else 0


def _wait_seconds(failure: SignInFailure, now: datetime) -> int:
    """Seconds until this name may try again: 0 for the first FREE_FAILURES failures, then 1, 2, 4, ... up to
    MAX_DELAY, counted from the last failure."""
    extra = _recent_failures(failure, now) - FREE_FAILURES
    if extra < 0:
        return 0
    delay = min(timedelta(seconds=2 ** min(extra, 20)), MAX_DELAY)
    left = (failure.last_failed_at + delay - now).total_seconds()
    return math.ceil(left) if left > 0 else 0


def _prune_failures(session: Session, keep: str, now: datetime) -> None:
    """Forgets failures older than FAILURE_MEMORY, a batch at a time. Rows another sign-in holds are skipped, not
    waited for: two sign-ins pruning each other's rows would otherwise deadlock."""
    old = SignInFailure.last_failed_at < now - FAILURE_MEMORY
    stale = session.scalars(select(SignInFailure.account_key).where(old, SignInFailure.account_key != keep)
                            .limit(PRUNE_BATCH).with_for_update(skip_locked=True)).all()
    if stale:
        session.execute(delete(SignInFailure).where(SignInFailure.account_key.in_(stale))
                        .execution_options(synchronize_session=False))


def _forget_failures(session: Session, username: str) -> None:
    """A fresh start for a name once an admin has set a new password or enabled the account."""
    session.execute(delete(SignInFailure).where(SignInFailure.account_key == _digest(_normalise(username)))
                    .execution_options(synchronize_session=False))


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


def create_token(session: Session, username: str, label: str | None = None, days: int = TOKEN_DAYS,
                 actor: object = "cli") -> str:
    """A new API token of the user, ending `days` days from now; its value is returned here once and stored hashed."""
    user = user_named(session, username)
    low, high = TOKEN_DAYS_RANGE
    if not low <= days <= high:
        # As typed, as text: a count of days reads 3650 in any language, not 3.650 or 3,650.
        raise UserError("A token lasts from {low} to {high} days, not {days}.", field="days", low=str(low),
                        high=str(high), days=str(days))
    label = (label or "").strip() or None
    if label is not None and len(label) > TOKEN_LABEL_LIMIT:
        raise UserError("At most {limit} characters.", field="label", limit=TOKEN_LABEL_LIMIT)
    if not user.is_active:
        raise UserError("{username} is disabled: enable the account before giving it a token.", username=user.username)
    token = "japra_" + secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(days=days)
    api_token = ApiToken(token_hash=_digest(token), user_id=user.id, label=label, expires_at=expires_at)
    session.add(api_token)
    session.flush()
    audit.record(session, actor=actor, action="token.create", entity_type="user", entity_id=user.id,
                 cooperative_id=user.cooperative_id,
                 changes={"token": api_token.id, "label": label,
                          "expires_at": expires_at.isoformat(timespec="seconds")})
    return token


def user_for_token(session: Session, token: str, *, touch: bool = True) -> CurrentUser | None:
    """The token's user, if the token is live; `touch` records its use (see `touch_token`)."""
    row = session.execute(
        select(ApiToken, User)
        .join(User, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow(),
               User.is_active)
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


# --- accounts: list, disable, enable, passwords -----------------------------------------------------------------

def user_named(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == _normalise(username)))
    if user is None:
        raise UserError("No user named {username}.", field="username", username=username)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).options(selectinload(User.cooperative)).order_by(User.username)))


def _is_self(actor: object, user: User) -> bool:
    return getattr(actor, "id", None) == user.id


def _end_sessions(session: Session, user: User, keep: str | None = None) -> int:
    """Deletes the user's sign-in sessions (but the one whose cookie is `keep`); the count of those ended."""
    ended = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        ended = ended.where(UserSession.token_hash != _digest(keep))
    return session.execute(ended.execution_options(synchronize_session=False)).rowcount or 0


def disable_user(session: Session, user: User, actor: object) -> bool:
    """Cuts the user off: no sign-in, their sessions ended, their tokens revoked (so enabling the account again
    does not bring a leaked token back). False when the account was disabled already."""
    if _is_self(actor, user):
        raise UserError("You cannot disable your own account.")
    if not user.is_active:
        return False
    if user.role == Role.ADMIN and not session.scalar(
            select(func.count()).select_from(User)
            .where(User.role == Role.ADMIN.value, User.is_active, User.id != user.id)):
        raise UserError("{username} is the last active administrator and cannot be disabled.",
                        username=user.username)
    user.is_active = False
    sessions = _end_sessions(session, user)
    now = utcnow()
    tokens = session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=now).execution_options(synchronize_session=False)).rowcount or 0
    audit.record(session, actor=actor, action="user.disable", entity_type="user", entity_id=user.id,
                 cooperative_id=user.cooperative_id,
                 changes={"is_active": {"old": True, "new": False}, "sessions_ended": sessions,
                          "tokens_revoked": tokens})
    return True


def enable_user(session: Session, user: User, actor: object) -> bool:
    """Lets the user sign in again (their old sessions and tokens stay ended). False when already active."""
    if user.is_active:
        return False
    user.is_active = True
    _forget_failures(session, user.username)
    audit.record(session, actor=actor, action="user.enable", entity_type="user", entity_id=user.id,
                 cooperative_id=user.cooperative_id, changes={"is_active": {"old": False, "new": True}})
    return True


def set_password(session: Session, user: User, password: str, actor: object) -> int:
    """An admin's reset: the new password (after the policy), and every session of the user ended, so whoever used
    the old one is out. The admin's own password is changed on the account page, which asks for the current one.
    Returns the number of sessions ended."""
    if _is_self(actor, user):
        raise UserError("Change your own password on your account page, which asks for your current one.")
    _check_policy(password)
    user.password_hash = hash_password(password)
    sessions = _end_sessions(session, user)
    _forget_failures(session, user.username)
    audit.record(session, actor=actor, action="user.password_reset", entity_type="user", entity_id=user.id,
                 cooperative_id=user.cooperative_id, changes={"sessions_ended": sessions})
    return sessions


def change_own_password(session: Session, me: CurrentUser, current: str, new: str, repeated: str,
                        keep_session: str | None) -> int:
    """The signed-in user's own change: the current password is checked as a sign-in is (and counts towards the
    same delay, so a borrowed session cannot guess it), then the new one against the policy. Their other sessions
    end; this one (`keep_session`, the cookie) goes on. Returns the number of sessions ended.

    A wrong current password is written as a sign-in failure: the caller commits before showing the refusal."""
    user = _verified(session, me.username, current)
    if user is None:
        raise UserError("The current password is wrong.", field="current_password")
    if new != repeated:
        raise UserError("The new password and its repetition differ.", field="password_again")
    _check_policy(new)
    user.password_hash = hash_password(new)
    sessions = _end_sessions(session, user, keep=keep_session)
    audit.record(session, actor=me, action="user.password_change", entity_type="user", entity_id=user.id,
                 cooperative_id=user.cooperative_id, changes={"sessions_ended": sessions})
    return sessions


# --- API tokens: list and revoke -------------------------------------------------------------------------------

def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """`revoked`, `expired` or `active`: what the token does at the next request."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def list_tokens(session: Session, username: str | None = None) -> list[ApiToken]:
    """Every token, or one user's, newest first, with their owners."""
    query = select(ApiToken).options(selectinload(ApiToken.user)).order_by(ApiToken.id.desc())
    if username is not None:
        query = query.where(ApiToken.user_id == user_named(session, username).id)
    return list(session.scalars(query))


def token_by_id(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None:
        raise NotFound("No API token with the id {id}.", id=str(token_id))  # an id, not a quantity: no separators
    return token


def revoke_token(session: Session, token: ApiToken, actor: object) -> bool:
    """Ends the token at once; False when it was revoked already (it stays as it was)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    audit.record(session, actor=actor, action="token.revoke", entity_type="user", entity_id=token.user_id,
                 cooperative_id=token.user.cooperative_id, changes={"token": token.id, "label": token.label})
    return True
