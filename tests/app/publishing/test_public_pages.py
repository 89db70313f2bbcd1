"""Public pages: published or the same 404, cacheable, sanitised, and without a trace of any member.

The canary is a member of the Akuarium demo (AKU-031, a name and a NIK no one else has) who is allocated a unit,
has an instalment plan and pays it. Every public answer is searched for them, and for every member number."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from app import demo_construction, demo_history, demo_publication
from app.construction import photos as site_photos
from app.members.models import Member
from app.projects.models import Project
from app.publishing import controller as public_pages
from app.publishing import service as publishing
from tests.app.construction.test_construction_photos import camera_jpeg
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
TODAY = date(2026, 11, 24)
CANARY_NAME = "Kanarisa Zzyzwyck"
CANARY_NIK = "9999313131313131"


@pytest.fixture(autouse=True)
def fresh_cache():
    public_pages._cache.clear()
    yield
    public_pages._cache.clear()


@pytest.fixture()
def store(web_app, settings, tmp_path):
    original = web_app.state.settings
    web_app.state.settings = dataclasses.replace(settings, photo_dir=tmp_path / "photos")
    yield site_photos.PhotoStore.from_settings(web_app.state.settings)
    web_app.state.settings = original


@pytest.fixture()
def demo(db, store):
    """The demo's history (meeting, plans, payments), construction with two photos (one public), and publications."""
    demo_history.load(db, TODAY)
    demo_construction.load(db, TODAY)
    marlina = db.scalar(select(Project).where(Project.slug == "marlina"))
    shown, hidden = site_photos.add_photos(db, "test", store, marlina, [
        site_photos.PhotoUpload("blok-a.jpg", camera_jpeg(seed=1), "Pengecoran lantai 3", "A"),
        site_photos.PhotoUpload("rapat.jpg", camera_jpeg(seed=2), "Rapat internal pengurus", "B")])
    publishing.set_photo_public(db, "test", marlina, shown.id, True)
    demo_publication.load(db)
    db.commit()
    return {"shown": shown.id, "hidden": hidden.id}


def _members(db) -> list[Member]:
    return list(db.scalars(select(Member)))


def _assert_no_member(text: str, members: list[Member]) -> None:
    assert CANARY_NAME not in text and CANARY_NIK not in text
    for m in members:
        assert m.name not in text, m.number
        assert not re.search(rf"\b{re.escape(m.number)}\b", text), m.number
        if m.nik:
            assert m.nik not in text


def test_the_canary_member_is_in_the_data_but_nowhere_public(client, db, demo):
    canary = db.scalar(select(Member).where(Member.number == "AKU-031"))
    assert canary.name == CANARY_NAME and canary.nik == CANARY_NIK  # the canary is real data, with a plan
    members = _members(db)
    pages = ["/publik", "/publik?lang=en", "/publik/akuarium", "/publik/akuarium?lang=en", "/publik/marlina",
             "/publik/akuarium/data.json", "/publik/marlina/data.json", "/publik/akuarium/embed",
             "/publik/marlina/peta.html", "/publik/akuarium/peta.html",
             "/publik/akuarium?member=AKU-031", f"/publik/akuarium/data.json?member_id={canary.id}"]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        _assert_no_member(r.text, members)
    for url in ("/publik/akuarium/poster/a4", "/publik/marlina/poster/a3"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(BytesIO(r.content)).pages)
        assert "Kampung Susun" in text
        _assert_no_member(text, members)
    preview = client.get("/publik/marlina/preview.png")
    assert preview.status_code == 200 and Image.open(BytesIO(preview.content)).size == (1200, 630)


def test_unpublished_and_unknown_projects_answer_the_same_404(client, db, demo):
    kunir = client.get("/publik/kunir")  # exists, not published
    nowhere = client.get("/publik/tidak-ada")
    assert kunir.status_code == nowhere.status_code == 404
    assert kunir.text.replace("kunir", "X") == nowhere.text.replace("tidak-ada", "X")  # only the asked path differs
    for suffix in ("/data.json", "/embed", "/peta.html", "/poster/a4", "/preview.png", "/foto/1"):
        assert client.get("/publik/kunir" + suffix).status_code == 404, suffix
    assert client.get("/publik/marlina/poster/a5").status_code == 404


def test_only_photos_marked_public_are_served_and_without_exif(client, db, demo):
    shown = client.get(f"/publik/marlina/foto/{demo['shown']}")
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    image = Image.open(BytesIO(shown.content))
    assert not image.getexif() and b"PhoneMakerSecret" not in shown.content
    assert client.get(f"/publik/marlina/foto/{demo['hidden']}").status_code == 404  # not marked public
    assert client.get(f"/publik/akuarium/foto/{demo['shown']}").status_code == 404  # another project's
    data = client.get("/publik/marlina/data.json").json()
    assert [p["id"] for p in data["photos"]] == [demo["shown"]]
    assert "Rapat internal pengurus" not in client.get("/publik/marlina").text
    # Its position on the map is its block's, not the GPS the phone wrote.
    assert (data["photos"][0]["lat"], data["photos"][0]["lon"]) != (-6.11, 106.8)


def test_withdrawing_a_page_takes_it_down(client, db, demo):
    assert client.get("/publik/marlina").status_code == 200
    sign_in(client, db, "perencana")
    r = client.post("/projects/marlina/publication", data={"_csrf_token": csrf_token(client), "title": "x"},
                    follow_redirects=False)
    assert r.status_code == 302
    client.cookies.clear()
    assert client.get("/publik/marlina").status_code == 404
    assert "marlina" not in client.get("/publik").text


def test_public_pages_are_cacheable_and_answer_304(client, db, demo):
    first = client.get("/publik/marlina")
    assert first.headers["cache-control"].startswith("public") and first.headers["etag"]
    assert "set-cookie" not in {k.lower() for k in first.headers}
    # Shared on social media or embedded elsewhere, its links must name this site.
    assert 'content="http://testserver.local/publik/marlina/preview.png"' in first.text
    assert 'iframe src="http://testserver.local/publik/marlina/embed"' in first.text
    again = client.get("/publik/marlina", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert client.get("/publik/marlina?lang=en").headers["etag"] != first.headers["etag"]


def test_a_story_with_scripts_is_sanitised(client, db, demo):
    sign_in(client, db, "perencana")
    story = ('## Cerita\n<script>alert("x")</script><img src=x onerror="alert(1)">'
             '[klik](javascript:alert(1)) <a href="#" onclick="steal()">a</a>')
    client.post("/projects/marlina/publication", data={"_csrf_token": csrf_token(client), "published": "on",
                                                       "show_story": "on", "story_md": story})
    client.cookies.clear()
    page = client.get("/publik/marlina").text
    assert "Cerita" in page
    body = page.split('id="main"')[1].split('<script type="application/json"')[0]
    # What was markup is shown as text or dropped: no script element, no event handler, no javascript: link.
    assert "<script" not in body
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", body)
    assert not re.search(r"<a[^>]*href=\"javascript:", body)


def test_figures_about_fewer_than_five_households_are_withheld(client, db, demo):
    kunir = db.scalar(select(Project).where(Project.slug == "kunir"))
    pub = publishing.settings_of(db, kunir)
    view = publishing.view(db, kunir, pub, TODAY)
    assert view.figures.households is not None  # 33 units: shown
    from publication.figures import FigureInputs, public_figures

    few = public_figures(FigureInputs(households=4, units=4, land_area_m2=300, total_cost=1_000_000_000,
                                      typical_instalment=1_500_000))
    assert few.households is None and few.typical_instalment is None and few.cost_per_unit is None


def test_only_japra_planners_publish(client, db, demo):
    sign_in(client, db, "pengurus-marlina")
    assert client.get("/projects/marlina/publication").status_code == 403
    sign_in(client, db, "pembaca")
    assert client.get("/projects/marlina/publication").status_code == 403
    sign_in(client, db, "perencana")
    page = client.get("/projects/marlina/publication")
    assert page.status_code == 200 and "Pengecoran lantai 3" in page.text


def test_maps_carry_the_kelurahan_around_the_site_for_orientation(client, db, demo):
    data = client.get("/publik/marlina/data.json").json()
    names = {f["properties"]["kelurahan"] for f in data["context"]["features"]}
    assert "Penjaringan" in names and len(names) < 15  # the neighbourhood, not the whole city
    overview = client.get("/publik").text
    assert "Penjaringan" in overview and "OpenStreetMap" in overview


def test_signed_in_pages_are_private_to_their_user(client, db):
    sign_in(client, db, "pengurus-akuarium")
    for url in ("/", "/cooperatives/akuarium/members", "/cooperatives/akuarium/arrears", "/api/projects"):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["cache-control"] == "private, no-cache", url


def test_a_forged_host_header_never_reaches_another_visitor(client, db, demo, web_app, settings):
    forged = client.get("/publik/marlina/peta.html", headers={"Host": "evil.example"})
    assert forged.status_code == 200
    for url in ("/publik/marlina/peta.html", "/publik/marlina", "/publik/marlina/poster/a4"):
        assert b"evil.example" not in client.get(url).content, url
    # With the address configured, no request can choose it.
    web_app.state.settings = dataclasses.replace(web_app.state.settings, public_url="https://japra.example.org")
    try:
        public_pages._cache.clear()
        page = client.get("/publik/marlina", headers={"Host": "evil.example"}).text
        assert "https://japra.example.org/publik/marlina/preview.png" in page and "evil.example" not in page
    finally:
        web_app.state.settings = settings


def test_forged_host_headers_add_nothing_to_the_cache(client, db, demo):
    client.get("/publik/marlina")  # the overview of a known page, kept for everyone
    kept = len(public_pages._cache)
    for n in range(150):
        r = client.get("/publik/marlina", headers={"Host": f"forged-{n}.example"})
        assert r.status_code == 200 and f"forged-{n}.example" in r.text  # built for whoever forged it, and only them
    assert len(public_pages._cache) == kept
    assert client.get("/publik/marlina/poster/a4", headers={"Host": "forged.example"}).status_code == 200
    assert len(public_pages._cache) == kept


def test_the_servers_own_address_is_cached_and_so_is_every_host_once_the_address_is_configured(
        client, db, demo, web_app, settings):
    own = f"127.0.0.1:{settings.port}"
    first = client.get("/publik/marlina", headers={"Host": own})
    assert f"http://{own}/publik/marlina/preview.png" in first.text
    assert any(own in str(key) for key in public_pages._cache)
    web_app.state.settings = dataclasses.replace(settings, public_url="https://japra.example.org")
    try:
        public_pages._cache.clear()
        for n in range(20):
            client.get("/publik/marlina", headers={"Host": f"forged-{n}.example"})
        assert len(public_pages._cache) == 1  # one page, one address: no Host header can add another
    finally:
        web_app.state.settings = settings


def test_an_amount_with_decimals_is_refused_not_multiplied(client, db, demo):
    sign_in(client, db, "perencana")
    r = client.post("/projects/marlina/publication", data={"_csrf_token": csrf_token(client), "published": "on",
                                                           "reference_price_per_m2": "15000000.00"})
    assert r.status_code == 400 and 'role="alert"' in r.text
    db.expire_all()
    assert publishing.settings_of(db, db.scalar(select(Project).where(Project.slug == "marlina"))) \
        .reference_price_per_m2 == 15_000_000  # as the demo set it, unchanged
