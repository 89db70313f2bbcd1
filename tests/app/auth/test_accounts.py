"""Cutting somebody off (issue 12): disabling accounts, resetting and changing passwords, API tokens that expire and
can be revoked, the password policy, and the per-account sign-in delay. What an admin, a script or a signed-out user
sees, on the command line and on the pages."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import DateTime, bindparam, create_engine, select, text
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.auth import service as auth
from app.auth.models import ApiToken, SignInFailure, User
from app.auth.passwords import weakness
from app.db.base import utcnow
from tests.conftest import DEMO_PASSWORD, csrf_token, form_token, sign_in

pytestmark = pytest.mark.db

NEW_PASSWORD = "kunir-pohon-mangga-7"  # passes the policy: long, and on no list


def _user(db: Session, username: str) -> User:
    return db.scalar(select(User).where(User.username == username))


def _english(client: TestClient) -> TestClient:
    client.cookies.set("japra_lang", "en")
    return client


def _api(client: TestClient, token: str) -> int:
    return client.get("/api/projects", headers={"Authorization": f"Bearer {token}"}).status_code


def _home(client: TestClient, session_token: str) -> int:
    """What a browser holding this session cookie gets for the dashboard: 200, or 302 to the sign-in page."""
    client.cookies.set("japra_session", session_token)
    return client.get("/", follow_redirects=False).status_code


def _login(client: TestClient, username: str, password: str, address: str = "203.0.113.1"):
    token = form_token(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "next": "/",
                                       "_csrf_token": token},
                       headers={"x-test-client": address}, follow_redirects=False)


# --- the password policy -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["Password123", "PASSWORD123", "1234567890", "qwertyuiop", "iloveyou12",
                                      "Jakarta2026!", "japra_12345", "2026-bismillah", "Indonesia45!",
                                      "KampungAkuarium1"])
def test_common_and_local_passwords_are_refused(password):
    assert weakness(password).msgid.startswith("This password is on a list of common passwords")


@pytest.mark.parametrize("password", [NEW_PASSWORD, DEMO_PASSWORD, "rahasia-sekali-123", "17 agustus di kunir"])
def test_other_long_passwords_pass(password):
    assert weakness(password) is None


def test_user_create_refuses_a_common_password(cli, db):
    r = cli("user", "create", "--username", "siti", "--role", "viewer", input="Password123\n")
    assert r.exit_code == 2
    assert "This password is on a list of common passwords, which are tried first; choose another." in r.stderr
    assert _user(db, "siti") is None


# --- japra user list / disable / enable / password -----------------------------------------------------------------

def test_user_list_shows_each_account_with_role_cooperative_state_and_last_sign_in(cli, db):
    _user(db, "perencana").last_login_at = utcnow()
    db.commit()
    table = cli("user", "list")
    assert table.exit_code == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["username", "role", "cooperative", "active", "last_sign_in"]
    officer = next(line for line in lines if line.startswith("pengurus-kunir "))
    assert officer.split()[:4] == ["pengurus-kunir", "coop_officer", "kunir", "yes"]
    assert "never" not in table.stdout
    rows = {r["username"]: r for r in json.loads(cli("user", "list", "--json").stdout)}
    assert rows["admin"]["role"] == "admin" and rows["admin"]["cooperative"] is None and rows["admin"]["active"]
    assert rows["perencana"]["last_sign_in"].startswith(str(utcnow().year))
    assert rows["pembaca"]["last_sign_in"] is None


def test_disabling_a_user_stops_their_session_and_token_at_the_next_request(cli, client, db):
    victim = _user(db, "perencana")
    session_token = auth.start_session(db, victim, 1)
    api_token = auth.create_token(db, "perencana", "script")
    db.commit()
    assert _home(client, session_token) == 200 and _api(client, api_token) == 200

    r = cli("user", "disable", "--username", "Perencana")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "User perencana disabled: signed out everywhere, API tokens revoked."
    assert _home(client, session_token) == 302  # to the sign-in page
    assert _api(client, api_token) == 401
    assert "active" not in cli("token", "list", "--username", "perencana").stdout.split()
    again = cli("user", "disable", "--username", "perencana")
    assert again.exit_code == 0 and again.stdout.strip() == "User perencana was already disabled."

    # Enabling lets the user sign in again; the old session and the leaked token stay dead.
    enabled = cli("user", "enable", "--username", "perencana")
    assert enabled.exit_code == 0 and enabled.stdout.strip() == "User perencana enabled."
    assert _home(client, session_token) == 302 and _api(client, api_token) == 401
    client.cookies.clear()
    assert _login(client, "perencana", DEMO_PASSWORD).status_code == 302
    assert cli("user", "enable", "--username", "perencana").stdout.strip() == "User perencana was already active."
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(victim.id))).all()
    assert {"user.disable", "user.enable"} <= set(actions)


@pytest.mark.parametrize("command", ["disable", "enable", "password"])
def test_user_commands_refuse_an_unknown_user(cli, command):
    r = cli("user", command, "--username", "ghost", input=NEW_PASSWORD + "\n")
    assert r.exit_code == 2 and r.stderr.strip() == "--username: No user named ghost."


def test_the_last_active_admin_cannot_be_disabled(cli, db):
    r = cli("user", "disable", "--username", "admin")
    assert r.exit_code == 2
    assert r.stderr.strip() == "admin is the last active administrator and cannot be disabled."
    assert _user(db, "admin").is_active


def test_password_reset_ends_every_session_and_the_old_password(cli, client, db):
    session_token = auth.start_session(db, _user(db, "pembaca"), 1)
    db.commit()
    r = cli("user", "password", "--username", "pembaca", input=NEW_PASSWORD + "\n")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip() == "Password of pembaca changed; they were signed out everywhere."
    assert NEW_PASSWORD not in r.stdout + r.stderr
    assert _home(client, session_token) == 302
    client.cookies.clear()
    assert _login(client, "pembaca", DEMO_PASSWORD).status_code == 401
    assert _login(client, "pembaca", NEW_PASSWORD).status_code == 302
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.password_reset"))
    assert entry.actor == "cli" and NEW_PASSWORD not in json.dumps(entry.changes)


@pytest.mark.parametrize(("password", "message"), [
    ("pendek", "The password must be at least 10 characters long."),
    ("password123", "This password is on a list of common passwords, which are tried first; choose another."),
    ("Marlina2026", "This password is on a list of common passwords, which are tried first; choose another."),
])
def test_password_reset_refuses_a_weak_password(cli, db, password, message):
    before = _user(db, "pembaca").password_hash
    r = cli("user", "password", "--username", "pembaca", input=password + "\n")
    assert r.exit_code == 2 and r.stderr.strip() == message
    db.expire_all()
    assert _user(db, "pembaca").password_hash == before


# --- japra token create / list / revoke ----------------------------------------------------------------------------

def test_tokens_expire_after_90_days_unless_days_says_otherwise(cli, db):
    assert cli("token", "create", "--username", "perencana").exit_code == 0
    assert cli("token", "create", "--username", "perencana", "--days", "7").exit_code == 0
    expiries = db.scalars(select(ApiToken.expires_at).order_by(ApiToken.id.desc()).limit(2)).all()
    now = utcnow()
    assert abs(expiries[0] - (now + timedelta(days=7))) < timedelta(minutes=1)
    assert abs(expiries[1] - (now + timedelta(days=90))) < timedelta(minutes=1)


@pytest.mark.parametrize("days", ["0", "-1", "3651"])
def test_token_create_refuses_a_lifetime_out_of_range(cli, db, days):
    r = cli("token", "create", "--username", "perencana", "--days", days)
    assert r.exit_code == 2
    assert r.stderr.strip() == f"--days: A token lasts from 1 to 3650 days, not {days}."
    assert r.stdout == "" and db.scalar(select(ApiToken.id)) is None


def test_a_disabled_user_gets_no_new_token(cli, db):
    assert cli("user", "disable", "--username", "pembaca").exit_code == 0
    r = cli("token", "create", "--username", "pembaca")
    assert r.exit_code == 2 and r.stderr.strip() == "pembaca is disabled: enable the account before giving it a token."
    assert r.stdout == "" and db.scalar(select(ApiToken.id)) is None


def test_an_expired_token_is_refused(cli, client, db):
    token = auth.create_token(db, "perencana", "old script", days=1)
    db.commit()
    assert _api(client, token) == 200
    db.execute(text("UPDATE api_token SET expires_at = :past"), {"past": utcnow() - timedelta(seconds=1)})
    db.commit()
    assert _api(client, token) == 401
    assert cli("token", "list").stdout.splitlines()[1].split()[-1] == "expired"


def test_token_list_shows_owner_dates_and_state(cli, db):
    auth.create_token(db, "perencana", "rekap", days=30)
    auth.create_token(db, "pembaca", None)
    db.commit()
    lines = cli("token", "list").stdout.splitlines()
    assert lines[0].split() == ["id", "owner", "label", "created", "last_used", "expires", "state"]
    assert len(lines) == 3
    assert lines[1].split()[1:3] == ["pembaca", "-"] and lines[1].split()[-1] == "active"
    mine = cli("token", "list", "--username", "perencana", "--json")
    assert mine.exit_code == 0
    [row] = json.loads(mine.stdout)
    assert (row["owner"], row["label"], row["state"], row["last_used"]) == ("perencana", "rekap", "active", None)
    assert row["expires"][:10] == (utcnow() + timedelta(days=30)).date().isoformat()
    assert set(row) == {"id", "owner", "label", "created", "last_used", "expires", "state"}
    ghost = cli("token", "list", "--username", "ghost")
    assert ghost.exit_code == 2 and ghost.stderr.strip() == "--username: No user named ghost."


def test_token_revoke_stops_the_token_and_says_when_it_was_already(cli, client, db):
    token = auth.create_token(db, "perencana", "script")
    db.commit()
    token_id = db.scalar(select(ApiToken.id).order_by(ApiToken.id.desc()))
    r = cli("token", "revoke", str(token_id))
    assert r.exit_code == 0 and r.stdout.strip() == f"Token {token_id} of perencana revoked."
    assert _api(client, token) == 401
    again = cli("token", "revoke", str(token_id))
    assert again.exit_code == 0 and again.stdout.strip() == f"Token {token_id} of perencana was already revoked."
    assert "revoked" in cli("token", "list").stdout


@pytest.mark.parametrize("token_id", ["999999", "0", "99999999999999999999"])
def test_token_revoke_refuses_an_unknown_id(cli, token_id):
    r = cli("token", "revoke", token_id)
    assert r.exit_code == 2 and r.stderr.strip() == f"No API token with the id {token_id}."


def test_token_revoke_wants_a_number(cli):
    r = cli("token", "revoke", "abc")
    assert r.exit_code == 2 and "abc" in r.stderr


# --- the admin pages -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["perencana", "pengurus-kunir", "pembaca"])
def test_only_admins_reach_the_user_pages(client, db, username):
    target = _user(db, "pembaca").id
    sign_in(client, db, username)
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{target}").status_code == 403
    r = client.post(f"/admin/users/{target}/disable", data={"_csrf_token": csrf_token(client)})
    assert r.status_code == 403
    assert _user(db, "pembaca").is_active


def test_signed_out_visitors_are_sent_to_sign_in(client):
    r = client.get("/admin/users", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith("/login")


def test_admin_disables_a_user_from_the_list(client, db):
    victim = _user(db, "pengurus-kunir")
    victim_session = auth.start_session(db, victim, 1)
    _english(sign_in(client, db, "admin"))
    page = client.get("/admin/users")
    assert page.status_code == 200
    assert "pengurus-kunir" in page.text and "Cooperative officer" in page.text and "Kunir" in page.text
    assert f'action="/admin/users/{_user(db, "admin").id}/disable"' not in page.text  # not their own
    done = client.post(f"/admin/users/{victim.id}/disable", data={"back": "list", "_csrf_token": csrf_token(client)})
    assert done.status_code == 200 and done.url.path == "/admin/users"
    assert "pengurus-kunir is disabled: signed out everywhere, and their API tokens are revoked." in done.text
    with TestClient(client.app, base_url="http://testserver.local") as victim_browser:
        assert _home(victim_browser, victim_session) == 302


def test_an_admin_cannot_disable_themself_on_the_page(client, db):
    me = _user(db, "admin")
    _english(sign_in(client, db, "admin"))
    page = client.get(f"/admin/users/{me.id}")
    assert f"/admin/users/{me.id}/disable" not in page.text and f"/admin/users/{me.id}/password" not in page.text
    r = client.post(f"/admin/users/{me.id}/disable", data={"_csrf_token": csrf_token(client)})
    assert r.status_code == 400 and "You cannot disable your own account." in r.text
    assert _user(db, "admin").is_active


def test_admin_resets_a_password_on_the_page(client, db):
    victim = _user(db, "pembaca")
    victim_session = auth.start_session(db, victim, 1)
    _english(sign_in(client, db, "admin"))
    url = f"/admin/users/{victim.id}/password"
    weak = client.post(url, data={"password": "bismillah2026", "password_again": "bismillah2026",
                                  "_csrf_token": csrf_token(client)})
    assert weak.status_code == 400 and "on a list of common passwords" in weak.text
    differ = client.post(url, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x",
                                    "_csrf_token": csrf_token(client)})
    assert differ.status_code == 400 and "The new password and its repetition differ." in differ.text
    done = client.post(url, data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
                                  "_csrf_token": csrf_token(client)})
    assert done.status_code == 200
    assert "The password of pembaca is changed, and they are signed out everywhere." in done.text
    with TestClient(client.app, base_url="http://testserver.local") as victim_browser:
        assert _home(victim_browser, victim_session) == 302
        assert _login(victim_browser, "pembaca", NEW_PASSWORD).status_code == 302


def test_admin_makes_a_token_shown_once_and_revokes_it(client, db):
    owner = _user(db, "perencana")
    _english(sign_in(client, db, "admin"))
    made = client.post(f"/admin/users/{owner.id}/tokens", data={"label": "rekap bulanan", "days": "30",
                                                                 "_csrf_token": csrf_token(client)})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    assert "shown this once only" in made.text
    token = made.text.split('aria-label="API token">')[1].split("</textarea>")[0]
    assert token.startswith("japra_")
    page = client.get(f"/admin/users/{owner.id}")
    assert token not in page.text and "rekap bulanan" in page.text and "active" in page.text
    with TestClient(client.app, base_url="http://testserver.local") as script:
        assert _api(script, token) == 200
        token_id = db.scalar(select(ApiToken.id).where(ApiToken.user_id == owner.id))
        done = client.post(f"/admin/users/{owner.id}/tokens/{token_id}/revoke",
                           data={"_csrf_token": csrf_token(client)})
        assert done.status_code == 200 and "The token is revoked" in done.text
        assert _api(script, token) == 401


def test_admin_token_form_refuses_a_bad_lifetime(client, db):
    owner = _user(db, "perencana")
    _english(sign_in(client, db, "admin"))
    r = client.post(f"/admin/users/{owner.id}/tokens", data={"label": "x", "days": "0",
                                                              "_csrf_token": csrf_token(client)})
    assert r.status_code == 400 and "A token lasts from 1 to 3650 days, not 0." in r.text
    assert db.scalar(select(ApiToken.id)) is None


def test_revoking_another_users_token_through_this_user_is_not_found(client, db):
    auth.create_token(db, "perencana", "x")
    token_id = db.scalar(select(ApiToken.id))
    sign_in(client, db, "admin")
    r = client.post(f"/admin/users/{_user(db, 'pembaca').id}/tokens/{token_id}/revoke",
                    data={"_csrf_token": csrf_token(client)})
    assert r.status_code == 404
    assert db.scalar(select(ApiToken.revoked_at)) is None


# --- a user's own password -----------------------------------------------------------------------------------------

def test_a_user_changes_their_own_password(client, db):
    me = _user(db, "pembaca")
    elsewhere = auth.start_session(db, me, 1)
    _english(sign_in(client, db, "pembaca"))
    here = client.cookies["japra_session"]
    form = {"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    wrong = client.post("/account/password", data={**form, "current_password": "salah-salah-salah",
                                                    "_csrf_token": csrf_token(client)})
    assert wrong.status_code == 400 and "The current password is wrong." in wrong.text
    common = client.post("/account/password", data={**form, "password": "1234567890", "password_again": "1234567890",
                                                     "_csrf_token": csrf_token(client)})
    assert common.status_code == 400 and "on a list of common passwords" in common.text
    done = client.post("/account/password", data={**form, "_csrf_token": csrf_token(client)})
    assert done.status_code == 200 and "Your password has been changed." in done.text
    assert _home(client, here) == 200  # this browser stays signed in
    with TestClient(client.app, base_url="http://testserver.local") as other:
        assert _home(other, elsewhere) == 302  # the others are signed out
        assert _login(other, "pembaca", NEW_PASSWORD).status_code == 302


# --- the per-account sign-in delay ---------------------------------------------------------------------------------

@pytest.fixture()
def addresses(monkeypatch):
    """Each test-client request comes from the address in its X-Test-Client header, as from an attacker who
    rotates addresses."""
    from litestar.testing.transport import TestClientTransport

    parse = TestClientTransport.parse_request

    def from_address(self, request):
        scope = parse(self, request)
        if "x-test-client" in request.headers:
            scope["client"] = (request.headers["x-test-client"], 40000)
        return scope

    monkeypatch.setattr(TestClientTransport, "parse_request", from_address)


@pytest.fixture()
def frozen(monkeypatch):
    """The sign-in service's clock, held still (and moved by the test) so the delays are exact."""
    moment = {"now": utcnow()}
    monkeypatch.setattr(auth, "utcnow", lambda: moment["now"])
    return moment


def _failures(db: Session, username: str) -> int | None:
    key = hashlib.sha256(username.encode()).hexdigest()
    db.expire_all()
    return db.scalar(select(SignInFailure.failures).where(SignInFailure.account_key == key))


@pytest.mark.parametrize("username", ["perencana", "nobody-at-all"])
def test_sign_in_waits_after_three_failures_whatever_the_address(settings, session_factory, db, addresses, frozen,
                                                                   username):
    from dataclasses import replace

    from app.web.app import create_app

    # Two attempts a minute per address: the attacker's four addresses each stay under it.
    app = create_app(replace(settings, login_attempts_per_minute=2), db=session_factory)
    with TestClient(app, base_url="http://testserver.local") as c:
        c.cookies.set("japra_lang", "en")
        codes = [_login(c, username, "wrong-password", f"198.51.100.{i}").status_code for i in range(3)]
        assert codes == [401, 401, 401]
        # Within the wait even the right password is refused, unchecked, and the refusal is not counted.
        waiting = _login(c, username, DEMO_PASSWORD, "198.51.100.3")
        assert waiting.status_code == 429 and waiting.headers["retry-after"] == "1"
        assert "Too many failed sign-ins with this username. Wait 1 second, then try again." in waiting.text
        assert "locked" not in waiting.text.lower()
        assert _failures(db, username) == 3
        frozen["now"] += timedelta(seconds=1)
        after = _login(c, username, DEMO_PASSWORD, "198.51.100.4")
    if username == "perencana":
        assert after.status_code == 302 and _failures(db, username) is None  # a success starts afresh
    else:  # an unknown name is delayed exactly like a real one, then simply refused
        assert after.status_code == 401 and _failures(db, username) == 4


@pytest.mark.parametrize(("failures", "wait"), [(4, "Wait 2 seconds"), (9, "Wait 64 seconds"),
                                                (10, "Wait 3 minutes"), (40, "Wait 15 minutes")])
def test_the_delay_doubles_up_to_fifteen_minutes(client, db, frozen, failures, wait):
    key = hashlib.sha256(b"perencana").hexdigest()
    db.add(SignInFailure(account_key=key, failures=failures, last_failed_at=frozen["now"]))
    db.commit()
    _english(client)
    r = _login(client, "Perencana ", DEMO_PASSWORD)
    assert r.status_code == 429 and wait in r.text


def test_failures_older_than_a_day_are_forgotten_and_pruned(client, db, frozen):
    old = frozen["now"] - timedelta(hours=25)
    db.add_all([SignInFailure(account_key=hashlib.sha256(b"perencana").hexdigest(), failures=12, last_failed_at=old),
                SignInFailure(account_key="0" * 64, failures=5, last_failed_at=old)])
    db.commit()
    assert _login(client, "perencana", "wrong-password").status_code == 401
    assert _failures(db, "perencana") == 1  # counted from scratch
    assert db.scalar(select(SignInFailure).where(SignInFailure.account_key == "0" * 64)) is None


def test_a_wrong_current_password_counts_towards_the_delay(client, db, frozen):
    _english(sign_in(client, db, "pembaca"))
    for _ in range(3):
        r = client.post("/account/password", data={"current_password": "salah-salah", "password": NEW_PASSWORD,
                                                   "password_again": NEW_PASSWORD, "_csrf_token": csrf_token(client)})
        assert r.status_code == 400
    r = client.post("/account/password", data={"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD,
                                               "password_again": NEW_PASSWORD, "_csrf_token": csrf_token(client)})
    assert r.status_code == 429 and "Wait 1 second" in r.text


def test_concurrent_failed_sign_ins_are_each_counted_once(scratch_database_url):
    """Sign-ins with one name at the same moment, on a real database: none fails, and every attempt whose password
    was checked is counted (the row is made once and then updated in turn, on SQLite and PostgreSQL alike)."""
    from app.db.engine import make_engine, writer
    from app.db.migrate import upgrade

    upgrade(scratch_database_url)
    engine = make_engine(scratch_database_url)
    attempts = 6
    start = threading.Barrier(attempts)
    outcomes: list[str] = []

    def attempt() -> None:
        start.wait()
        with Session(bind=writer(engine)) as session:
            try:
                assert auth.authenticate(session, "ghost", "wrong-password") is None
                session.commit()
                outcomes.append("checked")
            except auth.SignInDelayed:
                session.rollback()
                outcomes.append("delayed")
            except Exception as exc:  # reported below, with its kind
                outcomes.append(repr(exc))

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        with Session(engine) as session:
            counted = session.scalar(select(SignInFailure.failures))
    finally:
        engine.dispose()
    assert set(outcomes) <= {"checked", "delayed"}, outcomes
    assert len(outcomes) == attempts and outcomes.count("checked") >= 3
    assert counted == outcomes.count("checked")


# --- the migration -------------------------------------------------------------------------------------------------

def test_tokens_made_before_the_upgrade_expire_90_days_after_it(scratch_database_url):
    from app.db.migrate import downgrade, upgrade

    url = scratch_database_url
    upgrade(url, "0009")
    engine = create_engine(url)
    at = bindparam("at", utcnow() - timedelta(days=400), type_=DateTime(timezone=True))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO app_user (username, password_hash, role, is_active, created_at, updated_at) "
                          "VALUES ('skrip', 'x', 'planner', :yes, :at, :at)").bindparams(at), {"yes": True})
        conn.execute(text("INSERT INTO api_token (token_hash, user_id, created_at) "
                          "SELECT :hash, id, :at FROM app_user").bindparams(at), {"hash": "a" * 64})
    try:
        upgrade(url, "0010")
        with Session(engine) as session:
            expires = session.scalar(select(ApiToken.expires_at))
        # Not created_at + 90 days (which would have cut the script off at the upgrade, unannounced).
        assert abs(expires - (utcnow() + timedelta(days=90))) < timedelta(minutes=5)
        downgrade(url, "0009")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM api_token")).scalar() == 1
    finally:
        engine.dispose()
