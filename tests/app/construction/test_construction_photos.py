"""Site photos: uploaded with a report or on their own page, checked by decoding, stored all or nothing,
served to who may see the project (originals to editors only), public copies without EXIF, placed on the map."""

from __future__ import annotations

import dataclasses
import random
import struct
import zlib
from datetime import date
from io import BytesIO

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational as R
from shapely.geometry import Polygon
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.construction import photos as site_photos
from app.construction import service as construction
from app.construction.models import BuildingFootprint, ProgressReport, SitePhoto
from app.projects.models import Project
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
PHOTOS = "/projects/marlina/construction/photos"
REPORTS = "/projects/marlina/construction/reports"
MAKER = "PhoneMakerSecret"


def noisy(size=(160, 120), mode="RGB", seed=7) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new(mode, size)
    image.frombytes(bytes(rng.randrange(256) for _ in range(size[0] * size[1] * len(mode))))
    return image


def camera_jpeg(seed=7) -> bytes:
    """A phone's photo: Make, GPS (Kampung Marlina, 6° 6' 36" S, 106° 48' 0" E) and the time it was taken."""
    exif = Image.Exif()
    exif[0x010F] = MAKER
    exif[0x8825] = {1: "S", 2: (R(6), R(6), R(36)), 3: "E", 4: (R(106), R(48), R(0))}
    exif[0x8769] = {0x9003: "2025:11:08 09:30:00", 0x9011: "+07:00"}
    out = BytesIO()
    noisy(seed=seed).save(out, "JPEG", exif=exif)
    return out.getvalue()


def plain_png(seed=8) -> bytes:
    out = BytesIO()
    noisy(mode="RGBA", seed=seed).save(out, "PNG")
    return out.getvalue()


def bomb_png(width=100_000, height=100_000) -> bytes:
    """A few bytes declaring ten billion pixels."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + \
        chunk(b"IEND", b"")


@pytest.fixture()
def project(db: Session) -> Project:
    marlina = db.scalar(select(Project).where(Project.slug == "marlina"))
    construction.start(db, "test", marlina, construction.StartIn(date(2025, 11, 3), date(2027, 4, 30)))
    db.commit()
    return marlina


@pytest.fixture()
def store(web_app, settings, tmp_path):
    """A photo folder of this test's own, so 'nothing stored' can be checked on disk."""
    original = web_app.state.settings
    web_app.state.settings = dataclasses.replace(settings, photo_dir=tmp_path / "photos")
    yield site_photos.PhotoStore.from_settings(web_app.state.settings)
    web_app.state.settings = original


def english(client, db, username: str):
    sign_in(client, db, username)
    client.get("/lang/en")
    return client


def upload(client, files: list[tuple[str, bytes]], **fields):
    form = {"_csrf_token": csrf_token(client), **fields}
    parts = [(f"photo_{n}", (name, content, "image/jpeg")) for n, (name, content) in enumerate(files, start=1)]
    return client.post(PHOTOS, data=form, files=parts, follow_redirects=False)


def stored_files(store) -> list[str]:
    return sorted(p.name for p in store.folder.rglob("*") if p.is_file())


def photo_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(SitePhoto))


def test_a_phone_jpeg_and_a_plain_png_are_stored_with_position_time_and_block(client, db, project, store):
    english(client, db, "pengurus-marlina")
    r = upload(client, [("IMG_0001.jpg", camera_jpeg()), ("denah.png", plain_png())],
               photo_caption_1="Kolom lantai 2", photo_building_1="A", photo_building_2="B")
    assert r.status_code in (302, 303) and r.headers["location"] == f"{PHOTOS}?added=2"
    jpeg, png = sorted(db.scalars(select(SitePhoto).where(SitePhoto.project_id == project.id)), key=lambda p: p.id)
    assert (jpeg.format, jpeg.width, jpeg.height, jpeg.caption, jpeg.building_code) == \
        ("JPEG", 160, 120, "Kolom lantai 2", "A")
    assert jpeg.lat == pytest.approx(-6.11) and jpeg.lon == pytest.approx(106.8)
    assert jpeg.taken_at.isoformat() == "2025-11-08T02:30:00+00:00"  # 09:30 WIB
    assert (png.format, png.lat, png.taken_at, png.building_code) == ("PNG", None, None, "B")
    assert stored_files(store) == sorted([
        f"{jpeg.sha256}.orig.jpg", f"{jpeg.sha256}.public.jpg", f"{jpeg.sha256}.thumb.jpg",
        f"{png.sha256}.orig.png", f"{png.sha256}.public.jpg", f"{png.sha256}.thumb.jpg"])
    assert all(p.parent.name == str(project.id) for p in store.folder.rglob("*.jpg"))

    page = client.get(f"{PHOTOS}?added=2").text
    assert "2 photos added." in page and "Kolom lantai 2" in page and "8 November 2025, 09:30 WIB" in page
    assert f"{PHOTOS}/{jpeg.id}/thumb.jpg" in page and "Block A" in page and "Date taken unknown" in page
    thumb = client.get(f"{PHOTOS}/{jpeg.id}/thumb.jpg")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.headers["cache-control"].startswith("private, max-age=")
    assert Image.open(BytesIO(thumb.content)).format == "JPEG"
    assert client.get(f"{PHOTOS}/{jpeg.id}/thumb.jpg", headers={"If-None-Match": thumb.headers["etag"]}) \
        .status_code == 304
    # The construction page shows the newest photos and leads to the rest.
    detail = client.get("/projects/marlina/construction").text
    assert "Latest photos" in detail and f"{PHOTOS}/{png.id}/thumb.jpg" in detail and f'href="{PHOTOS}"' in detail


def test_public_copies_and_thumbnails_carry_no_exif_while_the_original_keeps_it(client, db, project, store):
    english(client, db, "pengurus-marlina")
    upload(client, [("IMG_0001.jpg", camera_jpeg())])
    photo = db.scalar(select(SitePhoto))
    for kind in ("public.jpg", "thumb.jpg"):
        r = client.get(f"{PHOTOS}/{photo.id}/{kind}")
        assert r.headers["content-type"] == "image/jpeg"
        image = Image.open(BytesIO(r.content))
        assert image.format == "JPEG" and not image.getexif() and not image.getexif().get_ifd(0x8825)
        assert "exif" not in image.info and MAKER.encode() not in r.content
    original = client.get(f"{PHOTOS}/{photo.id}/orig")
    assert original.content == camera_jpeg() and original.headers["content-type"] == "image/jpeg"
    assert original.headers["content-disposition"] == f'attachment; filename="marlina-photo-{photo.id}.jpg"'
    assert Image.open(BytesIO(original.content)).getexif().get_ifd(0x8825)  # the GPS is still there
    assert str(store.folder) not in str(original.headers) and photo.sha256 not in str(original.headers)


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("IMG_0002.jpg", b"Laporan mingguan, bukan foto.\n" * 20,
     "The file is not a photo: it is neither a JPEG nor a PNG image."),
    ("bom.png", bomb_png(), "The image declares more pixels than any photo has; it was not opened."),
    ("IMG_0003.jpg", camera_jpeg()[:2000], "cannot be read to its end: it is damaged or incomplete."),
])
def test_a_bad_file_is_refused_by_name_and_nothing_is_stored(client, db, project, store, name, content, problem):
    english(client, db, "pengurus-marlina")
    r = upload(client, [("IMG_0001.jpg", camera_jpeg()), (name, content)], photo_caption_1="good one")
    assert r.status_code == 400
    assert f"Photo {name}: " in r.text and problem in r.text
    assert "Nothing was saved: choose the photos again." in r.text and 'value="good one"' in r.text
    assert photo_count(db) == 0 and stored_files(store) == []


def test_a_photo_over_the_size_limit_or_the_pixel_limit_is_refused(client, db, project, store, web_app):
    english(client, db, "pengurus-marlina")
    web_app.state.settings = dataclasses.replace(web_app.state.settings, photo_max_bytes=4000)
    r = upload(client, [("IMG_0001.jpg", camera_jpeg())])
    assert r.status_code == 400
    assert "Photo IMG_0001.jpg: The photo is 0.0 MB; the most a photo may be is 0.0 MB." in r.text
    web_app.state.settings = dataclasses.replace(web_app.state.settings, photo_max_bytes=10**7, photo_max_pixels=10_000)
    r = upload(client, [("IMG_0001.jpg", camera_jpeg())])
    assert r.status_code == 400 and "The photo is 160 x 120 pixels" in r.text
    assert photo_count(db) == 0 and stored_files(store) == []


def test_a_49_megapixel_one_colour_png_is_decoded_once_and_stored_with_small_copies(client, db, project, store,
                                                                                     monkeypatch):
    from PIL import ImageFile

    out = BytesIO()
    Image.new("RGB", (7000, 7000), (200, 40, 40)).save(out, "PNG")  # 160 KB
    decoded: list[tuple[int, int]] = []
    prepare = ImageFile.ImageFile.load_prepare
    monkeypatch.setattr(ImageFile.ImageFile, "load_prepare", lambda image: (decoded.append(image.size),
                                                                            prepare(image))[1])
    english(client, db, "pengurus-marlina")
    assert upload(client, [("denah.png", out.getvalue())]).status_code == 302
    assert decoded == [(7000, 7000)]  # once for the check and both copies: the work is bounded by the pixels
    photo = db.scalar(select(SitePhoto))
    assert (photo.format, photo.width, photo.height, photo.size_bytes) == ("PNG", 7000, 7000, len(out.getvalue()))
    assert stored_files(store) == sorted(f"{photo.sha256}.{kind}" for kind in ("orig.png", "public.jpg", "thumb.jpg"))
    sizes = {kind: Image.open(store.path(photo, kind)).size for kind in ("public", "thumb")}
    assert sizes == {"public": (site_photos.PUBLIC_SIDE, site_photos.PUBLIC_SIDE), "thumb": (320, 320)}


def test_the_same_photo_twice_is_refused(client, db, project, store):
    english(client, db, "pengurus-marlina")
    r = upload(client, [("a.jpg", camera_jpeg()), ("copy-of-a.jpg", camera_jpeg())])
    assert r.status_code == 400 and "Photo copy-of-a.jpg: It is the same picture as a.jpg." in r.text
    assert photo_count(db) == 0
    assert upload(client, [("a.jpg", camera_jpeg())]).status_code in (302, 303)
    files = stored_files(store)
    r = upload(client, [("b.png", plain_png()), ("again.jpg", camera_jpeg())])
    assert r.status_code == 400 and "Photo again.jpg: It is already in this project, uploaded on" in r.text
    assert photo_count(db) == 1 and stored_files(store) == files


def test_unknown_blocks_empty_forms_and_captions_without_a_file_are_refused(client, db, project, store):
    english(client, db, "pengurus-marlina")
    r = upload(client, [("a.jpg", camera_jpeg())], photo_building_1="Z")
    assert r.status_code == 400 and "Photo a.jpg: There is no block Z in this project." in r.text
    r = upload(client, [])
    assert r.status_code == 400 and "Choose at least one photo to upload." in r.text
    r = client.post(PHOTOS, data={"_csrf_token": csrf_token(client), "photo_caption_2": "tangga"},
                    files=[("photo_1", ("a.jpg", camera_jpeg(), "image/jpeg"))])
    assert r.status_code == 400 and "Photo 2 has a caption but no file" in r.text
    r = upload(client, [("a.jpg", camera_jpeg())], report_date="2025-11-09")
    assert r.status_code == 400 and "There is no progress report of 2025-11-09." in r.text
    assert photo_count(db) == 0 and stored_files(store) == []


def _report_form(client, project_packages, day="2025-11-08", **more):
    code = project_packages[0].code
    return {"_csrf_token": csrf_token(client), "report_date": day, "reporter": "Pengawas",
            f"pct_{code}": "5", **more}


def test_a_report_with_a_bad_photo_stores_neither_the_report_nor_any_photo(client, db, project, store):
    english(client, db, "pengurus-marlina")
    packages = construction.packages_of(db, project)
    files = [("photo_1", ("IMG_0001.jpg", camera_jpeg(), "image/jpeg")),
             ("photo_2", ("IMG_0002.jpg", b"not a photo at all", "image/jpeg"))]
    r = client.post(REPORTS, data=_report_form(client, packages, workers="12"), files=files)
    assert r.status_code == 400 and "Photo IMG_0002.jpg: The file is not a photo" in r.text
    assert 'value="12"' in r.text  # the report's fields are kept for the second try
    assert db.scalar(select(func.count()).select_from(ProgressReport)) == 0
    assert photo_count(db) == 0 and stored_files(store) == []

    files[1] = ("photo_2", ("denah.png", plain_png(), "image/png"))
    r = client.post(REPORTS, data=_report_form(client, packages, photo_caption_2="Denah"), files=files,
                    follow_redirects=False)
    assert r.status_code in (302, 303) and "reported=2025-11-08" in r.headers["location"]
    report = db.scalar(select(ProgressReport))
    assert [(p.caption, p.report_id) for p in db.scalars(select(SitePhoto).order_by(SitePhoto.id))] == \
        [(None, report.id), ("Denah", report.id)]
    assert len(stored_files(store)) == 6
    # A photo added later on the photos page joins a report by its date.
    assert upload(client, [("later.jpg", camera_jpeg(seed=9))], report_date="2025-11-08").status_code in (302, 303)
    assert db.scalar(select(SitePhoto).order_by(SitePhoto.id.desc())).report_id == report.id
    assert "Report of 8 November 2025" in client.get(PHOTOS).text


def test_the_report_form_still_takes_a_plain_form_and_shows_the_photo_inputs(client, db, project, store):
    english(client, db, "pengurus-marlina")
    packages = construction.packages_of(db, project)
    html = client.get(REPORTS).text
    assert 'enctype="multipart/form-data"' in html and 'name="photo_1"' in html and 'name="photo_building_1"' in html
    r = client.post(REPORTS, data=_report_form(client, packages), follow_redirects=False)
    assert r.status_code in (302, 303)
    assert db.scalar(select(ProgressReport.report_date)) == date(2025, 11, 8) and photo_count(db) == 0


def test_viewers_see_thumbnails_but_not_originals_and_other_cooperatives_see_nothing(client, db, project, store):
    english(client, db, "pengurus-marlina")
    upload(client, [("IMG_0001.jpg", camera_jpeg())])
    photo = db.scalar(select(SitePhoto))
    client.cookies.clear()

    english(client, db, "pembaca")
    page = client.get(PHOTOS)
    assert page.status_code == 200 and f"{PHOTOS}/{photo.id}/thumb.jpg" in page.text
    assert "/orig" not in page.text and 'name="photo_1"' not in page.text
    assert client.get(f"{PHOTOS}/{photo.id}/thumb.jpg").status_code == 200
    assert client.get(f"{PHOTOS}/{photo.id}/public.jpg").status_code == 200
    assert client.get(f"{PHOTOS}/{photo.id}/orig").status_code == 403
    r = client.post(PHOTOS, data={"_csrf_token": csrf_token(client)},
                    files=[("photo_1", ("b.png", plain_png(), "image/png"))])
    assert r.status_code == 403 and photo_count(db) == 1
    client.cookies.clear()

    english(client, db, "pengurus-kunir")
    for path in (PHOTOS, f"{PHOTOS}/{photo.id}/thumb.jpg", f"{PHOTOS}/{photo.id}/public.jpg",
                 f"{PHOTOS}/{photo.id}/orig"):
        assert client.get(path).status_code == 404, path
    # A photo is found only under its own project.
    client.cookies.clear()
    english(client, db, "perencana")
    assert client.get(f"/projects/kunir/construction/photos/{photo.id}/thumb.jpg").status_code == 404
    # A project not yet under construction has its photo page too (the site before the works), without blocks.
    page = client.get("/projects/kunir/construction/photos")
    assert page.status_code == 200 and "No photos yet." in page.text and 'name="photo_1"' in page.text
    assert 'name="photo_building_1"' not in page.text
    assert client.get(f"{PHOTOS}/{photo.id}/orig").status_code == 200


def test_a_rolled_back_upload_leaves_no_files_and_a_committed_one_keeps_them(db, project, store):
    photo = site_photos.PhotoUpload("a.jpg", camera_jpeg())
    site_photos.add_photos(db, "test", store, project, [photo])
    assert len(stored_files(store)) == 3
    db.rollback()
    assert stored_files(store) == [] and photo_count(db) == 0
    site_photos.add_photos(db, "test", store, project, [photo])
    db.commit()
    assert len(stored_files(store)) == 3
    # Files are named by their content, so writing them again is harmless.
    row = db.scalar(select(SitePhoto))
    assert site_photos._write_once(store.path(row, "orig"), camera_jpeg()) is False


def test_photos_are_placed_by_gps_else_at_their_blocks_footprint_else_at_the_site(db, project, store):
    block_a = Polygon([(106.8000, -6.1100), (106.8004, -6.1100), (106.8004, -6.1104), (106.8000, -6.1104)])
    footprints = {f.building_code: f for f in db.scalars(
        select(BuildingFootprint).where(BuildingFootprint.project_id == project.id))}
    if "A" in footprints:
        footprints["A"].geom = block_a
    else:
        db.add(BuildingFootprint(project_id=project.id, building_code="A", geom=block_a))
    if "B" in footprints:
        db.delete(footprints["B"])
    site_photos.add_photos(db, "test", store, project, [
        site_photos.PhotoUpload("gps.jpg", camera_jpeg(), caption="Kolom", building_code="A"),
        site_photos.PhotoUpload("a.png", plain_png(), building_code="A"),
        site_photos.PhotoUpload("b.png", plain_png(seed=9), building_code="B"),
    ])
    db.flush()
    features = {f["properties"]["id"]: f for f in site_photos.photo_features(db, project)}
    gps, at_a, at_b = (features[p.id] for p in db.scalars(select(SitePhoto).order_by(SitePhoto.id)))
    assert gps["type"] == "Feature" and gps["geometry"] == {"type": "Point", "coordinates": [106.8, -6.11]}
    assert gps["properties"]["located"] == "gps" and gps["properties"]["caption"] == "Kolom"
    assert gps["properties"]["taken_at"] == "2025-11-08T09:30:00+07:00"
    assert gps["properties"]["thumb_url"] == f"{PHOTOS}/{gps['id']}/thumb.jpg"
    assert at_a["properties"]["located"] == "building" and at_a["properties"]["building"] == "A"
    assert at_a["geometry"]["coordinates"] == pytest.approx([106.8002, -6.1102], abs=1e-7)
    # Block B has no footprint: the photo goes to the middle of the site.
    site = project.site.parcels
    assert at_b["properties"]["located"] == "site" and site
    lon, lat = at_b["geometry"]["coordinates"]
    assert any(p.geom.buffer(0.001).contains(Polygon.from_bounds(lon, lat, lon, lat).centroid) for p in site)
    assert at_b["properties"]["taken_at"] is None and at_b["properties"]["report_date"] is None
