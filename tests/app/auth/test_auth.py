from __future__ import annotations

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from app.auth.models import ApiToken, User, UserSession
from app.auth.service import UserError, create_token, create_user
from tests.conftest import DEMO_PASSWORD, csrf_token, form_token

pytestmark = pytest.mark.db
GENERIC = "Nama pengguna atau kata sandi salah."  # Bahasa Indonesia is the default


def _login(client: TestClient, username: str, password: str, next_: str = "/"):
    token = form_token(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "next": next_,
                                       "_csrf_token": token}, follow_redirects=False)


def test_sign_in_sets_a_protected_session_cookie_and_lands_on_the_dashboard(client):
    response = _login(client, "perencana", DEMO_PASSWORD)
    assert response.status_code == 302 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "japra_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http on a laptop; see the https test
    assert client.get("/").status_code == 200


def test_cookie_is_secure_over_https(web_app, session_factory):
    web_app.state.db = session_factory
    with TestClient(web_app, base_url="https://japra.example") as c:
        assert "Secure" in _login(c, "perencana", DEMO_PASSWORD).headers["set-cookie"]


@pytest.mark.parametrize(("username", "password"), [("perencana", "wrong-password"), ("nobody", DEMO_PASSWORD),
                                                    ("", "")])
def test_failed_sign_in_gives_one_generic_message(client, username, password):
    response = _login(client, username, password)
    assert response.status_code == 401
    assert GENERIC in response.text
    assert "japra_session" not in response.headers.get("set-cookie", "")


def test_disabled_account_cannot_sign_in(client, db):
    db.scalar(select(User).where(User.username == "pembaca")).is_active = False
    db.commit()
    assert GENERIC in _login(client, "pembaca", DEMO_PASSWORD).text


def test_username_is_case_insensitive(client):
    assert _login(client, "  Perencana ", DEMO_PASSWORD).status_code == 302


def test_next_only_goes_to_this_site(client):
    assert _login(client, "perencana", DEMO_PASSWORD, next_="/projects/kunir").headers["location"] == "/projects/kunir"
    client.cookies.clear()
    assert _login(client, "perencana", DEMO_PASSWORD, next_="//evil.example/").headers["location"] == "/"


def test_sign_out_ends_the_session_on_the_server(client, db):
    _login(client, "perencana", DEMO_PASSWORD)
    stolen = client.cookies["japra_session"]
    response = client.post("/logout", data={"_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert response.status_code == 302
    client.cookies.set("japra_session", stolen)  # a copied cookie is worthless after sign-out
    assert client.get("/", follow_redirects=False).status_code == 302


def test_forms_without_csrf_token_are_refused(client):
    token = form_token(client.get("/login").text)
    no_token = client.post("/login", data={"username": "perencana", "password": DEMO_PASSWORD})
    assert no_token.status_code == 403
    forged = client.post("/login", data={"username": "perencana", "password": DEMO_PASSWORD,
                                         "_csrf_token": token[:-4] + "AAAA"})
    assert forged.status_code == 403
    assert "japra_session" not in client.cookies


def test_csrf_guards_signed_in_writes_too(client):
    _login(client, "perencana", DEMO_PASSWORD)
    assert client.post("/projects/akuarium/stage", data={"stage": "konstruksi"}).status_code == 403
    assert client.patch("/api/projects/akuarium", json={"stage": "konstruksi"}).status_code == 403
    assert client.get("/api/projects/akuarium").json()["stage"] == "dihuni"


def test_login_is_rate_limited(settings, session_factory):
    from dataclasses import replace

    from app.web.app import create_app

    app = create_app(replace(settings, login_attempts_per_minute=3), db=session_factory)
    with TestClient(app) as c:
        codes = [_login(c, "perencana", "wrong-password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_passwords_are_stored_as_argon2id(db):
    user = create_user(db, username="baru", password="sangat-rahasia-1", role="viewer")
    assert user.password_hash.startswith("$argon2id$")
    assert "sangat-rahasia-1" not in user.password_hash


@pytest.mark.parametrize(
    ("kwargs", "msgid"),
    [
        ({"username": "x y", "password": "long-enough-1", "role": "viewer"}, "Username must be"),
        ({"username": "short", "password": "short", "role": "viewer"}, "at least"),
        ({"username": "bos", "password": "long-enough-1", "role": "boss"}, "Unknown role"),
        ({"username": "officer", "password": "long-enough-1", "role": "coop_officer"}, "needs --cooperative"),
        ({"username": "officer", "password": "long-enough-1", "role": "coop_officer",
          "cooperative_slug": "nowhere"}, "No cooperative"),
        ({"username": "perencana", "password": "long-enough-1", "role": "viewer"}, "is taken"),
    ],
)
def test_bad_user_input_is_refused_with_a_reason(db, kwargs, msgid):
    with pytest.raises(UserError) as err:
        create_user(db, **kwargs)
    assert msgid in err.value.msgid


def test_api_tokens_are_stored_hashed_and_shown_once(db):
    token = create_token(db, "perencana", "script")
    stored = db.scalars(select(ApiToken.token_hash)).all()
    assert token.startswith("japra_") and token not in stored and len(stored[-1]) == 64


def test_sessions_are_stored_hashed(client, db):
    _login(client, "perencana", DEMO_PASSWORD)
    assert client.cookies["japra_session"] not in db.scalars(select(UserSession.token_hash)).all()
