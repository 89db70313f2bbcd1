"""No header a client can send makes a 5xx: languages, cookies, tokens, content types and bodies that do not match."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db

PAGES = ["/", "/no-such-page", "/static/no-such-file.css", "/login", "/projects/akuarium",
         "/cooperatives/akuarium/members", "/api/projects", "/publik"]
HOSTILE_HEADERS = [
    {"Accept-Language": "x" * 5000},
    {"Accept-Language": "id;q=NaN, en;q=1e309, *;q=-1"},
    {"Accept": "application/json;q=abc, */*;q=NaN"},
    {"Cookie": "japra_session=" + "A" * 4000},
    {"Cookie": "japra_session=%00%ff; japra_lang=zz; japra_csrf="},
    {"Authorization": "Bearer " + "x" * 10000},
    {"Authorization": "Bearer"},
    {"Authorization": "Basic YWRtaW46YWRtaW4="},
    {"X-Forwarded-For": "not-an-address, 999.1.1.1"},
    {"Host": "evil.example:99999"},
    {"Host": "evil.example:port"},
    {"Host": "[::1]:8000"},
    {"If-None-Match": '"' + "f" * 3000 + '"'},
    {"Range": "bytes=99999999999999999999-"},
]


@pytest.mark.parametrize("headers", HOSTILE_HEADERS, ids=lambda h: next(iter(h)))
def test_hostile_headers_on_pages_are_never_a_server_error(client, db, headers):
    sign_in(client, db, "admin")
    for path in PAGES:
        assert client.get(path, headers=headers).status_code < 500, (path, headers)


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/json", b'{"amount": 1e309}'),
    ("application/x-www-form-urlencoded", b"%%%=%%%&amount=%ZZ"),
    ("multipart/form-data; boundary=", b"--\r\n\r\n"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--xyz--"),
    ("text/plain", b"\x00\xff" * 100),
])
def test_a_body_that_does_not_match_its_form_is_refused_not_crashed(client, db, content_type, body):
    sign_in(client, db, "pengurus-akuarium")
    token = csrf_token(client)
    for path in ("/cooperatives/akuarium/members", "/cooperatives/akuarium/members-import",
                 "/cooperatives/akuarium/payments/import"):
        r = client.post(path, content=body, headers={"Content-Type": content_type, "x-csrftoken": token})
        assert r.status_code < 500, (path, content_type, r.status_code)
