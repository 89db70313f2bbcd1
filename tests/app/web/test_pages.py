"""What a person sees: language, formats, empty states and error pages."""

from __future__ import annotations

import pytest
from litestar import get

from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db


def test_pages_are_in_bahasa_indonesia_by_default_and_switch_to_english(client, db):
    sign_in(client, db, "perencana")
    html = client.get("/").text
    assert '<html lang="id">' in html and "Dasbor" in html and "Proyek menurut tahap" in html
    r = client.get("/lang/en?next=/projects/kunir", follow_redirects=False)
    assert r.headers["location"] == "/projects/kunir"
    html = client.get("/projects/kunir").text
    assert '<html lang="en">' in html and "Land area" in html
    assert client.get("/lang/xx?next=//evil.example", follow_redirects=False).headers["location"] == "/"


def test_project_page_shows_area_in_indonesian_number_format(client, db):
    sign_in(client, db, "perencana")
    html = client.get("/projects/akuarium").text
    assert "10.300 m²" in html or "10.301 m²" in html  # 10,300 m2 of HPL land, per the guide
    assert "HPL (hak pengelolaan)" in html
    assert "WIB" in html


def test_new_project_form_keeps_input_and_names_the_problem(client, db):
    sign_in(client, db, "perencana")
    r = client.post("/projects", data={"cooperative": "kunir", "name": "Kunir Dua", "slug": "Kunir Dua!",
                                       "_csrf_token": csrf_token(client)})
    assert r.status_code == 400
    assert 'value="Kunir Dua"' in r.text and 'aria-invalid="true"' in r.text
    assert "slug" in r.text.lower()


def test_helpful_404_and_403_pages(client, db):
    sign_in(client, db, "pembaca")
    r = client.get("/projects/tidak-ada")
    assert r.status_code == 404 and "Halaman tidak ditemukan" in r.text and 'href="/"' in r.text
    r = client.get("/audit")
    assert r.status_code == 403 and "administrator" in r.text.lower()


def test_500_page_gives_a_reference_and_no_internals(settings, session_factory):
    from litestar.testing import TestClient

    from app.web.app import create_app

    @get("/boom", sync_to_thread=False)
    def boom() -> str:
        raise RuntimeError("secret internals: password=hunter2")

    app = create_app(settings, db=session_factory)
    app.register(boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert "hunter2" not in r.text and "Traceback" not in r.text
    assert "<code>" in r.text  # the reference to quote to the Japra team


def test_empty_states(client, db):
    from sqlalchemy import delete

    from app.projects.models import Project

    db.execute(delete(Project))
    db.commit()
    sign_in(client, db, "perencana")
    html = client.get("/").text
    assert "Belum ada proyek." in html and 'href="/projects/new"' in html
    assert "belum punya proyek" in client.get("/cooperatives/kunir").text.lower()


def test_static_assets_are_served_by_the_app(client):
    for path in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
                 "/static/vendor/htmx/htmx.min.js", "/static/css/app.css"):
        assert client.get(path).status_code == 200, path
