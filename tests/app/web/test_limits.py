"""The bounds of kernel.limits, the same on the form, the API, a file and in the database: a value past one is
refused with a message naming the field (or the row and column) and the limit, and nothing is stored. A reversal
names its payment by id, so no payment's reference can block it and a 64-character reference is reversed too;
member numbers are of an alphabet their page's address can carry.

Every test runs on SQLite and, with JAPRA_TEST_DATABASE_URL, on PostgreSQL (where varchar(64) is enforced)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.errors import Invalid
from app.loans import service as loans
from app.loans.models import PaymentEntry
from app.members.models import Member
from app.projects.models import Project
from kernel import limits
from tests.app.loans.test_loans import _plan
from tests.app.loans.test_payment_import import IMPORT, TODAY, _confirm, _upload, _with_plans
from tests.conftest import csrf_token, fix_today, marked_invalid, post_form, sign_in, sign_in_english

pytestmark = pytest.mark.db

PROJECT = {"cooperative": "kunir", "name": "Kampung Uji", "slug": "kampung-uji", "stage": "inisiasi"}
MEMBER = {"number": "KNR-970", "name": "Wulan Sekarsari", "household_size": "4", "monthly_income": "4500000"}
NUMBER_RULE = ("a member number is 1 to 32 letters, digits, dots, dashes or underscores, starting with a letter or "
               "a digit (no slash, no space).")
AMOUNT_RULE = "The amount must lie between Rp1 and Rp1,000,000,000,000."
HUGE = "9223372036854775807"  # 2**63 - 1: stored as it was before the bound





def _count(db, model, *where) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where))


def _refused_by_the_database(db, row) -> None:
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(row)
        db.flush()


# --- a project's description: the form, the API, the database ---------------------------------------------------

def test_a_project_description_past_its_bound_is_refused_on_the_form_and_nothing_is_stored(client, db):
    sign_in_english(client, db, "perencana")
    r = post_form(client, "/projects", {**PROJECT, "description": "x" * (limits.DESCRIPTION + 1)})
    assert r.status_code == 400 and "At most 5,000 characters." in r.text and marked_invalid(r.text, "description")
    assert _count(db, Project, Project.slug == "kampung-uji") == 0
    # The bound itself is taken.
    r = post_form(client, "/projects", {**PROJECT, "description": "x" * limits.DESCRIPTION})
    assert r.status_code == 302 and _count(db, Project, Project.slug == "kampung-uji") == 1


def test_a_multi_megabyte_description_on_the_form_is_refused_and_nothing_is_stored(client, db):
    sign_in_english(client, db, "perencana")
    r = post_form(client, "/projects", {**PROJECT, "description": "x" * 3_000_000})
    assert r.status_code == 400 and "At most 5,000 characters." in r.text
    assert _count(db, Project, Project.slug == "kampung-uji") == 0


@pytest.fixture()
def planner(client, db):
    sign_in(client, db, "perencana")
    client.headers["x-csrftoken"] = csrf_token(client)
    return client


def test_the_api_refuses_a_description_past_its_bound_naming_the_field_and_the_limit(planner, db):
    body = {"cooperative": "kunir", "name": "Kampung Uji", "slug": "kampung-uji"}
    r = planner.post("/api/projects", json={**body, "description": "x" * (limits.DESCRIPTION + 1)})
    assert r.status_code == 400, r.text[:300]
    [error] = [e for e in r.json()["errors"] if e.get("field") == "description"]
    # In the user's language and notation, not the body decoder's English.
    assert error["message"] == "Paling banyak 5.000 karakter."
    r = planner.post("/api/projects?lang=en", json={**body, "description": "x" * (limits.DESCRIPTION + 1)})
    english = [e["message"] for e in r.json()["errors"] if e.get("field") == "description"]
    assert english == ["At most 5,000 characters."]
    r = planner.post("/api/projects", json={**body, "colour": "merah"})
    assert r.status_code == 400 and "colour" in str(r.json()["errors"]) and "Object contains" not in r.text
    assert _count(db, Project, Project.slug == "kampung-uji") == 0
    assert planner.post("/api/projects", json={**body, "description": "x" * limits.DESCRIPTION}).status_code == 201
    r = planner.patch("/api/projects/kampung-uji", json={"description": "y" * (limits.DESCRIPTION + 1)})
    assert r.status_code == 400 and any(e.get("field") == "description" for e in r.json()["errors"])
    db.expire_all()
    assert db.scalar(select(Project.description).where(Project.slug == "kampung-uji")) == "x" * limits.DESCRIPTION


def test_the_api_refuses_a_20_mb_body_before_reading_it(planner, db):
    body = json.dumps({"cooperative": "kunir", "name": "Kampung Uji", "slug": "kampung-uji",
                       "description": "x" * 20_000_000}).encode()
    r = planner.post("/api/projects", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")
    assert _count(db, Project, Project.slug == "kampung-uji") == 0


def test_the_openapi_schema_shows_the_bounds(client):
    schemas = client.get("/api/schema/openapi.json").json()["components"]["schemas"]
    create = next(s for name, s in schemas.items() if name.endswith("ProjectCreate"))
    described = json.dumps(create["properties"]["description"])
    assert '"maxLength": 5000' in described
    assert create["properties"]["name"]["maxLength"] == limits.NAME


def test_the_database_refuses_a_description_past_its_bound(db):
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    with pytest.raises(IntegrityError), db.begin_nested():
        project.description = "x" * (limits.DESCRIPTION + 1)
        db.flush()


# --- members: numbers and notes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("number", ["KNR/7", ".", "..", "KNR 7", "-KNR-7", ".KNR", "K" * 33, "KNR-7\\"])
def test_a_member_number_outside_the_safe_alphabet_is_refused_on_the_form(client, db, number):
    sign_in_english(client, db, "pengurus-kunir")
    before = _count(db, Member)
    r = post_form(client, "/cooperatives/kunir/members", {**MEMBER, "number": number})
    assert r.status_code == 400 and NUMBER_RULE in r.text and marked_invalid(r.text, "number")
    assert _count(db, Member) == before


def test_member_numbers_of_the_safe_alphabet_are_taken_and_their_pages_reached(client, db):
    sign_in_english(client, db, "pengurus-kunir")
    for number in ("KNR_7.b", "0007", "AKU-001x"):
        assert post_form(client, "/cooperatives/kunir/members", {**MEMBER, "number": number}).status_code == 302
        assert client.get(f"/cooperatives/kunir/members/{number}").status_code == 200


def test_member_notes_past_their_bound_are_refused_on_the_form(client, db):
    sign_in_english(client, db, "pengurus-kunir")
    r = post_form(client, "/cooperatives/kunir/members", {**MEMBER, "notes": "n" * (limits.NOTE + 1)})
    assert r.status_code == 400 and "At most 5,000 characters." in r.text and marked_invalid(r.text, "notes")
    assert _count(db, Member, Member.number == "KNR-970") == 0


def test_the_member_import_refuses_bad_numbers_and_long_notes_row_by_row(client, db):
    sign_in_english(client, db, "perencana")
    before = _count(db, Member)
    csv = ("nomor_anggota;nama;catatan\n"
           "KNR/7;Satu;\n"
           ".;Dua;\n"
           "..;Tiga;\n"
           f"KNR-971;Empat;{'n' * 6_000}\n").encode()
    r = client.post("/cooperatives/kunir/members-import", files={"file": ("anggota.csv", csv)},
                    data={"_csrf_token": csrf_token(client)}, follow_redirects=False)
    preview = client.get(r.headers["location"])
    for row in (2, 3, 4):
        assert f"Row {row}, column nomor_anggota: {NUMBER_RULE}" in preview.text
    assert "Row 5, column catatan: the notes are 6,000 characters long; at most 5,000 fit." in preview.text
    confirm = client.post(r.headers["location"], data={"action": "import", "_csrf_token": csrf_token(client)})
    assert confirm.status_code == 400 and _count(db, Member) == before


def test_the_database_refuses_member_numbers_outside_the_alphabet_and_long_notes(db):
    known = db.scalar(select(Member).where(Member.number == "KNR-001"))
    before = _count(db, Member)
    for number in ("KNR/7", ".", "..", "KNR 7", "-7"):
        _refused_by_the_database(db, Member(cooperative_id=known.cooperative_id, number=number, name="X"))
    _refused_by_the_database(db, Member(cooperative_id=known.cooperative_id, number="KNR-972", name="X",
                                        notes="n" * (limits.NOTE + 1)))
    assert _count(db, Member) == before  # none of them is stored
    db.add(Member(cooperative_id=known.cooperative_id, number="KNR-972", name="X", notes="n" * limits.NOTE))
    db.flush()  # while a number of the alphabet with notes at the bound is
    assert _count(db, Member, Member.number == "KNR-972") == 1


# --- payments: the amount's bound, and reversals by id ------------------------------------------------------------

@pytest.fixture()
def plans(client, db, web_app):
    """Kunir's officer, English pages, loans from 2026-01-25 and a fixed today (as the payment import's tests). The
    day is fixed after the plans are made: the meeting behind them is confirmed no earlier than the day it is held."""
    _with_plans(client, db)
    fix_today(web_app, TODAY)


def _pay(client, page: str, reference: str, amount: str = "1000000", paid_on: str = "2026-01-20"):
    return post_form(client, page + "/payments", {"paid_on": paid_on, "amount": amount, "reference": reference})


def _reverse(client, page: str, reference: str):
    return post_form(client, page + "/reversals", {"reversal_of": reference, "reason": "salah catat"})


def _entry(db, reference: str) -> PaymentEntry:
    db.expire_all()
    return db.scalar(select(PaymentEntry).where(PaymentEntry.reference == reference))


def test_a_payment_above_the_bound_is_refused_by_the_form_the_import_the_service_and_the_database(client, db, plans):
    plan = _plan(db, "KNR-001")
    page = f"/cooperatives/kunir/plans/{plan.id}"
    for amount in (HUGE, "10000000000000"):  # 2**63 - 1, and Rp10 trillion, which the form took before
        r = _pay(client, page, "KW-BIG", amount=amount)
        assert r.status_code == 400 and AMOUNT_RULE in r.text
    assert _count(db, PaymentEntry) == 0

    url = _upload(client, f"nomor_anggota;tanggal;jumlah;referensi\nKNR-001;2026-01-20;{HUGE};KW-BIG\n".encode())
    assert url.startswith(IMPORT + "/")
    preview = client.get(url)
    assert f"Row 2, column jumlah: {HUGE} must be a whole number from 1 to 1,000,000,000,000." in preview.text
    assert _confirm(client, url).status_code == 400 and _count(db, PaymentEntry) == 0

    with pytest.raises(Invalid) as refused:
        loans.record_payment(db, "test", plan, loans.PaymentIn(date(2026, 1, 20), int(HUGE), "KW-BIG"), TODAY)
    assert refused.value.field == "amount" and refused.value.fields["high"] == limits.PAYMENT_MAX
    _refused_by_the_database(db, PaymentEntry(cooperative_id=plan.cooperative_id, plan_id=plan.id,
                                              paid_on=date(2026, 1, 20), amount=limits.PAYMENT_MAX + 1,
                                              reference="KW-DB"))
    assert _pay(client, page, "KW-OK", amount="2500000").status_code == 302


def test_a_64_character_reference_is_recorded_and_reversed(client, db, plans):
    plan = _plan(db, "KNR-001")
    page = f"/cooperatives/kunir/plans/{plan.id}"
    reference = "TRF-2026-01-20-" + "7" * 49
    assert len(reference) == limits.REFERENCE
    assert _pay(client, page, reference).status_code == 302
    r = _reverse(client, page, reference)
    assert r.status_code == 302, r.text[:500]
    payment = _entry(db, reference)
    reversal = db.scalar(select(PaymentEntry).where(PaymentEntry.reverses_id == payment.id))
    assert reversal.reference == reference[:62] + "-R" and len(reversal.reference) == limits.REFERENCE
    assert (reversal.reversal_of, reversal.amount) == (reference, payment.amount)
    shown = client.get(page).text
    assert "reversed" in shown and reversal.reference in shown


def test_a_payment_called_x_r_does_not_block_reversing_x_and_a_payment_is_reversed_once(client, db, plans):
    plan = _plan(db, "KNR-001")
    page = f"/cooperatives/kunir/plans/{plan.id}"
    assert _pay(client, page, "KW-7").status_code == 302
    assert _pay(client, page, "KW-7-R", paid_on="2026-02-20").status_code == 302  # a receipt so numbered
    assert _reverse(client, page, "KW-7").status_code == 302
    payment, namesake = _entry(db, "KW-7"), _entry(db, "KW-7-R")
    reversal = db.scalar(select(PaymentEntry).where(PaymentEntry.reverses_id == payment.id))
    assert (reversal.reference, reversal.reversal_of) == ("KW-7-R2", "KW-7")
    assert namesake.reverses_id is None and namesake.reversal_of is None  # still a payment, not reversed

    again = _reverse(client, page, "KW-7")
    assert again.status_code == 409 and "This payment has been reversed already." in again.text
    assert _count(db, PaymentEntry, PaymentEntry.reverses_id == payment.id) == 1
    of_a_reversal = _reverse(client, page, "KW-7-R2")
    assert of_a_reversal.status_code == 400 and "Choose the payment to reverse." in of_a_reversal.text

    assert _reverse(client, page, "KW-7-R").status_code == 302  # the namesake is reversed as any payment is
    assert _entry(db, "KW-7-R-R").reverses_id == namesake.id
    # The database holds a payment to one reversal, whatever path tries a second.
    _refused_by_the_database(db, PaymentEntry(cooperative_id=plan.cooperative_id, plan_id=plan.id,
                                              paid_on=TODAY, amount=payment.amount, reference="KW-7-AGAIN",
                                              reversal_of="KW-7", reverses_id=payment.id, reason="dua kali"))
