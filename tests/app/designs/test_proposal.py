"""The printable cost proposal: what a board or a funder reads on paper, offline and to the rupiah."""

from __future__ import annotations

import io
import socket
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.designs import service as designs
from app.designs.proposal import proposal_html, proposal_pdf
from app.documents.pdf import LocalOnlyFetcher, render_pdf
from app.documents.sitemap import site_svg
from app.i18n import format_rupiah
from app.projects.models import Project
from costing.terbilang import terbilang_rupiah
from tests.conftest import sign_in

pytestmark = pytest.mark.db

PRINTED = date(2026, 8, 17)


def _project(db, slug: str) -> Project:
    return db.scalar(select(Project).where(Project.slug == slug))


def _pages(pdf: bytes) -> list[str]:
    """Text of each page, whitespace collapsed (a line break inside a sentence becomes a space)."""
    assert pdf.startswith(b"%PDF-")
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def kunir_pdfs(engine):
    """Kunir's proposal without and with the RAB appendix, rendered once for the module (a few seconds)."""
    from sqlalchemy.orm import Session

    with Session(engine) as db:
        project = _project(db, "kunir")
        scenario = designs.by_name(db, project, None)
        cost = designs.compute(db, scenario)
        plain = proposal_pdf(db, project, scenario, printed_on=PRINTED)
        full = proposal_pdf(db, project, scenario, appendix=True, printed_on=PRINTED)
        return cost, scenario.name, plain, full


def test_kunir_proposal_is_in_bahasa_indonesia_with_page_numbers(kunir_pdfs):
    cost, name, plain, _full = kunir_pdfs
    assert name == "Terbangun 2022"
    pages = _pages(plain)
    n = len(pages)
    assert n >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Halaman {number} dari {n}" in text
    text = " ".join(pages)
    assert "Kampung Susun Kunir" in text and "Terbangun 2022" in text
    for heading in ("Proposal biaya", "Ringkasan", "Tapak", "Luas tapak", "Ringkasan desain", "Biaya proyek",
                    "Rekap RAB", "Jumlah dibulatkan", "Terbilang", "Biaya setiap unit", "Asumsi"):
        assert heading in text, heading
    assert "17 Agustus 2026" in text  # the date of printing, written out in Indonesian
    assert "Disusun oleh" in text and "Disetujui oleh" in text and "Ketua koperasi" in text  # signatures
    assert "Kampung Susun Kunir · Terbangun 2022" in pages[1]  # the running header, from page 2 on


def test_kunir_proposal_total_matches_compute_in_figures_and_words(kunir_pdfs):
    cost, _name, plain, _full = kunir_pdfs
    text = " ".join(_pages(plain))
    assert format_rupiah(cost.total, "id") in text  # Rp12.755.224.085
    words = terbilang_rupiah(cost.total)
    assert words[:1].upper() + words[1:] in text
    assert cost.recap.terbilang in text  # the RAB recap's "Jumlah dibulatkan" in words
    assert format_rupiah(cost.recap.dibulatkan, "id", formal=True) in text  # Rp10.853.299.000,00
    assert cost.document_id in text
    for unit in cost.units:  # 33 units: one row each
        assert unit.code in text


def test_the_rab_appendix_is_there_only_when_asked_for(kunir_pdfs):
    cost, _name, plain, full = kunir_pdfs
    first_item = cost.rab_lines[0]
    plain_text, full_pages = " ".join(_pages(plain)), _pages(full)
    assert len(full_pages) > len(_pages(plain))
    assert first_item.item_code not in plain_text and first_item.description not in plain_text
    assert "Lampiran: RAB rinci" not in plain_text
    full_text = " ".join(full_pages)
    assert first_item.item_code in full_text and first_item.description in full_text
    assert "Lampiran: RAB rinci" in full_text
    assert f"Halaman {len(full_pages)} dari {len(full_pages)}" in full_pages[-1]


def test_akuarium_parametric_proposal_groups_241_units_by_type_and_floor(db):
    project = _project(db, "akuarium")
    scenario = designs.by_name(db, project, None)
    cost = designs.compute(db, scenario)
    assert scenario.cost_method == "parametric" and cost.unit_count == 241
    html = proposal_html(db, project, scenario, printed_on=PRINTED)
    assert cost.units[0].code not in html  # grouped: no row per unit
    text = " ".join(_pages(proposal_pdf(db, project, scenario, appendix=True, printed_on=PRINTED)))
    assert format_rupiah(cost.total, "id") in text and cost.document_id in text
    assert "241" in text and "Jumlah dibulatkan" not in text  # no RAB, so no recap and no appendix
    assert format_rupiah(scenario.rate_per_m2, "id") in text  # the parametric rate among the assumptions
    assert "Halaman 1 dari" in text


def test_proposal_in_english_and_the_bundled_font_is_embedded(db):
    project = _project(db, "kunir")
    scenario = designs.by_name(db, project, None)
    fetcher = LocalOnlyFetcher()
    pdf = render_pdf(proposal_html(db, project, scenario, locale="en", printed_on=PRINTED), url_fetcher=fetcher)
    assert fetcher.refused == []  # the proposal asks for nothing beyond the app's own files
    pages = _pages(pdf)
    assert "Page 1 of" in pages[0] and "Cost proposal" in pages[0] and "17 August 2026" in pages[0]
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("IBM-Plex-Sans" in f for f in fonts), fonts  # no system font fallback


def test_rendering_refuses_every_web_address_and_still_prints(monkeypatch):
    def no_network(*_args, **_kwargs):
        raise AssertionError("a PDF must never open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    html = """<html><head><link rel="stylesheet" href="https://cdn.example.com/x.css">
      <style>@import url("http://example.com/y.css"); body { background: url(https://example.com/b.png) }</style>
      <link rel="stylesheet" href="templates/pdf/base.css"></head>
      <body><h1>Usulan biaya</h1><img src="https://example.com/logo.png"><img src="file:///etc/passwd">
      <p>Rp1.250.000</p></body></html>"""
    fetcher = LocalOnlyFetcher()
    pdf = render_pdf(html, url_fetcher=fetcher)
    assert "Usulan biaya" in _pages(pdf)[0] and "Rp1.250.000" in _pages(pdf)[0]
    assert set(fetcher.refused) == {"https://cdn.example.com/x.css", "http://example.com/y.css",
                                    "https://example.com/b.png", "https://example.com/logo.png", "file:///etc/passwd"}


def test_site_map_is_a_static_svg_of_the_parcels(db):
    project = _project(db, "akuarium")
    svg = site_svg(project.site.parcels, width_mm=170, height_mm=90)
    assert svg.startswith("<svg") and 'viewBox="0 0 170 90"' in svg
    assert all(p.code in svg for p in project.site.parcels)
    assert "#2b83ba" in svg  # HPL land in its land status colour
    assert " m</text>" in svg  # the scale bar
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing to fetch
    assert site_svg([]) == ""


def test_proposal_route_answers_a_pdf_to_a_reader_and_404_to_another_cooperative(client, db):
    scenario = designs.by_name(db, _project(db, "kunir"), None)
    url = f"/projects/kunir/scenarios/{scenario.id}/proposal.pdf"
    sign_in(client, db, "pembaca")
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == f'attachment; filename="proposal-kunir-{scenario.id}.pdf"'
    assert "Halaman 1 dari" in _pages(r.content)[0]
    with_appendix = client.get(url + "?appendix=1")
    assert with_appendix.status_code == 200 and len(_pages(with_appendix.content)) > len(_pages(r.content))
    assert client.get(f"/projects/kunir/scenarios/{scenario.id + 10_000}/proposal.pdf").status_code == 404

    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert client.get(url).status_code == 404


def test_cli_writes_the_proposal_and_refuses_an_unknown_scenario(cli, tmp_path):
    target = tmp_path / "kunir.pdf"
    done = cli("proposal", "--project", "kunir", "-o", str(target), "--appendix")
    assert done.exit_code == 0, done.stderr
    pages = _pages(target.read_bytes())
    assert "Terbangun 2022" in pages[0] and "Page 1 of" in pages[0]  # the cli fixture sets JAPRA_LOCALE=en
    missing = cli("proposal", "--project", "kunir", "--scenario", "Tidak Ada", "-o", str(tmp_path / "x.pdf"))
    assert missing.exit_code == 2 and "Tidak Ada" in missing.stderr and not (tmp_path / "x.pdf").exists()
    unwritable = cli("proposal", "--project", "kunir", "-o", "/nonexistent/dir/x.pdf")
    assert unwritable.exit_code == 2
    assert unwritable.stderr.strip() == "/nonexistent/dir/x.pdf cannot be written: No such file or directory."
