"""Site photos: checked by decoding, their EXIF position and time read, thumbnails and public copies.

- Only JPEG and PNG, recognised by their first bytes and then decoded by Pillow: a text file
  renamed to .jpg, a HEIC or WebP photo, a truncated or damaged file are refused with a message
  that says which. The name of the file is never trusted.
- Limits before anything is decoded: the file's size (`max_bytes`) and its pixels (`max_pixels`,
  width x height from the header), so an image built to exhaust memory when decoded (a
  decompression bomb: a few kilobytes declaring 100,000 x 100,000 pixels) is refused before its
  pixels exist. Pillow's own bomb limit (`Image.MAX_IMAGE_PIXELS`) stays as a second fence; it is
  read, never changed (it is global to the process). A JPEG is decoded no larger than what is made
  of it (1/8 scale to check it; every coefficient is still read, so a truncated file fails), so
  checking a 48-megapixel photo needs a few megabytes; a PNG cannot be decoded smaller, so is
  decoded whole, once.
- The work per photo is bounded by its pixels: `prepare_photo` decodes once and makes the public
  copy and the thumbnail from that, shrinking by whole factors first (a 49-megapixel PNG in about a
  second, not 10; its decoded pixels take 4 bytes each, so at most 200 MB at the 50-megapixel cap).
  A file is not refused for holding many pixels per byte: a one-colour picture or a plain drawing
  compresses a hundredfold and is still a picture, and its pixels are capped anyway.
- EXIF: the GPS position (degrees, minutes, seconds as rationals, N/S and E/W references) in
  decimal degrees, rounded to 7 decimals (about 1 cm); (0, 0) and values out of range are taken as
  "no position" (cameras write zeros without a fix). The time taken is DateTimeOriginal with
  OffsetTimeOriginal when the camera wrote it; without an offset the camera's clock is taken as
  Western Indonesian Time (WIB, UTC+7, Asia/Jakarta, no daylight saving) and `taken_at_assumed`
  says so. Broken EXIF never refuses a photo: its position or time is then unknown.
- `thumbnail`: a small JPEG with the EXIF orientation applied to the pixels and no metadata.
- `public_copy`: the same format, orientation applied to the pixels, colours converted to sRGB,
  and every metadata block dropped: EXIF (with the GPS position), XMP, IPTC, ICC profile,
  comments and PNG text chunks. A JPEG is re-encoded (quality 90) to do it.
- `prepare_photo`: all three from one decoding, the public copy always a JPEG (a PNG's
  transparency laid on white).
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from io import BytesIO
from typing import Any

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from kernel.messages import N_, Message
from progress.errors import ProgressError

FORMATS = ("JPEG", "PNG")
MAX_BYTES = 20 * 1024 * 1024  # a phone's photo is 2-12 MB
MAX_PIXELS = 50_000_000  # a 50-megapixel camera at full resolution
THUMBNAIL_SIDE = 320
# Pillow shrinks by a whole factor (averaging boxes of pixels) until the image is at most this many times the
# target, then resamples with Lanczos: 1.0 makes a 7,000-pixel-wide picture 2,048 wide in 0.3 s instead of 1.1 s,
# and changes nothing for a phone's photo (less than twice the public copy's width).
REDUCING_GAP = 1.0
WIB = timezone(timedelta(hours=7), "WIB")  # Asia/Jakarta: UTC+7 all year

_SIGNATURES = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)
# Formats people send by mistake, named in the message so they know what to do.
_OTHERS = (
    (0, b"GIF8", "GIF"),
    (0, b"BM", "BMP"),
    (0, b"II*\x00", "TIFF"),
    (0, b"MM\x00*", "TIFF"),
    (0, b"%PDF", "PDF"),
    (8, b"WEBP", "WebP"),
    (4, b"ftypheic", "HEIC"),
    (4, b"ftypheix", "HEIC"),
    (4, b"ftyphevc", "HEIC"),
    (4, b"ftypmif1", "HEIF"),
    (4, b"ftypavif", "AVIF"),
)
_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_ORIENTATION = 0x0112
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class PhotoInfo:
    width: int  # as the photo is seen: after its EXIF orientation
    height: int
    format: str  # "JPEG" or "PNG"
    taken_at: datetime | None  # timezone-aware
    taken_at_assumed: bool  # no offset in the EXIF: the time was taken as WIB
    lat: float | None  # WGS84 decimal degrees
    lon: float | None
    orientation: int  # EXIF orientation, 1 (upright) when absent


def _error(code: str, msgid: str, **fields: Any) -> ProgressError:
    return ProgressError(Message(code, msgid, fields), field="photo")


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}"


def _format_of(data: bytes) -> str:
    for signature, name in _SIGNATURES:
        if data.startswith(signature):
            return name
    for offset, signature, name in _OTHERS:
        if data[offset : offset + len(signature)] == signature:
            raise _error(
                "photo.format_not_allowed",
                N_("The file is a {format} image; only JPEG and PNG photos are taken. Save or export it as JPEG."),
                format=name,
            )
    raise _error("photo.not_an_image", N_("The file is not a photo: it is neither a JPEG nor a PNG image."))


_TRUNCATION = threading.Lock()


@contextmanager
def _truncated_refused():
    """WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import, which would let a cut-off upload
    pass as whole (its missing part painted grey). Switched off around our own decoding only."""
    with _TRUNCATION:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _open(data: bytes, max_bytes: int, max_pixels: int, fit: int | None) -> tuple[Image.Image, str, tuple[int, int]]:
    """The photo checked by decoding it whole, its kind and its full size (from the header). A JPEG is decoded
    at the smallest scale libjpeg offers (1/2 to 1/8) that still covers `fit` pixels a side (None: full size)."""
    image, kind = _header(data, max_bytes, max_pixels)
    size = image.size
    try:
        image.verify()  # PNG: every chunk's checksum; JPEG: little, the decoding below does the work
        image = Image.open(BytesIO(data), formats=[kind])
        if kind == "JPEG" and fit:
            image.draft(image.mode, (fit, fit))
        with _truncated_refused():
            image.load()
    except Image.DecompressionBombError:
        raise _too_many_pixels(image.size, max_pixels) from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise _damaged(kind) from error
    return image, kind, size


def _header(data: bytes, max_bytes: int, max_pixels: int) -> tuple[Image.Image, str]:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"a photo is bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise _error("photo.empty", N_("The file is empty."))
    if len(data) > max_bytes:
        raise _error(
            "photo.too_large",
            N_("The photo is {size} MB; the most a photo may be is {limit} MB."),
            size=_megabytes(len(data)),
            limit=_megabytes(max_bytes),
        )
    kind = _format_of(data)
    try:
        image = Image.open(BytesIO(data), formats=[kind])
    except Image.DecompressionBombError:
        raise _error(
            "photo.too_many_pixels",
            N_("The image declares more pixels than any photo has; it was not opened."),
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise _damaged(kind) from error
    if image.width * image.height > max_pixels:
        raise _too_many_pixels(image.size, max_pixels)
    return image, kind


def _too_many_pixels(size: tuple[int, int], max_pixels: int) -> ProgressError:
    return _error(
        "photo.too_many_pixels",
        N_("The photo is {width} x {height} pixels; the most a photo may have is {limit} megapixels."),
        width=size[0],
        height=size[1],
        limit=f"{max_pixels / 1_000_000:g}",
    )


def _damaged(kind: str) -> ProgressError:
    return _error(
        "photo.damaged",
        N_("The file starts like a {format} image but cannot be read to its end: it is damaged or incomplete."),
        format=kind,
    )


def inspect_photo(data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> PhotoInfo:
    """The photo checked by decoding it, with its size, format, EXIF time and GPS position."""
    image, kind, size = _open(data, max_bytes, max_pixels, fit=1)
    return _info(image, kind, size)


def _info(image: Image.Image, kind: str, size: tuple[int, int]) -> PhotoInfo:
    # The full size from the header: a JPEG was decoded smaller. The kind, not Pillow's format name:
    # a phone's multi-picture JPEG opens as "MPO" but is a JPEG to everyone else.
    width, height = size
    try:
        exif = image.getexif()
    except Exception:  # noqa: BLE001  (metadata is a courtesy: broken EXIF never refuses a photo)
        exif = Image.Exif()
    orientation = _safe(lambda: int(exif.get(_ORIENTATION, 1)), 1)
    if orientation not in range(1, 9):
        orientation = 1
    if orientation in (5, 6, 7, 8):  # turned a quarter: width and height swap
        width, height = height, width
    position = _safe(lambda: _position(exif.get_ifd(_GPS_IFD)), None)
    taken = _safe(lambda: _taken_at(exif.get_ifd(_EXIF_IFD)), None)
    return PhotoInfo(
        width=width,
        height=height,
        format=kind,
        taken_at=taken[0] if taken else None,
        taken_at_assumed=taken[1] if taken else False,
        lat=position[0] if position else None,
        lon=position[1] if position else None,
        orientation=orientation,
    )


def _safe(read, default):
    try:
        return read()
    except Exception:  # noqa: BLE001  (see inspect_photo)
        return default


def _ratio(value: Any) -> Fraction:
    numerator, denominator = getattr(value, "numerator", value), getattr(value, "denominator", 1)
    if isinstance(numerator, float) or isinstance(denominator, float):
        return Fraction(value).limit_denominator(10**9)
    return Fraction(int(numerator), int(denominator))  # a zero denominator raises: no position


def _degrees(parts: Any) -> Fraction:
    if isinstance(parts, tuple | list) and len(parts) == 3:
        degrees, minutes, seconds = (_ratio(p) for p in parts)
    else:
        degrees, minutes, seconds = _ratio(parts), Fraction(0), Fraction(0)
    if min(degrees, minutes, seconds) < 0 or minutes >= 60 or seconds >= 60:
        raise ValueError("degrees, minutes and seconds out of range")
    return degrees + minutes / 60 + seconds / 3600


def _reference(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value).strip("\x00 ").upper()


def _position(gps: dict) -> tuple[float, float] | None:
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat, lon = _degrees(gps[2]), _degrees(gps[4])
    lat_ref, lon_ref = _reference(gps.get(1, "N")), _reference(gps.get(3, "E"))
    if lat_ref not in ("N", "S") or lon_ref not in ("E", "W"):
        return None
    lat = -lat if lat_ref == "S" else lat
    lon = -lon if lon_ref == "W" else lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return round(float(lat), 7), round(float(lon), 7)


def _taken_at(exif_ifd: dict) -> tuple[datetime, bool] | None:
    text = exif_ifd.get(_DATETIME_ORIGINAL)
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    if not isinstance(text, str):
        return None
    taken = datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")  # blank or zero dates raise
    offset = exif_ifd.get(_OFFSET_TIME_ORIGINAL)
    if isinstance(offset, bytes):
        offset = offset.decode("ascii", "replace")
    match = _OFFSET.match(offset.strip("\x00 ")) if isinstance(offset, str) else None
    if match:
        sign = -1 if match[1] == "-" else 1
        delta = timedelta(hours=int(match[2]), minutes=int(match[3]))
        if delta <= timedelta(hours=14):
            return taken.replace(tzinfo=timezone(sign * delta)), False
    return taken.replace(tzinfo=WIB), True


def _upright_srgb(image: Image.Image) -> Image.Image:
    """Orientation applied to the pixels, colours in sRGB, and no metadata left on the image."""
    icc = image.info.get("icc_profile")
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001  (a broken orientation tag: keep the pixels as stored)
        image = image.copy()
    if image.mode == "CMYK" and not icc:
        image = image.convert("RGB")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(BytesIO(icc))
            target = ImageCms.createProfile("sRGB")
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(image, source, target, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            if image.mode == "CMYK":
                image = image.convert("RGB")
    keep = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    image.info.clear()
    image.info.update(keep)
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB (or L) for JPEG: transparency laid on white."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "P" or image.mode == "LA" or "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _shrunk(image: Image.Image, side: int) -> Image.Image:
    """At most `side` pixels on its longer side; shrunk before anything else is done to its pixels."""
    if max(image.size) <= side:
        return image
    if image.mode in ("1", "P"):  # Pillow resizes these by the nearest pixel: a drawing's lines would break up
        image = image.convert("RGBA" if image.mode == "P" else "L")
    image.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    return image


def _check_side(size: Any, name: str = "size") -> None:
    if isinstance(size, bool) or not isinstance(size, int) or not 16 <= size <= 4096:
        raise ValueError(f"{name} must be from 16 to 4096 pixels, not {size!r}")


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def thumbnail(
    data: bytes, size: int = THUMBNAIL_SIDE, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> bytes:
    """A JPEG at most `size` pixels on its longer side, upright, without any metadata."""
    _check_side(size)
    image, _kind, _size = _open(data, max_bytes, max_pixels, fit=size)  # a damaged file is refused
    return _jpeg(_flatten(_upright_srgb(_shrunk(image, size))), 82)


def public_copy(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS, max_side: int | None = None
) -> bytes:
    """The photo for the public: same format, upright, sRGB, every metadata block removed.

    `max_side` also scales it down to at most that many pixels on its longer side.
    """
    image, kind, _size = _open(data, max_bytes, max_pixels, fit=max_side)
    image = _upright_srgb(_shrunk(image, max_side) if max_side else image)
    if kind == "JPEG":
        return _jpeg(_flatten(image), 90)
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class PreparedPhoto:
    info: PhotoInfo
    public: bytes  # a JPEG, upright, sRGB, no metadata, at most `public_side` pixels a side
    thumbnail: bytes  # a JPEG, the same, at most `thumbnail_side`


def prepare_photo(
    data: bytes, *, public_side: int, thumbnail_side: int = THUMBNAIL_SIDE, max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
) -> PreparedPhoto:
    """`inspect_photo`, a public copy as a JPEG and a thumbnail, from one decoding: the public copy is made from
    it, shrunk first, and the thumbnail from the public copy."""
    _check_side(public_side, "public_side")
    _check_side(thumbnail_side, "thumbnail_side")
    image, kind, size = _open(data, max_bytes, max_pixels, fit=public_side)
    info = _info(image, kind, size)
    flat = _flatten(_upright_srgb(_shrunk(image, public_side)))
    if flat.mode != "RGB":  # a grey picture too: an RGB JPEG, as the public pages and the PDF reports take
        flat = flat.convert("RGB")
    public = _jpeg(flat, 90)
    small = _shrunk(flat.copy(), thumbnail_side)
    return PreparedPhoto(info, public, _jpeg(small, 82))
