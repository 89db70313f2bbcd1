"""Payments imported from .csv or .xlsx: every row checked and shown first, then all recorded or none."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.loans import service as loans
from app.loans.models import InstalmentPlan, PaymentEntry
from app.members.models import Member
from tests.app.loans.test_loans import TERMS, _confirmed_meeting, _plan
from tests.conftest import csrf_token, fix_today, sign_in

pytestmark = pytest.mark.db
IMPORT = "/cooperatives/kunir/payments/import"
TODAY = date(2026, 6, 30)


def _entries(db) -> int:
    return db.scalar(select(func.count()).select_from(PaymentEntry))


def _with_plans(client, db, **terms: str) -> None:
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "en")
    url = _confirmed_meeting(client)
    r = client.post(url + "/plans", data={**TERMS, **terms, "_csrf_token": csrf_token(client)},
                    follow_redirects=False)
    assert r.status_code == 302


@pytest.fixture()
def plans(client, db, web_app):
    """Kunir's officer, English pages, loans from 2026-01-25 (taking payments from 2025-01-25) and a fixed today."""
    _with_plans(client, db)  # the meeting is confirmed on its own day (the system's clock), then today is fixed
    fix_today(web_app, TODAY)


def _upload(client, content: bytes, name: str = "bayar.csv"):
    r = client.post(IMPORT, files={"file": (name, content)}, data={"_csrf_token": csrf_token(client)},
                    follow_redirects=False)
    assert r.status_code in (302, 303), r.text[:500]
    return r.headers["location"]


def _confirm(client, url: str):
    return client.post(url, data={"action": "import", "_csrf_token": csrf_token(client)}, follow_redirects=False)


def test_csv_payments_are_previewed_then_recorded_with_their_audit_entries(client, db, plans):
    before = _entries(db)
    body = (b"Nomor Anggota;TANGGAL;Nominal;No. Bukti\n"
            b"KNR-001;20/01/2026;Rp 2.500.000;KW-0101\n"
            b"KNR-001;2026-02-25;1.250.000;KW-0102\n"
            b"\n"
            b"KNR-002;2026-01-25;750000;TRF-88\n")
    url = _upload(client, body)
    assert url.startswith(IMPORT + "/")
    preview = client.get(url)
    assert preview.status_code == 200 and "What is wrong" not in preview.text
    for shown in ("KNR-001", "A-4-01", "A-4-02", "KW-0101", "TRF-88", "Rp2,500,000", "Rp4,500,000"):
        assert shown in preview.text  # every row, its unit, and the total
    name = db.scalar(select(Member.name).where(Member.number == "KNR-001"))
    assert name not in preview.text  # numbers are enough to check a payment
    assert _entries(db) == before  # a preview stores nothing

    done = _confirm(client, url)
    assert done.status_code == 302 and done.headers["location"] == "/cooperatives/kunir/arrears?imported=3"
    assert "3 payments recorded" in client.get(done.headers["location"]).text
    assert _entries(db) == before + 3
    db.expire_all()
    plan = _plan(db, "KNR-001")
    assert loans.ledger(plan, TODAY).paid == 3_750_000
    assert sorted(e.reference for e in plan.payments) == ["KW-0101", "KW-0102"]
    audit = db.scalars(select(AuditEntry).where(AuditEntry.action == "payment.import")).all()
    assert sorted(a.changes["reference"] for a in audit) == ["KW-0101", "KW-0102", "TRF-88"]
    assert {a.actor for a in audit} == {"pengurus-kunir"}
    assert client.get(url).status_code == 404  # the staged file is gone once recorded


def _xlsx(rows: list[list]) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_with_date_and_number_cells_pays_the_loan_and_the_down_payment(client, db, web_app):
    _with_plans(client, db, down_payment_months="6", down_payment_first_due="2025-08-25")
    fix_today(web_app, TODAY)
    content = _xlsx([["member_number", "date", "amount", "reference", "plan"],
                     ["KNR-001", datetime(2026, 2, 1), 1_250_000, 100234, "angsuran"],
                     ["KNR-001", datetime(2025, 9, 1), 500_000.0, "DP-1", "Uang Muka"],
                     ["KNR-002", "01/03/2026", "Rp1.000.000", "DP-2", "down_payment"]])
    url = _upload(client, content, "bayar.xlsx")
    preview = client.get(url)
    assert "What is wrong" not in preview.text and "Down payment" in preview.text
    assert _confirm(client, url).status_code == 302
    db.expire_all()
    by_kind = {(p.member.number, p.kind): p for p in db.scalars(select(InstalmentPlan).where(InstalmentPlan.in_force))}
    assert [e.reference for e in by_kind["KNR-001", "loan"].payments] == ["100234"]  # a number cell, as typed
    assert [(e.reference, e.amount) for e in by_kind["KNR-001", "down_payment"].payments] == [("DP-1", 500_000)]
    assert [e.paid_on for e in by_kind["KNR-002", "down_payment"].payments] == [date(2026, 3, 1)]


def test_an_amount_far_above_what_is_due_is_a_warning_in_the_preview_and_is_recorded_once_confirmed(client, db,
                                                                                                      plans):
    first = loans.schedule_of(_plan(db, "KNR-001"))[0]
    instalment = first.principal + first.interest
    big = 20 * instalment  # six instalments are due by 2026-06-30: twenty is far above
    body = ("nomor_anggota,tanggal,jumlah,referensi\n"
            f"KNR-001,2026-06-30,{big},KW-BIG\n"
            f"KNR-002,2025-11-01,{instalment},KW-EARLY\n").encode()  # an advance, months before the first due date
    before = _entries(db)
    url = _upload(client, body)
    preview = client.get(url)
    assert preview.status_code == 200 and "What is wrong" in preview.text and "disabled" not in preview.text
    assert (f"Row 2, column jumlah: Rp{big:,} is more than 3 times what is due on this plan that day "
            f"(Rp{6 * instalment:,})") in preview.text
    assert "1 payment is far above what is due on its plan" in preview.text
    assert "Row 3," not in preview.text and _entries(db) == before
    assert _confirm(client, url).status_code == 302
    assert _entries(db) == before + 2


def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_stored(client, db, plans):
    plan = _plan(db, "KNR-001")
    loans.record_payment(db, "test", plan, loans.PaymentIn(date(2026, 1, 20), 100000, "KW-ADA"),
                         TODAY)
    db.commit()
    planned = set(db.scalars(select(InstalmentPlan.member_id)))
    unplanned = db.scalar(select(Member.number).where(Member.number.like("KNR-%"), Member.id.not_in(planned)))
    before = _entries(db)
    body = ("nomor_anggota,tanggal,jumlah,referensi,rencana\n"
            "KNR-999,2026-02-01,100000,R-02,\n"            # 2: no such member
            "KNR-001,2026-07-01,100000,R-03,\n"            # 3: after today in Jakarta
            "KNR-001,2025-01-01,100000,R-04,\n"            # 4: over a year before the first due date
            "KNR-001,2026-02-01,0,R-05,\n"                 # 5: zero
            "KNR-001,2026-02-01,-5000,R-06,\n"             # 6: negative
            "KNR-001,2026-02-01,1250000.5,R-07,\n"         # 7: not whole rupiah
            "KNR-001,2026-02-01,100000,R-D,\n"             # 8: fine on its own...
            "KNR-002,2026-02-01,100000,R-D,\n"             # 9: ...but the same reference again
            "KNR-001,2026-02-01,100000,KW-ADA,\n"          # 10: stored already
            "KNR-001,kemarin,100000,R-11,\n"               # 11: no date
            f"{unplanned},2026-02-01,100000,R-12,\n"       # 12: a member without a loan
            "KNR-001,2026-02-01,100000,R-13,uang_muka\n"   # 13: no down-payment plan
            "KNR-001,2026-02-01,100000,R-14,hadiah\n"      # 14: no such plan kind
            "KNR-002,2026-02-01,banyak,R-15,\n"            # 15: not a number
            "KNR-002,2026-02-01,100000,R-16,\n").encode()  # 16: fine, and not stored either
    url = _upload(client, body)
    preview = client.get(url).text
    for expected in ("Row 2, column nomor_anggota: there is no member KNR-999 in this cooperative",
                     "Row 3, column tanggal: 2026-07-01 is in the future",
                     "Row 4, column tanggal: 2025-01-01 is more than a year before the plan&#39;s first due date "
                     "(2026-01-25); a payment on this plan is dated 2025-01-25 or later.",
                     "Row 5, column jumlah: the amount must be whole rupiah above 0, not 0.",
                     "Row 6, column jumlah: the amount must be whole rupiah above 0, not -5000.",
                     "Row 7, column jumlah: the amount must be whole rupiah above 0, not 1250000.5.",
                     "Row 9, column referensi: reference R-D is also in row 8.",
                     "Row 10, column referensi: reference KW-ADA is recorded already",
                     "Row 11, column tanggal: write the date as YYYY-MM-DD or DD/MM/YYYY.",
                     f"Row 12, column nomor_anggota: member {unplanned} has no instalment plan in force.",
                     "Row 13, column nomor_anggota: member KNR-001 has no down-payment plan in force.",
                     "Row 14, column rencana: write angsuran (the loan) or uang_muka (the down payment).",
                     "Row 15, column jumlah: banyak is not a number."):
        assert expected in preview, expected
    assert "Row 8," not in preview and "Row 16," not in preview
    assert "13 problems must be fixed" in preview and "disabled" in preview
    r = _confirm(client, url)
    assert r.status_code == 400 and "Nothing was imported" in r.text
    assert _entries(db) == before


@pytest.mark.parametrize(("content", "word"), [
    (b"", "is empty"),
    (b"\xff\xfe\x00bad", "UTF-8"),
    (b"nomor_anggota;tanggal;jumlah\nKNR-001;2026-02-01;1000\n", "no column referensi"),
    (b"nomor_anggota;tanggal;jumlah;referensi\n", "no payments"),
])
def test_unreadable_payment_files_are_refused_at_once(client, db, plans, content, word):
    r = client.post(IMPORT, files={"file": ("bayar.csv", content)}, data={"_csrf_token": csrf_token(client)})
    assert r.status_code == 400 and word in r.text


def test_a_reference_taken_between_preview_and_confirm_stores_none_of_the_file(client, db, plans):
    url = _upload(client, b"nomor_anggota;tanggal;jumlah;referensi\nKNR-001;2026-02-01;100000;R-1\n"
                          b"KNR-002;2026-02-01;100000;R-2\n")
    assert "What is wrong" not in client.get(url).text
    loans.record_payment(db, "test", _plan(db, "KNR-002"), loans.PaymentIn(date(2026, 1, 30), 5000, "R-2"), TODAY)
    db.commit()
    before = _entries(db)
    r = _confirm(client, url)
    assert r.status_code == 400 and "Row 3, column referensi: reference R-2 is recorded already" in r.text
    assert _entries(db) == before


def test_payment_import_is_for_the_cooperatives_own_officers_and_japra_staff(client, db, plans):
    url = _upload(client, b"nomor_anggota;tanggal;jumlah;referensi\nKNR-001;2026-02-01;100000;R-1\n")
    template = client.get("/cooperatives/kunir/payments/template.csv")
    assert template.status_code == 200 and template.text.startswith("nomor_anggota;tanggal;jumlah;referensi")
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    before = _entries(db)
    assert client.get(IMPORT).status_code == 404
    assert client.get(url).status_code == 404
    assert _confirm(client, url).status_code == 404
    assert _entries(db) == before
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert client.get(IMPORT).status_code == 403
    client.cookies.clear()
    sign_in(client, db, "perencana")
    assert client.get(IMPORT).status_code == 200
    assert client.get(url).status_code == 404  # a staged file is only its uploader's


def test_arrears_page_links_to_the_import(client, db, plans):
    assert 'href="/cooperatives/kunir/payments/import"' in client.get("/cooperatives/kunir/arrears").text


# The command line runs in this process, on the test's transaction (tests/conftest.py's `cli`): it sees the plans.

def test_cli_checks_with_dry_run_then_imports(client, db, cli, tmp_path):
    _with_plans(client, db)
    file = tmp_path / "bayar.csv"
    file.write_text("nomor_anggota;tanggal;jumlah;referensi\nKNR-001;2026-02-01;1.250.000;CLI-1\n"
                    "KNR-002;2026-02-01;1.250.000;CLI-2\n")
    before = _entries(db)
    dry = cli("payments", "import", str(file), "--cooperative", "kunir", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 payments checked" in dry.stdout and _entries(db) == before
    done = cli("payments", "import", str(file), "--cooperative", "kunir")
    assert done.exit_code == 0 and "Payments recorded: 2." in done.stdout
    assert _entries(db) == before + 2
    assert {a.actor for a in db.scalars(select(AuditEntry).where(AuditEntry.action == "payment.import"))} == {"cli"}
    again = cli("payments", "import", str(file), "--cooperative", "kunir")
    assert again.exit_code == 2 and "Row 2, column referensi: reference CLI-1 is recorded already" in again.stderr
    assert _entries(db) == before + 2


def test_cli_refuses_a_file_with_bad_rows_and_stores_nothing(client, db, cli, tmp_path):
    _with_plans(client, db)
    file = tmp_path / "bayar.csv"
    file.write_text("nomor_anggota;tanggal;jumlah;referensi\nKNR-999;2026-02-01;100000;X-1\nKNR-001;2099-01-01;0;X-1\n")
    before = _entries(db)
    out = cli("payments", "import", str(file), "--cooperative", "kunir")
    assert out.exit_code == 2 and out.stdout == ""
    assert out.stderr.startswith("Nothing was imported: fix the rows listed below.\n")
    assert "Row 2, column nomor_anggota: there is no member KNR-999" in out.stderr
    assert "Row 3, column jumlah: the amount must be whole rupiah above 0, not 0." in out.stderr
    assert "Row 3, column referensi: reference X-1 is also in row 2." in out.stderr
    assert _entries(db) == before
    assert cli("payments", "import", str(file), "--cooperative", "tidak-ada").exit_code == 2
    empty = tmp_path / "kosong.csv"
    empty.write_text("")
    unreadable = cli("payments", "import", str(empty), "--cooperative", "kunir")
    assert unreadable.exit_code == 2 and "kosong.csv is empty" in unreadable.stderr
