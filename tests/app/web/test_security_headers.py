"""Every answer carries the security headers (app/web/security_headers.py): no signed-in page may be framed, no
script runs but the app's own files and the map code it marked itself, and only the public embed page is frameable."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from app import demo_history, demo_publication
from app.loans.models import InstalmentPlan
from app.meetings.models import AllocationMeeting
from app.projects.models import Project
from app.publishing import controller as public_pages
from tests.conftest import sign_in

pytestmark = pytest.mark.db
TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


@pytest.fixture()
def akuarium(db):
    """The demo's Akuarium history (a confirmed meeting, plans, payments) and its public page."""
    public_pages._cache.clear()
    demo_history.load(db, date(2026, 11, 24))
    demo_publication.load(db)
    db.commit()
    project = db.scalar(select(Project).where(Project.slug == "akuarium"))
    meeting = db.scalar(select(AllocationMeeting).where(AllocationMeeting.project_id == project.id))
    plan = db.scalar(select(InstalmentPlan).where(InstalmentPlan.cooperative_id == project.cooperative_id,
                                                  InstalmentPlan.in_force).order_by(InstalmentPlan.id))
    yield {"meeting": meeting.id, "plan": plan.id}
    public_pages._cache.clear()


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    header = response.headers["content-security-policy"]
    return {name: " ".join(rest) for name, *rest in (d.split() for d in header.split(";"))}


def assert_guarded(response, *, frameable: bool = False) -> dict[str, str]:
    csp = policy(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"].split()[0] == "'self'" and "unsafe" not in csp["script-src"]
    assert csp["style-src-elem"].split()[0] == "'self'" and "unsafe" not in csp["style-src-elem"]
    assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'" and csp["form-action"] == "'self'"
    assert csp["connect-src"] == "'self'" and csp["font-src"] == "'self'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("strict-origin-when-cross-origin", "no-referrer")
    assert "camera=()" in response.headers["permissions-policy"]
    if frameable:
        assert csp["frame-ancestors"] == "*"
        assert "x-frame-options" not in response.headers
    else:
        assert csp["frame-ancestors"] == "'none'"
        assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers  # the test settings have no secure cookies
    return csp


def test_the_pages_that_act_cannot_be_framed(client, db, akuarium):
    sign_in(client, db, "pengurus-akuarium")
    plan = client.get(f"/cooperatives/akuarium/plans/{akuarium['plan']}")
    assert plan.status_code == 200 and f"/plans/{akuarium['plan']}/reversals" in plan.text
    meeting = client.get(f"/projects/akuarium/meetings/{akuarium['meeting']}")
    assert meeting.status_code == 200 and "/amendments" in meeting.text
    for page in (plan, meeting):
        # No map on these pages: nothing inline, so not even a nonce.
        assert assert_guarded(page)["script-src"] == "'self'"
        assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"

    sign_in(client, db, "perencana")
    publishing = client.get("/projects/akuarium/publication")
    assert publishing.status_code == 200 and 'action="/projects/akuarium/publication"' in publishing.text
    assert assert_guarded(publishing)["script-src"] == "'self'"


def _inline_scripts(html: str) -> list[str]:
    """Opening tags of <script> elements that run inline code (not a file, not a JSON data block)."""
    tags = re.findall(r"<script\b[^>]*>", html)
    return [t for t in tags if "src=" not in t and "application/json" not in t]


def test_a_map_page_runs_only_the_map_code_it_marked_with_this_answers_nonce(client, db):
    sign_in(client, db, "perencana")
    first, second = client.get("/"), client.get("/")
    assert 'data-map="feature-map"' in first.text
    csp = assert_guarded(first)
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]+)'", csp["script-src"]).group(1)
    assert csp["style-src-elem"] == f"'self' 'nonce-{nonce}'"  # folium's <style> for its tooltips and legend
    assert csp["style-src-attr"] == "'unsafe-inline'"  # folium's map box and the legend swatches
    assert "https://tile.openstreetmap.org" in csp["img-src"].split()  # the basemap
    inline = _inline_scripts(first.text)
    assert inline and all(tag == f'<script nonce="{nonce}">' for tag in inline)
    assert all(f'<style nonce="{nonce}">' == tag for tag in re.findall(r"<style\b[^>]*>", first.text))
    assert nonce not in second.text and nonce not in second.headers["content-security-policy"]  # one per answer


def test_json_problem_json_static_files_and_error_pages_carry_them(client, db):
    sign_in(client, db, "perencana")
    api = client.get("/api/projects")
    assert api.status_code == 200 and api.headers["content-type"].startswith("application/json")
    problem = client.get("/api/projects/no-such-project")
    assert problem.status_code == 404 and problem.headers["content-type"].startswith("application/problem+json")
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    script = client.get("/static/vendor/htmx/htmx.min.js")
    assert script.status_code == 200
    missing_page = client.get("/no-such-page")
    missing_file = client.get("/static/no-such-file.css")
    assert missing_page.status_code == missing_file.status_code == 404
    signed_out = TestClient(client.app, base_url="http://testserver.local")
    login = signed_out.get("/login")
    for response in (api, problem, css, script, missing_page, missing_file, login):
        assert_guarded(response)


def test_the_malformed_host_refusal_carries_them_too(client):
    refused = client.get("/login", headers={"Host": "evil.example:99999"})
    assert refused.status_code == 400 and refused.text.startswith("Bad Request")
    assert_guarded(refused)


def test_a_pdf_download_carries_them(client, db, akuarium):
    sign_in(client, db, "pengurus-akuarium")
    pdf = client.get(f"/projects/akuarium/meetings/{akuarium['meeting']}/berita-acara.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert_guarded(pdf)


def test_public_pages_keep_their_own_referrer_policy_and_only_the_embed_may_be_framed(client, akuarium):
    for path in ("/publik", "/publik/akuarium", "/publik/akuarium/data.json"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert assert_guarded(page)["script-src"] == "'self'"
        assert page.headers["referrer-policy"] == "no-referrer"  # the handler's own, not overwritten
        assert page.headers.get_list("referrer-policy") == ["no-referrer"]
    embed = client.get("/publik/akuarium/embed")
    assert embed.status_code == 200 and 'id="public-map"' in embed.text
    assert_guarded(embed, frameable=True)
    again = client.get("/publik/akuarium/embed", headers={"If-None-Match": embed.headers["etag"]})
    assert again.status_code == 304
    assert_guarded(again, frameable=True)
    # Nothing else under /publik is frameable: not the project's own page, nor a path that only ends the same.
    assert_guarded(client.get("/publik/akuarium/embed/x"))
    assert_guarded(client.get("/publik/akuarium?x=/embed"))


def test_strict_transport_security_only_with_secure_cookies(settings, session_factory, db):
    from app.web.app import create_app

    secure = create_app(replace(settings, force_secure_cookies=True), db=session_factory)
    with TestClient(secure, base_url="https://testserver.local") as c:
        for response in (c.get("/login"), c.get("/static/css/app.css"), c.get("/no-such-page"),
                         c.get("/login", headers={"Host": "evil.example:99999"})):
            assert response.headers["strict-transport-security"] == "max-age=31536000"
            assert "preload" not in response.headers["strict-transport-security"]
            assert response.headers["x-frame-options"] == "DENY"


def test_no_template_runs_inline_code():
    """The CSP would stop it; this says which template before a browser does."""
    for path in TEMPLATES.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert not _inline_scripts(html), path
        assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.IGNORECASE), path
        assert "javascript:" not in html.lower(), path
        if not path.is_relative_to(TEMPLATES / "pdf"):  # a PDF's <style> is read by WeasyPrint, not a browser
            assert "<style" not in html, path
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert '"includeIndicatorStyles": false' in base and '"allowEval": false' in base
    # folium's inline code runs only through |nonced; |safe would leave it to be blocked.
    assert "map.script|nonced" in (TEMPLATES / "_map.html").read_text(encoding="utf-8")
    assert "map.header|nonced" in base
