"""The one import flow (`app/web/imports.py`): upload, preview, confirm or cancel, the same for every context; an
upload is only ever its uploader's, for the place it was made for, and never left behind after an import."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from app.members.models import Member
from tests.app.construction.test_construction_costs import marlina  # noqa: F401 - a fixture
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
MEMBERS = "/cooperatives/kunir/members-import"
GOOD = b"nomor_anggota;nama;jumlah_jiwa\nKNR-970;Anggota Baru;3\n"


def _upload(client, url: str, content: bytes, name: str = "anggota.csv", **headers: str):
    return client.post(url, files={"file": (name, content)}, data={"_csrf_token": csrf_token(client)},
                       headers=headers, follow_redirects=False)


def _preview_url(client, content: bytes = GOOD) -> str:
    r = _upload(client, MEMBERS, content)
    assert r.status_code in (302, 303), r.text[:300]
    return r.headers["location"]


def _confirm(client, url: str, action: str = "import"):
    return client.post(url, data={"action": action, "_csrf_token": csrf_token(client)}, follow_redirects=False)


def _pending(settings) -> set[str]:
    root = settings.data_dir / "uploads"
    return {p.name for p in root.iterdir()} if root.exists() else set()


def test_the_page_script_is_told_where_the_preview_is(client, db):
    sign_in(client, db, "perencana")
    r = _upload(client, MEMBERS, GOOD, **{"X-Japra-Upload": "1"})
    assert r.status_code == 200 and r.json()["next"].startswith(MEMBERS + "/")
    assert client.get(r.json()["next"]).status_code == 200


def test_no_file_or_one_too_large_is_refused_on_the_upload_form(client, db, web_app, monkeypatch):
    sign_in(client, db, "perencana")
    client.cookies.set("japra_lang", "en")
    none = client.post(MEMBERS, data={"_csrf_token": csrf_token(client)}, files={"other": ("x.txt", b"x")})
    assert none.status_code == 400 and "Choose a file to upload." in none.text
    monkeypatch.setattr(web_app.state, "settings", replace(web_app.state.settings, max_upload_mb=0))
    big = _upload(client, MEMBERS, GOOD)
    assert big.status_code == 413 and "JAPRA_MAX_UPLOAD_MB" in big.text


def test_a_file_refused_whole_is_discarded_and_the_form_says_why(client, db, settings):
    sign_in(client, db, "perencana")
    client.cookies.set("japra_lang", "en")
    url = _preview_url(client, b"\x89PNG\r\n\x1a\n" + bytes(64))
    r = client.get(url)
    assert r.status_code == 400 and "anggota.csv is not a UTF-8 text or .xlsx file" in r.text
    assert 'type="file"' in r.text  # the upload form again
    assert url.rsplit("/", 1)[1] not in _pending(settings)
    assert client.get(url).status_code == 404


def test_an_upload_is_only_its_uploaders_for_the_place_it_was_made_for(client, db, settings):
    sign_in(client, db, "perencana")
    url = _preview_url(client)
    token = url.rsplit("/", 1)[1]
    elsewhere = [f"/cooperatives/akuarium/members-import/{token}",  # another cooperative
                 f"/cooperatives/kunir/payments/import/{token}"]  # the same cooperative, another import
    for other in elsewhere:
        assert client.get(other).status_code == 404
        assert _confirm(client, other).status_code == 404
        assert _confirm(client, other, "cancel").status_code == 404
    client.cookies.clear()
    sign_in(client, db, "pengurus-kunir")  # the right cooperative, another officer
    assert client.get(url).status_code == 404
    assert _confirm(client, url, "cancel").status_code == 404
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert client.get(url).status_code == 404
    assert token in _pending(settings)  # none of them could discard it either
    client.cookies.clear()
    sign_in(client, db, "perencana")
    assert client.get(url).status_code == 200


def test_cancel_discards_the_file_and_stores_nothing(client, db, settings):
    sign_in(client, db, "perencana")
    url = _preview_url(client)
    r = _confirm(client, url, "cancel")
    assert r.status_code in (302, 303) and r.headers["location"] == "/cooperatives/kunir/members"
    assert url.rsplit("/", 1)[1] not in _pending(settings)
    assert client.get(url).status_code == 404
    assert db.scalar(select(Member).where(Member.number == "KNR-970")) is None


def test_confirm_stores_and_discards_the_file(client, db, settings):
    sign_in(client, db, "perencana")
    url = _preview_url(client)
    r = _confirm(client, url)
    assert r.status_code in (302, 303) and r.headers["location"].endswith("imported=1")
    assert url.rsplit("/", 1)[1] not in _pending(settings)
    assert db.scalar(select(Member).where(Member.number == "KNR-970")).name == "Anggota Baru"


def test_a_confirm_with_problems_names_them_in_the_contexts_words(client, db):
    sign_in(client, db, "perencana")
    client.cookies.set("japra_lang", "en")
    url = _preview_url(client, b"nomor_anggota;nama;jumlah_jiwa\nKNR-971;Satu;-1\n")
    preview = client.get(url)
    assert preview.status_code == 200 and "1 problem must be fixed in the file" in preview.text
    assert "Nothing was imported" not in preview.text and "disabled" in preview.text
    refused = _confirm(client, url)
    assert refused.status_code == 400 and "Nothing was imported: fix the rows listed below." in refused.text
    prices = _upload(client, "/prices/import", b"kode;nama;satuan;jenis;harga\nL.01;Pekerja;OH;upah;-1\n",
                     "harga.csv").headers["location"]
    r = client.post(prices, data={"action": "import", "code": "x-1", "name": "x", "region": "x",
                                  "effective_date": "2027-01-01", "_csrf_token": csrf_token(client)})
    assert r.status_code == 400 and "The file has 1 problem(s); nothing was imported." in r.text
    assert ">Sheet<" in r.text and ">harga.csv<" in r.text  # a workbook's problems name their sheet


def test_an_import_without_preview_leaves_no_file_behind(client, db, settings, marlina):  # noqa: F811
    before = _pending(settings)
    url = "/projects/marlina/construction/costs/import"
    bad = _upload(client, url, b"tanggal;divisi;jumlah;referensi\n2026-02-01;atap;1000;R-1\n", "biaya.csv")
    assert bad.status_code == 400 and "Nothing was imported" in bad.text and "Row 2, column divisi" in bad.text
    unreadable = _upload(client, url, b"", "biaya.csv")
    assert unreadable.status_code == 400 and "biaya.csv is empty." in unreadable.text
    assert "Nothing was imported" not in unreadable.text
    good = _upload(client, url, b"tanggal;divisi;jumlah;referensi\n2026-02-01;struktur;1000;R-1\n", "biaya.csv")
    assert good.status_code in (302, 303) and good.headers["location"].endswith("imported=1")
    assert _pending(settings) == before
