"""The berita acara of an allocation meeting: formal Indonesian opening, attendance, seed, every unit, signatures."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from allocation.lottery import ticket
from app.designs import service as designs
from app.meetings.minutes import minutes_html, minutes_pdf, quorum_reached, written_date
from app.meetings.models import AllocationMeeting, UnitAllocation
from app.members.models import Member
from app.projects.models import Project
from tests.conftest import sign_in

pytestmark = pytest.mark.db

SEED = "kunir-2026-merdeka"
HELD_ON = date(2026, 11, 23)  # a Monday
PRINTED = date(2026, 11, 24)
# (member, unit, rank of the choice obtained, place in the draw); KNR-003 got a unit none of their choices named
ROWS = (("KNR-002", "A-4-01", 1, 1), ("KNR-001", "A-2-03", 2, 2), ("KNR-003", "A-1-01", None, 3))


def _pages(pdf: bytes) -> list[str]:
    """Text of each page, whitespace collapsed (a line break inside a sentence becomes a space)."""
    assert pdf.startswith(b"%PDF-")
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture()
def meeting(db) -> AllocationMeeting:
    """A confirmed lottery meeting of Kunir, built directly: three units allocated, one earlier row ended."""
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    members = {m.number: m for m in db.scalars(select(Member).where(
        Member.cooperative_id == project.cooperative_id, Member.number.in_(["KNR-001", "KNR-002", "KNR-003",
                                                                            "KNR-004"])))}
    assert len(members) == 4
    meeting = AllocationMeeting(
        project=project, scenario=designs.by_name(db, project, None), title="Rapat alokasi unit tahap 1",
        held_on=HELD_ON, place="Balai warga RW 05", method="lottery", status="confirmed",
        seed_hash=hashlib.sha256(SEED.encode()).hexdigest(), seed=SEED, members_present=30, members_total=36,
        chair="Ibu Sri Wahyuni", secretary="Bapak Agus Salim", witness_1="Ibu Rina", witness_2="Bapak Joko",
        notes="Unit A-1-01 diserahkan setelah perbaikan pintu.")
    db.add(meeting)
    db.flush()
    for number, unit, rank, position in ROWS:
        db.add(UnitAllocation(project_id=project.id, meeting_id=meeting.id, member_id=members[number].id,
                              unit_code=unit, rank=rank, draw_position=position, in_force=True))
    # Ended by an amendment: not in force, so not in the berita acara.
    db.add(UnitAllocation(project_id=project.id, meeting_id=meeting.id, member_id=members["KNR-004"].id,
                          unit_code="A-3-02", rank=1, draw_position=4, in_force=False, ended_reason="amendment"))
    db.flush()
    return meeting


def test_quorum_is_more_than_half_and_the_date_is_written_out():
    assert quorum_reached(19, 36) is True
    assert quorum_reached(18, 36) is False  # exactly half is not more than half
    assert quorum_reached(None, 36) is None and quorum_reached(3, 0) is None
    assert written_date(HELD_ON, "id") == {"weekday": "Senin", "month": "November", "day": "dua puluh tiga",
                                           "year": "dua ribu dua puluh enam", "digits": "23-11-2026"}
    assert written_date(HELD_ON, "en")["weekday"] == "Monday"


def test_berita_acara_in_bahasa_indonesia(db, meeting):
    pages = _pages(minutes_pdf(db, meeting, printed_on=PRINTED))
    text = " ".join(pages)
    compact = re.sub(r"\s+", "", text)
    assert "BERITA ACARA RAPAT ALOKASI UNIT" in text  # the heading, upper case by CSS
    assert "Koperasi Kampung Kunir" in text and "Kampung Susun Kunir" in text
    assert ("Pada hari ini, Senin, tanggal dua puluh tiga bulan November tahun dua ribu dua puluh enam "
            "(23-11-2026), bertempat di Balai warga RW 05") in text
    assert "Hadir: 30 dari 36 anggota" in text and "tercapai" in text and "tidak tercapai" not in text
    assert "Ibu Sri Wahyuni" in text and "Bapak Agus Salim" in text and "Ibu Rina" in text and "Bapak Joko" in text
    assert "Undian" in text and "SEED:NOMOR_ANGGOTA" in text
    assert meeting.seed_hash in compact and SEED in text
    first = ROWS[0][0]
    assert ticket(SEED, first) in compact  # a worked ticket to check one's own SHA-256 tool against
    for number, unit, _rank, position in ROWS:
        assert f"{position} {number}" in text and unit in text
    assert "pilihan ke-1" in text and "pilihan ke-2" in text and "—" in text
    assert "KNR-004" not in text and "A-3-02" not in text  # ended by an amendment
    assert "Unit A-1-01 diserahkan setelah perbaikan pintu." in text  # the notes
    for label in ("Ketua rapat", "Sekretaris", "Saksi 1", "Saksi 2"):
        assert label in text, label
    assert f"{meeting.project.site.city}, 23 November 2026" in text  # place and date above the signatures
    assert "Dokumen internal koperasi: memuat data pribadi anggota" in text
    assert f"Rapat no. {meeting.id}" in text
    for number, page in enumerate(pages, start=1):
        assert f"Halaman {number} dari {len(pages)}" in page
    assert "Halaman 1 dari" in pages[0]
    assert "Konsep" not in text  # a confirmed meeting is not a draft


def test_berita_acara_in_english(db, meeting):
    text = " ".join(_pages(minutes_pdf(db, meeting, locale="en", printed_on=PRINTED)))
    assert "MINUTES OF THE UNIT ALLOCATION MEETING" in text
    assert "On Monday, 23 November 2026, at Balai warga RW 05" in text
    assert "dua puluh" not in text  # English gives the date plainly
    assert "Present: 30 of the 36 members" in text and "was reached" in text
    assert "SEED:MEMBER_NUMBER" in text and SEED in text
    for number, unit, _rank, _position in ROWS:
        assert number in text and unit in text
    assert "choice 1" in text and "choice 2" in text
    for label in ("Chair of the meeting", "Secretary", "Witness 1", "Witness 2"):
        assert label in text, label
    assert "Internal document of the cooperative: contains members' personal data" in text
    assert "Page 1 of" in text


def test_a_meeting_without_quorum_or_confirmation_says_so(db, meeting):
    meeting.members_present, meeting.status, meeting.notes = 18, "held", None
    html = minutes_html(db, meeting, locale="en", printed_on=PRINTED)
    assert "The quorum of more than half of the members was not reached." in html
    assert "statutes say whether this decision holds" in html
    assert "Draft: the result of this meeting has not been confirmed yet" in html
    assert "<h3>Notes</h3>" not in html


def test_the_berita_acara_is_served_to_the_cooperative(client, db, meeting):
    sign_in(client, db, "pengurus-kunir")
    response = client.get(f"/projects/kunir/meetings/{meeting.id}/berita-acara.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(_pages(response.content))
    assert all(number in text for number, *_ in ROWS)
