"""Adding, editing and deactivating a cooperative (issue 13): pages, the command line, the rules and their refusals."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.cooperatives.models import Cooperative
from tests.conftest import csrf_token, marked_invalid, post_form, sign_in_english

pytestmark = pytest.mark.db

FULL = {
    "slug": "kampung-baru", "name": "Kampung Baru", "legal_name": "Koperasi Perumahan Kampung Baru Sejahtera",
    "badan_hukum_number": "AHU-0001234.AH.01.26.TAHUN 2026", "address": "Jl. Baru No. 1, RT 01/RW 02",
    "kelurahan": "Penjaringan", "kecamatan": "Penjaringan", "city": "Jakarta Utara", "chair": "Siti Aminah",
    "secretary": "Budi Santoso", "treasurer": "Rina Wati", "phone": "+62 812-3456-7890",
    "contact_email": "pengurus@kampungbaru.example", "description": "",
}


def _coop(db, slug: str) -> Cooperative | None:
    db.expire_all()
    return db.scalar(select(Cooperative).where(Cooperative.slug == slug))


def _actions(db, coop: Cooperative) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "cooperative",
                                                           AuditEntry.entity_id == str(coop.id))
                          .order_by(AuditEntry.id)))


def test_a_planner_adds_a_cooperative_with_what_documents_need(client, db):
    sign_in_english(client, db, "perencana")
    listing = client.get("/cooperatives").text
    assert 'href="/cooperatives/new"' in listing
    assert "<title>New cooperative" in client.get("/cooperatives/new").text
    r = post_form(client, "/cooperatives/new", FULL)
    assert r.status_code in (302, 303) and r.headers["location"].startswith("/cooperatives/kampung-baru")
    page = client.get("/cooperatives/kampung-baru").text
    for shown in ("Kampung Baru", "Koperasi Perumahan Kampung Baru Sejahtera", "AHU-0001234.AH.01.26.TAHUN 2026",
                  "Siti Aminah", "Budi Santoso", "Rina Wati", "pengurus@kampungbaru.example"):
        assert shown in page
    coop = _coop(db, "kampung-baru")
    assert coop.is_active and coop.kelurahan == "Penjaringan" and coop.description is None
    assert _actions(db, coop) == ["cooperative.create"]
    # It is offered when a project is created, and takes one.
    assert 'value="kampung-baru"' in client.get("/projects/new").text


def test_the_new_cooperative_form_names_every_bad_field_and_stores_nothing(client, db):
    sign_in_english(client, db, "admin")
    r = post_form(client, "/cooperatives/new", {**FULL, "slug": "Bukan Slug!", "name": "", "chair": "x" * 201,
                                               "contact_email": "not-an-address", "phone": "call me"})
    assert r.status_code == 400
    for field in ("slug", "name", "chair", "contact_email", "phone"):
        assert marked_invalid(r.text, field), field
    assert "The slug may hold lowercase letters" in r.text and "At most 200 characters." in r.text
    assert 'value="Bukan Slug!"' in r.text  # what was typed comes back
    assert _coop(db, "kampung-baru") is None


@pytest.mark.parametrize("slug", ["", "-a", "a-", "a" * 65, "new", "a/b", "ä", "../x", "a b"])
def test_a_slug_comes_from_a_safe_alphabet(client, db, slug):
    sign_in_english(client, db, "admin")
    r = post_form(client, "/cooperatives/new", {**FULL, "slug": slug})
    assert r.status_code == 400 and marked_invalid(r.text, "slug")


def test_a_slug_is_used_once(client, db):
    sign_in_english(client, db, "admin")
    r = post_form(client, "/cooperatives/new", {**FULL, "slug": "kunir"})
    assert r.status_code == 409 and "already used by another cooperative" in r.text


def test_bounds_of_every_field(client, db):
    sign_in_english(client, db, "admin")
    for field, limit in (("address", 500), ("badan_hukum_number", 100), ("kelurahan", 100), ("phone", 32),
                         ("description", 5000), ("name", 200)):
        r = post_form(client, "/cooperatives/new", {**FULL, field: "1" * (limit + 1)})
        assert r.status_code == 400 and marked_invalid(r.text, field), field
        assert f"At most {limit:,} characters." in r.text or f"At most {limit} characters." in r.text
    r = post_form(client, "/cooperatives/new", {**FULL, "address": "\x00"})
    assert r.status_code == 400
    assert _coop(db, "kampung-baru") is None


def test_a_planner_edits_the_details_and_the_change_is_audited(client, db):
    sign_in_english(client, db, "perencana")
    page = client.get("/cooperatives/kunir/edit")
    assert page.status_code == 200 and 'name="chair"' in page.text and "<title>Edit cooperative" in page.text
    data = {k: v for k, v in FULL.items() if k != "slug"}
    r = post_form(client, "/cooperatives/kunir/edit", {**data, "name": "Kunir", "treasurer": ""})
    assert r.status_code in (302, 303)
    coop = _coop(db, "kunir")
    assert coop.chair == "Siti Aminah" and coop.treasurer is None and coop.slug == "kunir"
    assert "cooperative.update" in _actions(db, coop)
    r = post_form(client, "/cooperatives/kunir/edit", {**data, "secretary": "y" * 201})
    assert r.status_code == 400 and marked_invalid(r.text, "secretary")
    assert _coop(db, "kunir").secretary == "Budi Santoso"


def test_officers_and_viewers_cannot_add_or_edit_cooperatives(client, db):
    for username in ("pengurus-akuarium", "pembaca"):
        client.cookies.clear()
        sign_in_english(client, db, username)
        assert "/cooperatives/new" not in client.get("/cooperatives").text
        assert client.get("/cooperatives/new").status_code == 403
        assert post_form(client, "/cooperatives/new", FULL).status_code == 403
        for slug in ("kunir", "akuarium"):  # another's and, for the officer, its own
            assert client.get(f"/cooperatives/{slug}/edit").status_code == 403
            assert post_form(client, f"/cooperatives/{slug}/edit", {"name": "Taken"}).status_code == 403
            assert post_form(client, f"/cooperatives/{slug}/deactivate", {}).status_code == 403
    assert _coop(db, "kampung-baru") is None
    assert _coop(db, "kunir").name != "Taken" and _coop(db, "kunir").is_active


def test_an_unknown_cooperative_is_404(client, db):
    sign_in_english(client, db, "admin")
    assert client.get("/cooperatives/nowhere/edit").status_code == 404
    assert post_form(client, "/cooperatives/nowhere/deactivate", {}).status_code == 404


def test_deactivating_keeps_the_data_hides_it_from_pickers_and_refuses_new_projects(client, db):
    sign_in_english(client, db, "perencana")
    confirm = client.get("/cooperatives/marlina/deactivate")
    assert confirm.status_code == 200 and "no new project can be created" in confirm.text
    projects_before = len(_coop(db, "marlina").projects)
    assert post_form(client, "/cooperatives/marlina/deactivate", {}).status_code in (302, 303)
    coop = _coop(db, "marlina")
    assert not coop.is_active and len(coop.projects) == projects_before > 0
    assert "cooperative.deactivate" in _actions(db, coop)
    assert client.get("/api/cooperatives/marlina").json()["is_active"] is False
    page = client.get("/cooperatives/marlina").text
    assert "Deactivated" in page and "/projects/new?cooperative=marlina" not in page
    assert 'value="marlina"' not in client.get("/projects/new").text
    assert "Deactivated" in client.get("/cooperatives").text
    r = post_form(client, "/projects", {"cooperative": "marlina", "name": "Marlina Tahap 3", "slug": "marlina-3"})
    assert r.status_code == 400 and "deactivated and takes no new project" in r.text
    api = client.post("/api/projects", json={"cooperative": "marlina", "name": "Marlina Tahap 3", "slug": "marlina-3"},
                      headers={"x-csrftoken": csrf_token(client)})
    assert api.status_code == 400 and api.json()["errors"][0]["field"] == "cooperative"
    # Again: it can be activated and takes projects again.
    assert post_form(client, "/cooperatives/marlina/activate", {}).status_code in (302, 303)
    r = post_form(client, "/projects", {"cooperative": "marlina", "name": "Marlina Tahap 3", "slug": "marlina-3"})
    assert r.status_code in (302, 303)


def test_the_command_line_creates_lists_updates_and_deactivates(cli, db):
    r = cli("cooperatives", "create", "--slug", "kampung-baru", "--name", "Kampung Baru", "--chair", "Siti Aminah",
            "--badan-hukum-number", "AHU-1", "--contact-email", "a@b.example")
    assert r.exit_code == 0, r.stderr
    listed = {c["slug"]: c for c in json.loads(cli("cooperatives", "list", "--json").stdout)}
    assert listed["kampung-baru"]["chair"] == "Siti Aminah" and listed["kampung-baru"]["is_active"] is True
    assert {"akuarium", "marlina", "kunir"} <= set(listed)
    assert "kampung-baru" in cli("cooperatives", "list").stdout
    dup = cli("cooperatives", "create", "--slug", "kampung-baru", "--name", "X")
    assert dup.exit_code == 2 and "already used" in dup.stderr
    bad = cli("cooperatives", "create", "--slug", "Bukan Slug!", "--name", "X")
    assert bad.exit_code == 2 and bad.stderr.startswith("--slug: The slug may hold")
    long = cli("cooperatives", "create", "--slug", "x", "--name", "X", "--phone", "1" * 33)
    assert long.exit_code == 2 and "--phone: At most 32 characters." in long.stderr
    assert cli("cooperatives", "update", "--slug", "kampung-baru", "--treasurer", "Rina").exit_code == 0
    coop = _coop(db, "kampung-baru")
    assert coop.treasurer == "Rina" and coop.chair == "Siti Aminah"
    assert cli("cooperatives", "deactivate", "--slug", "kampung-baru").exit_code == 0
    refused = cli("projects", "create", "--cooperative", "kampung-baru", "--name", "X", "--slug", "kb-1")
    assert refused.exit_code == 2 and "deactivated" in refused.stderr
    assert cli("cooperatives", "activate", "--slug", "kampung-baru").exit_code == 0
    assert cli("projects", "create", "--cooperative", "kampung-baru", "--name", "X", "--slug", "kb-1").exit_code == 0
    assert cli("cooperatives", "deactivate", "--slug", "nowhere").exit_code == 2


def _proposal_text(db, slug: str) -> str:
    import io
    import os
    from datetime import date

    from pypdf import PdfReader

    from app.designs import service as designs
    from app.designs.proposal import proposal_pdf
    from app.projects.models import Project

    project = db.scalar(select(Project).where(Project.slug == slug))
    pdf = proposal_pdf(db, project, designs.by_name(db, project, None), printed_on=date(2026, 8, 17))
    if os.environ.get("JAPRA_KEEP_PDF"):  # to look at it: pdftoppm -png -r 60 FILE /tmp/x
        with open(os.environ["JAPRA_KEEP_PDF"], "wb") as out:
            out.write(pdf)
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def test_the_proposal_is_signed_by_the_officers_by_name_or_on_a_blank_line_with_the_role(db):
    text = _proposal_text(db, "kunir")
    for name in ("Bambang Sutrisno", "Ratna Kusumawati", "Hendra Wijaya Saputra"):
        assert name in text
    assert "Ketua koperasi" in text and "Sekretaris" in text and "Bendahara" in text
    coop = _coop(db, "kunir")
    coop.chair = coop.treasurer = None
    db.flush()
    text = _proposal_text(db, "kunir")
    assert "Bambang Sutrisno" not in text and "Hendra Wijaya Saputra" not in text
    assert "Ratna Kusumawati" in text and "Ketua koperasi" in text and "Bendahara" in text


def test_a_fresh_install_greets_its_first_admin_with_the_first_steps(web_app, scratch_database_url):
    """No demo: an admin signs in to an empty Japra and is shown what to do first, each step with its page."""
    from litestar.testing import TestClient
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from app.auth.service import create_user, start_session
    from app.clock import SystemClock
    from app.db.migrate import upgrade
    from app.projects import service as projects

    upgrade(scratch_database_url)
    engine = create_engine(scratch_database_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session:
        admin = create_user(session, username="pertama", role="admin", password="kunir-pohon-mangga-2026")
        cookie = start_session(session, admin, 1)
        session.commit()
    web_app.state.db = factory
    web_app.state.clock = SystemClock()
    try:
        with TestClient(web_app, base_url="http://testserver.local") as client:
            client.cookies.set("japra_session", cookie)
            client.cookies.set("japra_lang", "en")
            page = client.get("/").text
            assert "Getting started" in page and 'href="/cooperatives/new"' in page
            assert "Enter its officers" in page and "Create its first project" in page
            token = csrf_token(client)
            r = client.post("/cooperatives/new", data={"slug": "kampung-baru", "name": "Kampung Baru",
                                                       "_csrf_token": token}, follow_redirects=False)
            assert r.status_code in (302, 303)
            page = client.get("/").text
            assert 'href="/cooperatives/kampung-baru/edit"' in page
            assert 'href="/projects/new?cooperative=kampung-baru"' in page
            with factory() as session:
                projects.create(session, "cli", projects.NewProject(cooperative="kampung-baru", name="Tahap 1",
                                                                    slug="tahap-1"))
                session.commit()
            assert "Getting started" not in client.get("/").text
    finally:
        engine.dispose()


def test_the_progress_report_is_acknowledged_by_the_chair_by_name(db, tmp_path):
    from app import demo_construction
    from app.construction import photos as site_photos
    from app.construction import progress_report as doc
    from app.projects.models import Project
    from tests.app.construction import test_progress_report as reports

    demo_construction.load(db, reports.TODAY)
    marlina = db.scalar(select(Project).where(Project.slug == "marlina"))
    store = site_photos.PhotoStore(tmp_path / "photos", 5_000_000, 20_000_000)
    html = doc.progress_report_html(db, marlina, reports.OCTOBER, today=reports.TODAY, locale="en", store=store)
    assert '<div class="name">Yuliani Marpaung</div>' in html
    marlina.cooperative.chair = None
    db.flush()
    html = doc.progress_report_html(db, marlina, reports.OCTOBER, today=reports.TODAY, locale="en", store=store)
    assert "Yuliani Marpaung" not in html and '<div class="name">Name and signature</div>' in html


@pytest.mark.parametrize("value", ["", " ", "\x00", "x" * 100_000, "<script>alert(1)</script>", "😀" * 300, "-1",
                                   "NaN", "../../etc/passwd"])
def test_no_input_to_the_cooperative_forms_is_a_500(client, db, value):
    sign_in_english(client, db, "admin")
    fields = {name: value for name in ("slug", "name", "legal_name", "badan_hukum_number", "address", "kelurahan",
                                       "kecamatan", "city", "chair", "secretary", "treasurer", "phone",
                                       "contact_email", "description")}
    for url in ("/cooperatives/new", "/cooperatives/kunir/edit", "/cooperatives/kunir/deactivate",
                "/cooperatives/kunir/activate"):
        r = post_form(client, url, fields)
        assert r.status_code < 500, (url, r.status_code)
        assert "<script>alert(1)</script>" not in r.text
