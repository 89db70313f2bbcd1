"""The kartu angsuran: one plan's terms, schedule, payments and arrears on a date, always in Bahasa Indonesia."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cooperatives.models import CooperativePolicy
from app.designs import service as designs
from app.documents.pdf import LocalOnlyFetcher, render_pdf
from app.i18n import format_rupiah
from app.loans import service as loans
from app.loans.models import InstalmentPlan, PaymentEntry
from app.loans.statement import statement_html, statement_pdf
from app.meetings.models import AllocationMeeting, UnitAllocation
from app.members.models import Member
from app.projects.models import Project
from tests.conftest import sign_in

pytestmark = pytest.mark.db

AS_OF = date(2026, 11, 30)
PRINTED = date(2026, 12, 1)
# KW-0004 bounced: reversed, so it never paid anything
PAYMENTS = ((date(2026, 1, 20), 1_027_880, "KW-0001"), (date(2026, 2, 24), 1_027_880, "KW-0002"),
            (date(2026, 3, 2), 500_000, "KW-0003"), (date(2026, 5, 10), 1_200_000, "KW-0004"))


def _pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def make_plan(db: Session, number: str = "KNR-001", unit: str = "A-4-01", months: int = 240,
              tag: str = "") -> InstalmentPlan:
    """A confirmed Kunir meeting's unit with a 20-year annuity, three payments and one reversed; `tag` keeps
    references unique within the cooperative."""
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    member = db.scalar(select(Member).where(Member.cooperative_id == project.cooperative_id, Member.number == number))
    meeting = AllocationMeeting(project=project, scenario=designs.by_name(db, project, None), title="Rapat alokasi",
                                held_on=date(2025, 11, 23), place="Balai warga", method="lottery", status="confirmed")
    db.add(meeting)
    db.flush()
    allocation = UnitAllocation(project_id=project.id, meeting_id=meeting.id, member_id=member.id, unit_code=unit,
                                in_force=True)
    db.add(allocation)
    db.flush()
    plan = InstalmentPlan(cooperative_id=project.cooperative_id, allocation=allocation, member_id=member.id,
                          price=185_000_000, grants=20_000_000, down_payment=9_250_000, principal=155_750_000,
                          method="annuity", annual_rate_pct=5, months=months, grace_months=0,
                          first_due=date(2026, 1, 25))
    db.add(plan)
    db.flush()
    for paid_on, amount, reference in PAYMENTS:
        db.add(PaymentEntry(cooperative_id=plan.cooperative_id, plan_id=plan.id, paid_on=paid_on, amount=amount,
                            reference=reference + tag))
    db.add(PaymentEntry(cooperative_id=plan.cooperative_id, plan_id=plan.id, paid_on=date(2026, 5, 12),
                        amount=1_200_000, reference=f"KW-0004{tag}-R", reversal_of=f"KW-0004{tag}",
                        reason="transfer ditolak bank"))
    # Recorded after the statement's date: not on it.
    db.add(PaymentEntry(cooperative_id=plan.cooperative_id, plan_id=plan.id, paid_on=date(2026, 12, 5),
                        amount=3_000_000, reference=f"KW-0005{tag}"))
    db.flush()
    db.expire(plan)
    return loans.get(db, plan.cooperative_id, plan.id)


@pytest.fixture()
def plan(db) -> InstalmentPlan:
    return make_plan(db)


def test_statement_shows_the_member_the_terms_the_schedule_and_where_they_stand(db, plan):
    state = loans.state(plan, AS_OF)
    assert state.arrears.overdue_amount > 0 and state.collectibility.name == "Diragukan"  # nine months behind
    pages = _pages(statement_pdf(db, plan, AS_OF, printed_on=PRINTED))
    text = " ".join(pages)
    assert "Koperasi Kampung Kunir" in text and "Per 30 November 2026" in text
    assert "KNR-001" in text and plan.member.name in text and "A-4-01" in text and "Kampung Susun Kunir" in text
    for amount in (185_000_000, 20_000_000, 9_250_000, 155_750_000):
        assert format_rupiah(amount, "id") in text, amount
    assert format_rupiah(state.ledger.paid, "id") == "Rp2.555.760" and "Rp2.555.760" in text
    assert format_rupiah(state.arrears.overdue_amount, "id") in text
    assert format_rupiah(state.arrears.outstanding_principal, "id") in text
    assert f"{state.arrears.days_past_due} Hari keterlambatan" in text
    assert "3. Diragukan" in text and "Kolektibilitas" in text and "Tertunggak" in text
    assert "anuitas: angsuran sama besar" in text and "5%" in text
    # The schedule: the first and the last instalment, which clears the balance, and the settled dates.
    assert "1 25-01-2026 Rp378.923 Rp648.958 Rp1.027.881 Rp155.371.077 Rp1.027.881 24-02-2026" in text
    assert "240 25-12-2045" in text and "Rp0" in text
    assert "2 25-02-2026" in text and "02-03-2026" in text  # settled by the next payment, a rupiah short before
    assert "tertunggak" in text
    # Payments and the reversal with its reason; the entry dated after the statement is not there.
    assert "KW-0003" in text and "KW-0004-R" in text and "Membatalkan KW-0004: transfer ditolak bank" in text
    assert "KW-0005" not in text
    assert "Nama dan tanda tangan" in text and "Dicetak pada: 1 Desember 2026" in text
    assert "Dokumen internal koperasi: memuat data pribadi anggota" in text


def test_a_240_month_schedule_runs_over_pages_with_its_header_and_page_numbers(db, plan):
    pages = _pages(statement_pdf(db, plan, AS_OF, printed_on=PRINTED))
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert f"Halaman {number} dari {len(pages)}" in page
    schedule_pages = [p for p in pages if "25-06-2035" in p or "240 25-12-2045" in p or "1 25-01-2026" in p]
    assert len(schedule_pages) >= 3
    for page in schedule_pages:  # the table header repeats on every page of the schedule
        assert "No. Jatuh tempo Pokok Bunga atau margin" in page, page[:200]
    assert "Nama dan tanda tangan" in pages[-1]  # the signature closes the statement


def test_statement_is_indonesian_whatever_the_screen_and_needs_nothing_from_outside(db, plan):
    fetcher = LocalOnlyFetcher()
    pdf = render_pdf(statement_html(db, plan, AS_OF, printed_on=PRINTED), url_fetcher=fetcher)
    assert fetcher.refused == []  # fonts and styles are the app's own files
    fonts = {str(font.get_object()["/BaseFont"]) for page in PdfReader(io.BytesIO(pdf)).pages
             for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("IBM-Plex-Sans" in f for f in fonts), fonts


def test_late_charges_and_a_restructured_version_are_shown(db):
    plan = make_plan(db, months=36)
    db.add(CooperativePolicy(cooperative_id=plan.cooperative_id, late_charge_kind="fixed", late_charge_fixed=25_000,
                             late_grace_days=5, late_monthly=False))
    db.flush()
    from app.cooperatives.policy import policy_of

    policy = policy_of(db, plan.cooperative_id)
    state = loans.state(plan, AS_OF, policy)
    assert state.arrears.late_charges_unpaid > 0
    text = " ".join(_pages(statement_pdf(db, plan, AS_OF, policy=policy, printed_on=PRINTED)))
    assert format_rupiah(state.arrears.late_charges_unpaid, "id") in text and "Rp25.000" in text

    plan.in_force, plan.ended_on = False, date(2026, 10, 15)
    db.flush()
    second = InstalmentPlan(cooperative_id=plan.cooperative_id, allocation_id=plan.allocation_id,
                            member_id=plan.member_id, version=2, supersedes_id=plan.id,
                            change_reason="Keputusan pengurus: tenor diperpanjang", price=plan.price,
                            grants=plan.grants, down_payment=plan.down_payment, principal=153_000_000,
                            method="annuity", annual_rate_pct=5, months=60, grace_months=3,
                            first_due=date(2026, 11, 25))
    db.add(second)
    db.flush()
    second = loans.get(db, plan.cooperative_id, second.id)
    text = " ".join(_pages(statement_pdf(db, second, AS_OF, printed_on=PRINTED)))
    assert "Versi 2" in text and "Keputusan pengurus: tenor diperpanjang" in text
    assert format_rupiah(153_000_000, "id") in text and "Tenor (bulan) 60 (masa tenggang 3)" in text
    old = " ".join(_pages(statement_pdf(db, plan, AS_OF, printed_on=PRINTED)))
    assert "Versi 1" in old and "15 Oktober 2026" in old  # the version's end is said


def test_statement_route_for_the_cooperative_and_japra_only(client, db, plan):
    url = f"/cooperatives/kunir/plans/{plan.id}/statement.pdf"
    anonymous = client.get(url + "?as_of=2026-11-30", follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401) and not anonymous.content.startswith(b"%PDF")
    sign_in(client, db, "pengurus-kunir")
    page = client.get(f"/cooperatives/kunir/plans/{plan.id}?as_of=2026-11-30")
    assert f'href="{url}?as_of=2026-11-30"' in page.text  # the plan page prints its own date
    r = client.get(url + "?as_of=2026-11-30", headers={"Cookie": "japra_lang=en"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="kartu-angsuran-KNR-001-2026-11-30.pdf"'
    assert r.headers["cache-control"] == "no-store"
    text = " ".join(_pages(r.content))
    assert "KNR-001" in text and "Per 30 November 2026" in text and "Halaman 1 dari" in text  # English screen
    today_pdf = client.get(url)
    assert today_pdf.status_code == 200 and 'kartu-angsuran-KNR-001-20' in today_pdf.headers["content-disposition"]
    for bad in ("kemarin", "30-11-2026", "1999-12-31"):
        refused = client.get(url + f"?as_of={bad}")
        assert refused.status_code == 400 and not refused.content.startswith(b"%PDF"), bad
    assert "TTTT-BB-HH" in client.get(url + "?as_of=kemarin").text
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert client.get(url).status_code == 403
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert client.get(url).status_code == 404
    assert client.get(f"/cooperatives/akuarium/plans/{plan.id}/statement.pdf").status_code == 404


@pytest.fixture()
def cli(cli, db):
    """`japra` in this process (tests/conftest.py), on the test's transaction with two members' plans."""
    make_plan(db, "KNR-001", "A-4-01", months=36)
    make_plan(db, "KNR-002", "A-4-02", months=24, tag="-B")
    db.commit()
    return cli


def test_cli_prints_one_statement_and_refuses_unknowns_without_a_file(cli, tmp_path):
    out = tmp_path / "kartu.pdf"
    done = cli("statement", "--cooperative", "kunir", "--member", "KNR-001", "--as-of", "2026-11-30", "--out", str(out))
    assert done.exit_code == 0, done.stderr
    text = " ".join(_pages(out.read_bytes()))
    assert "KNR-001" in text and "Per 30 November 2026" in text and "Diragukan" in text
    for args, message in (
        (("--cooperative", "kunir", "--member", "KNR-999"), "KNR-999"),
        (("--cooperative", "kunir", "--member", "KNR-003"), "KNR-003"),  # a member without a plan
        (("--cooperative", "tidak-ada", "--member", "KNR-001"), "tidak-ada"),
        (("--cooperative", "kunir", "--member", "KNR-001", "--as-of", "kemarin"), "YYYY-MM-DD"),
        (("--cooperative", "kunir", "--member", "KNR-001", "--as-of", "1999-12-31"), "--as-of: 1999-12-31 is outside"),
    ):
        target = tmp_path / "tidak.pdf"
        refused = cli("statement", *args, "--out", str(target))
        assert refused.exit_code == 2 and message in refused.stderr, (args, refused.stderr)
        assert not target.exists()
    neither = cli("statement", "--cooperative", "kunir")
    assert neither.exit_code == 2 and "--all" in neither.stderr
    unwritable = cli("statement", "--cooperative", "kunir", "--member", "KNR-001", "--out", "/nonexistent/dir/x.pdf")
    assert unwritable.exit_code == 2
    assert unwritable.stderr.strip() == "/nonexistent/dir/x.pdf cannot be written: No such file or directory."


def test_cli_prints_every_members_statement_for_the_treasurer(cli, tmp_path):
    folder = tmp_path / "kartu"
    done = cli("statement", "--cooperative", "kunir", "--all", "--as-of", "2026-11-30", "--out-dir", str(folder))
    assert done.exit_code == 0, done.stderr
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["kartu-angsuran-KNR-001-2026-11-30.pdf", "kartu-angsuran-KNR-002-2026-11-30.pdf"]
    assert "KNR-002" in " ".join(_pages((folder / files[1]).read_bytes()))
    empty = cli("statement", "--cooperative", "marlina", "--all", "--out-dir", str(tmp_path / "kosong"))
    assert empty.exit_code == 2 and "marlina" in empty.stderr
