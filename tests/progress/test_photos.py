"""Site photos: decoded to be checked, limits, EXIF time and GPS position, thumbnails, public copies."""

from __future__ import annotations

import random
import struct
import zlib
from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest
from PIL import Image, ImageCms, PngImagePlugin
from PIL.TiffImagePlugin import IFDRational as R

from progress import ProgressError
from progress.photos import WIB, inspect_photo, prepare_photo, public_copy, thumbnail

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
SECRET = b"SECRET-METADATA"


def noisy(size=(120, 80), mode="RGB") -> Image.Image:
    rng = random.Random(7)
    image = Image.new(mode, size)
    bands = len(mode)
    image.frombytes(bytes(rng.randrange(256) for _ in range(size[0] * size[1] * bands)))
    return image


def camera_exif(orientation=1, offset="+07:00", taken="2026:03:14 09:30:00", lat_ref="S", lon_ref="E") -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    # Kampung Akuarium, Penjaringan: 6° 7' 30.51" S, 106° 48' 12.34" E
    exif[0x8825] = {1: lat_ref, 2: (R(6), R(7), R(3051, 100)), 3: lon_ref, 4: (R(106), R(48), R(1234, 100))}
    ifd = {0x9003: taken}
    if offset:
        ifd[0x9011] = offset
    exif[0x8769] = ifd
    return exif


def jpeg(image=None, **exif_args) -> bytes:
    out = BytesIO()
    (image or noisy()).save(out, "JPEG", exif=camera_exif(**exif_args), icc_profile=SRGB, comment=SECRET,
                            xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>")
    return out.getvalue()


def png(image=None) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())
    info.add_itxt("XML:com.adobe.xmp", SECRET.decode())
    out = BytesIO()
    (image or noisy(mode="RGBA")).save(out, "PNG", pnginfo=info, exif=camera_exif(), icc_profile=SRGB)
    return out.getvalue()


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height pixels (its data would never fill them)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def test_a_camera_jpeg_gives_its_size_time_and_position():
    info = inspect_photo(jpeg())
    assert (info.width, info.height, info.format, info.orientation) == (120, 80, "JPEG", 1)
    assert info.taken_at == datetime(2026, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=7)))
    assert not info.taken_at_assumed
    assert info.lat == pytest.approx(-(6 + 7 / 60 + 30.51 / 3600), abs=1e-7)
    assert info.lon == pytest.approx(106 + 48 / 60 + 12.34 / 3600, abs=1e-7)
    assert info.lat == -6.1251417  # rounded to 7 decimals


def test_the_offset_is_used_and_without_one_the_time_is_wib():
    bali = inspect_photo(jpeg(offset="+08:00"))
    assert bali.taken_at.utcoffset() == timedelta(hours=8) and bali.taken_at.hour == 9
    local = inspect_photo(jpeg(offset=None))
    assert local.taken_at.tzinfo is WIB and local.taken_at_assumed
    assert local.taken_at.utcoffset() == timedelta(hours=7)


def test_north_west_references_and_missing_or_broken_metadata():
    info = inspect_photo(jpeg(lat_ref="N", lon_ref="W"))
    assert info.lat > 0 and info.lon < 0
    assert inspect_photo(jpeg(taken="    :  :     :  :  ")).taken_at is None  # a blank camera clock
    assert inspect_photo(jpeg(lat_ref="Q")).lat is None
    plain = BytesIO()
    noisy().save(plain, "JPEG")
    bare = inspect_photo(plain.getvalue())
    assert (bare.taken_at, bare.lat, bare.lon, bare.orientation) == (None, None, None, 1)


def test_a_null_island_position_is_no_position():
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (R(0), R(0), R(0)), 3: "E", 4: (R(0), R(0), R(0))}
    out = BytesIO()
    noisy().save(out, "JPEG", exif=exif)
    assert inspect_photo(out.getvalue()).lat is None


def test_a_turned_photo_reports_its_upright_size():
    info = inspect_photo(jpeg(orientation=6))
    assert (info.width, info.height, info.orientation) == (80, 120, 6)


def test_png_is_taken_too():
    info = inspect_photo(png())
    assert (info.format, info.width, info.height) == ("PNG", 120, 80)
    assert info.lat == -6.1251417


def test_a_text_file_named_jpg_is_not_a_photo():
    with pytest.raises(ProgressError) as error:
        inspect_photo(b"Laporan mingguan minggu ke-12\nprogres 45%\n")
    assert error.value.message.code == "photo.not_an_image" and error.value.field == "photo"
    assert str(error.value) == "The file is not a photo: it is neither a JPEG nor a PNG image."


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"GIF89a" + b"\0" * 40, "GIF"),
        (b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 40, "WebP"),
        (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 40, "HEIC"),
    ],
)
def test_other_image_formats_are_named(data, name):
    with pytest.raises(ProgressError) as error:
        inspect_photo(data)
    assert error.value.message.code == "photo.format_not_allowed"
    assert f"a {name} image" in str(error.value)


def test_a_truncated_jpeg_is_refused_as_damaged():
    data = jpeg(noisy((400, 300)))
    with pytest.raises(ProgressError) as error:
        inspect_photo(data[: len(data) * 2 // 3])
    assert error.value.message.code == "photo.damaged"
    assert "JPEG" in str(error.value) and "damaged or incomplete" in str(error.value)
    with pytest.raises(ProgressError):
        thumbnail(data[: len(data) // 2])


def test_a_png_with_a_broken_checksum_is_damaged():
    data = bytearray(png())
    data[40] ^= 0xFF
    with pytest.raises(ProgressError) as error:
        inspect_photo(bytes(data))
    assert error.value.message.code == "photo.damaged"


def test_a_photo_over_the_size_limit_is_refused_before_decoding():
    data = jpeg()
    with pytest.raises(ProgressError) as error:
        inspect_photo(data, max_bytes=len(data) - 1)
    assert error.value.message.code == "photo.too_large"
    with pytest.raises(ProgressError) as error:
        inspect_photo(b"x" * (3 * 1024 * 1024), max_bytes=2 * 1024 * 1024)
    assert str(error.value) == "The photo is 3.0 MB; the most a photo may be is 2.0 MB."
    with pytest.raises(ProgressError) as error:
        inspect_photo(b"")
    assert error.value.message.code == "photo.empty"


def test_decompression_bombs_are_refused_before_their_pixels_exist():
    huge = bomb_png(100_000, 100_000)  # ten gigapixels in under a hundred bytes
    assert len(huge) < 100
    with pytest.raises(ProgressError) as error:
        inspect_photo(huge)
    assert error.value.message.code == "photo.too_many_pixels"
    large = bomb_png(9_000, 9_000)  # under Pillow's own limit, over ours
    with pytest.raises(ProgressError) as error:
        inspect_photo(large, max_pixels=50_000_000)
    assert str(error.value) == "The photo is 9000 x 9000 pixels; the most a photo may have is 50 megapixels."
    with pytest.raises(ProgressError):
        thumbnail(large)
    with pytest.raises(ProgressError):
        public_copy(huge)


def no_metadata(data: bytes) -> None:
    assert SECRET not in data
    assert b"Exif" not in data and b"ICC_PROFILE" not in data and b"iCCP" not in data
    assert b"PhoneMaker" not in data and b"xmpmeta" not in data
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
        assert chunk not in data
    image = Image.open(BytesIO(data))
    assert not dict(image.getexif())
    assert "icc_profile" not in image.info and "exif" not in image.info


def test_a_thumbnail_is_a_small_upright_jpeg_without_metadata():
    data = thumbnail(jpeg(noisy((400, 300)), orientation=6), 160)
    image = Image.open(BytesIO(data))
    assert image.format == "JPEG" and image.size == (120, 160)  # turned upright: portrait
    no_metadata(data)
    from_png = Image.open(BytesIO(thumbnail(png(), 64)))
    assert from_png.format == "JPEG" and from_png.mode == "RGB" and max(from_png.size) == 64


def test_a_public_copy_keeps_format_and_pixels_upright_and_drops_every_metadata_block():
    original = jpeg(noisy((400, 300)), orientation=6)
    copy = public_copy(original)
    no_metadata(copy)
    image = Image.open(BytesIO(copy))
    assert (image.format, image.size) == ("JPEG", (300, 400))
    assert inspect_photo(copy).lat is None and inspect_photo(copy).taken_at is None

    png_copy = public_copy(png())
    no_metadata(png_copy)
    image = Image.open(BytesIO(png_copy))
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (120, 80))
    assert image.tobytes() == Image.open(BytesIO(png())).tobytes()  # PNG: the same pixels, losslessly

    small = Image.open(BytesIO(public_copy(original, max_side=100)))
    assert small.size == (75, 100)


def test_a_truncated_jpeg_is_refused_even_after_weasyprint_is_imported():
    import weasyprint  # noqa: F401  (it switches Pillow's LOAD_TRUNCATED_IMAGES on for the whole process)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    test_a_truncated_jpeg_is_refused_as_damaged()
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as WeasyPrint wants it


@pytest.fixture()
def decodings(monkeypatch) -> list[tuple[int, int]]:
    """The size of every image Pillow decodes from here on: what the work on a photo is proportional to."""
    from PIL import ImageFile

    sizes: list[tuple[int, int]] = []
    prepare = ImageFile.ImageFile.load_prepare

    def counted(self):
        sizes.append(self.size)
        prepare(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load_prepare", counted)
    return sizes


def one_colour_png(size=(7000, 7000)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (120, 130, 140)).save(out, "PNG")
    return out.getvalue()


def test_a_49_megapixel_one_colour_png_is_decoded_once_and_made_small(decodings):
    data = one_colour_png()
    assert len(data) < 200_000  # about 300 pixels a byte: taken all the same, it is a picture
    prepared = prepare_photo(data, public_side=2048)
    assert decodings == [(7000, 7000)]  # the check, the public copy and the thumbnail from one decoding
    assert (prepared.info.width, prepared.info.height, prepared.info.format) == (7000, 7000, "PNG")
    public, thumb = Image.open(BytesIO(prepared.public)), Image.open(BytesIO(prepared.thumbnail))
    assert (public.format, public.mode, public.size) == ("JPEG", "RGB", (2048, 2048))
    assert (thumb.format, thumb.size) == ("JPEG", (320, 320))
    for image in (public, thumb):
        assert all(abs(got - want) <= 2 for got, want in zip(image.getpixel((100, 100)), (120, 130, 140), strict=True))


def test_a_large_jpeg_is_decoded_once_no_larger_than_its_public_copy_needs(decodings):
    out = BytesIO()
    Image.new("RGB", (8000, 6000), (60, 90, 30)).save(out, "JPEG", exif=camera_exif(orientation=6))
    prepared = prepare_photo(out.getvalue(), public_side=2048)
    assert decodings == [(4000, 3000)]  # libjpeg's 1/2 scale: the least that still covers 2,048 pixels
    assert (prepared.info.width, prepared.info.height, prepared.info.lat) == (6000, 8000, -6.1251417)
    assert Image.open(BytesIO(prepared.public)).size == (1536, 2048)  # upright: portrait
    assert Image.open(BytesIO(prepared.thumbnail)).size == (240, 320)


def test_a_prepared_photo_is_what_inspect_thumbnail_and_public_copy_make_and_refuses_the_same():
    original = jpeg(noisy((400, 300)), orientation=6)
    prepared = prepare_photo(original, public_side=360)
    assert prepared.info == inspect_photo(original)
    for data in (prepared.public, prepared.thumbnail):
        no_metadata(data)
    assert Image.open(BytesIO(prepared.public)).size == (270, 360)
    assert Image.open(BytesIO(prepared.thumbnail)).size == Image.open(BytesIO(thumbnail(original))).size
    from_png = Image.open(BytesIO(prepare_photo(png(), public_side=2048).public))  # transparency laid on white
    assert (from_png.format, from_png.mode, from_png.size) == ("JPEG", "RGB", (120, 80))
    for bad, code in ((original[: len(original) // 2], "photo.damaged"), (bomb_png(9_000, 9_000),
                                                                          "photo.too_many_pixels")):
        with pytest.raises(ProgressError) as error:
            prepare_photo(bad, public_side=2048)
        assert error.value.message.code == code
