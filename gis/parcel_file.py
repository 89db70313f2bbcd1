"""Read a planner's parcel file safely: GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ or CSV with WKT.

Everything comes out in EPSG:4326 as 2D MultiPolygons. What is wrong with the whole file raises
`ParcelFileError`; what is wrong with one feature goes into that feature's `problems` (it must not
be stored), what the user should know goes into `notes`. All texts are `Message`s.

Safety: the size is checked before anything is read; zip member names are checked before anything
is extracted, only the needed members are extracted (into a private temporary folder, by our own
names, counting the bytes actually written); XML is parsed with defusedxml first, refusing any
DOCTYPE/entity (XXE) and KML NetworkLinks, so GDAL never sees such a file; JSON is parsed by Python
first so a syntax error is reported with its line and column.

Pure library: nothing here imports `app`.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import defusedxml.ElementTree as SafeET
import numpy as np
import pyogrio
import shapely
from defusedxml import DefusedXmlException
from pyogrio import raw as ogr_raw
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from gis.measure import area_m2
from kernel.errors import UserError
from kernel.messages import N_, Message

MB = 1024 * 1024

# Indonesia's bounding box (lon/lat) and the same box with the axes swapped (lat first).
INDONESIA_BBOX = (94.0, -12.0, 142.0, 7.0)
SWAPPED_BBOX = (-11.0, 95.0, 6.0, 141.0)

WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "wkt_geom")
GEO_EXTENSIONS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".kml": "kml"}
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")

# A member smaller than this cannot be a zip bomb, however well it compresses: a .dbf of blank
# padded text fields easily compresses 100 times and must not be refused for it.
RATIO_CHECK_MIN_BYTES = 1 * MB
_CHUNK = 1 * MB
_HEAD = 64 * 1024

# Fields LIBKML adds to every KML layer; dropped when they carry nothing.
_LIBKML_BOOKKEEPING = ("id", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
                       "visibility", "drawOrder", "icon", "snippet")

_POLYGON, _MULTIPOLYGON, _COLLECTION = 3, 6, 7
_GEOM_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 3: "Polygon", 4: "MultiPoint",
                    5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


@dataclass(frozen=True)
class ReadLimits:
    max_bytes: int = 50 * MB  # the file as uploaded
    max_unzipped_bytes: int = 200 * MB  # sum of the members of a zip
    max_zip_ratio: int = 100  # per member, uncompressed/compressed (zip bomb)
    max_features: int = 200_000


class ParcelFileError(UserError):
    """The whole file is refused; nothing of it should be stored."""

    def __init__(self, message: Message):
        super().__init__(message)


@dataclass
class ParcelFeature:
    index: int  # 1-based position in the layer (for a CSV: the data row, header excluded)
    label: str  # how messages name it: str(index)
    geometry: MultiPolygon | None  # EPSG:4326, 2D; None when there is no usable polygon
    attributes: dict[str, Any]  # plain JSON-able values
    problems: list[Message] = field(default_factory=list)  # any problem: the feature is refused
    notes: list[Message] = field(default_factory=list)  # informative
    area_before_repair_m2: float | None = None
    repaired: bool = False


@dataclass
class ParcelFile:
    format: str  # "GeoJSON" | "GPKG" | "ESRI Shapefile" | "KML" | "CSV"
    layers: list[str]
    layer: str | None
    crs: str  # "EPSG:32748", the CRS name when it has no EPSG code, or "none"
    crs_name: str
    columns: list[str]
    features: list[ParcelFeature]
    warnings: list[Message] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# entry point


def read_parcel_file(
    path: str | os.PathLike,
    *,
    filename: str | None = None,
    layer: str | None = None,
    repair: bool = False,
    limits: ReadLimits = ReadLimits(),  # frozen, so a shared default is safe
    assume_crs: str | None = None,
) -> ParcelFile:
    """Read a parcel file; raise ParcelFileError when the whole file is refused.

    `filename` is the user's name for the file (uploads are stored under a random one): its
    extension helps detect the format and its stem names single-layer files. `assume_crs` (e.g.
    "EPSG:32748") is used only when the file itself has no coordinate system.
    """
    path = Path(path)
    display = PurePosixPath((filename or path.name).replace("\\", "/")).name
    ext = PurePosixPath(display).suffix.lower()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise _too_large(size, limits)
    if size == 0:
        raise _empty()
    with open(path, "rb") as fh:
        head = fh.read(_HEAD)
    kind = _sniff(path, head, ext)

    with tempfile.TemporaryDirectory(prefix="parcels-") as tmp:
        tmpdir = Path(tmp)
        if kind == "zip":
            return _read_zip(path, tmpdir, layer, repair, limits, assume_crs)
        return _read_plain(path, tmpdir, kind, ext, display, layer, repair, limits, assume_crs)


def _read_plain(path: Path, tmpdir: Path, kind: str, ext: str, display: str, layer: str | None,
                repair: bool, limits: ReadLimits, assume_crs: str | None) -> ParcelFile:
    stem = PurePosixPath(display).stem or "parcels"
    if kind == "csv":
        return _read_csv(path, ext, stem, layer, repair, limits, assume_crs)
    if kind == "geojson":
        has_crs = _check_geojson(path)
        return _read_ogr(_with_suffix(path, tmpdir, ".geojson"), "GeoJSON", [stem], layer, repair, limits,
                         assume_crs, single_layer=True, implicit_wgs84=not has_crs)
    if kind == "kml":
        _check_kml(path)
        return _read_ogr(_with_suffix(path, tmpdir, ".kml"), "KML", None, layer, repair, limits, assume_crs)
    return _read_ogr(_with_suffix(path, tmpdir, ".gpkg"), "GPKG", None, layer, repair, limits, assume_crs)


# --------------------------------------------------------------------------------------------
# format detection


def _sniff(path: Path, head: bytes, ext: str) -> str:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"\x00\x00\x27\x0a") or ext in (".shp", ".shx", ".dbf", ".prj"):
        raise ParcelFileError(Message("shapefile_not_zipped", N_(
            "A shapefile is several files: zip the .shp, .shx, .dbf and .prj files together and upload the zip.")))
    text = _first_non_blank(path, head)
    if text is None:
        raise _empty()
    if text in (b"{", b"["):
        return "geojson"
    if text == b"<":
        return "kml"
    if b"\x00" in head:
        raise _not_geo()
    return "csv"


def _first_non_blank(path: Path, head: bytes) -> bytes | None:
    """The first byte that is not a UTF-8 BOM or whitespace, reading on past the head if needed."""
    blank = b" \t\r\n\x0b\x0c"
    chunk = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    offset = len(head)
    with open(path, "rb") as fh:
        while True:
            stripped = chunk.lstrip(blank)
            if stripped:
                return stripped[:1]
            fh.seek(offset)
            chunk = fh.read(_CHUNK)
            if not chunk:
                return None
            offset += len(chunk)


def _with_suffix(path: Path, tmpdir: Path, suffix: str) -> Path:
    """GDAL picks drivers partly by extension: give it a private copy named as the format."""
    if path.suffix.lower() == suffix:
        return path
    target = tmpdir / f"upload{suffix}"
    shutil.copyfile(path, target)
    return target


# --------------------------------------------------------------------------------------------
# zip (shapefile, or one GeoJSON/GeoPackage/KML inside, as a KMZ is)


def _unsafe_member_name(name: str) -> bool:
    return (
        "\\" in name
        or name.startswith("/")
        or re.match(r"^[A-Za-z]:", name) is not None
        or any(part == ".." for part in name.split("/"))
    )


def _junk_member(name: str) -> bool:
    parts = name.split("/")
    return parts[0] == "__MACOSX" or parts[-1].startswith("._") or parts[-1] in (".DS_Store", "Thumbs.db")


def _read_zip(path: Path, tmpdir: Path, layer: str | None, repair: bool, limits: ReadLimits,
              assume_crs: str | None) -> ParcelFile:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _zip_bad() from None
    with zf:
        infos = zf.infolist()
        for info in infos:  # every name, before anything is extracted
            if _unsafe_member_name(info.filename):
                raise ParcelFileError(Message("zip_unsafe_name", N_(
                    "The zip file contains an unsafe name ({name}). Make the zip again from the files themselves."),
                    {"name": info.filename[:200]}))
        if sum(i.file_size for i in infos) > limits.max_unzipped_bytes:
            raise _zip_too_large(limits)
        for info in infos:
            if info.file_size >= RATIO_CHECK_MIN_BYTES and info.file_size > limits.max_zip_ratio * max(
                    info.compress_size, 1):
                raise _zip_bomb(info.filename, limits)
        files = [i for i in infos if not i.is_dir() and not _junk_member(i.filename)]
        for info in files:
            if info.flag_bits & 0x1:
                raise ParcelFileError(Message("zip_encrypted", N_(
                    "The zip file is password-protected. Make it again without a password.")))

        shps = [i for i in files if i.filename.lower().endswith(".shp")]
        if shps:
            return _read_zipped_shapefile(zf, shps, files, tmpdir, layer, repair, limits, assume_crs)

        inner = [i for i in files if PurePosixPath(i.filename).suffix.lower() in GEO_EXTENSIONS]
        if len(inner) == 1:
            info = inner[0]
            suffix = PurePosixPath(info.filename).suffix.lower()
            target = tmpdir / f"inner{suffix}"
            _extract(zf, info, target, limits, [0])
            if target.stat().st_size > limits.max_bytes:
                raise _too_large(target.stat().st_size, limits)
            kind = GEO_EXTENSIONS[suffix]
            if target.stat().st_size == 0:
                raise _empty()
            with open(target, "rb") as fh:
                if kind == "gpkg" and not fh.read(16).startswith(b"SQLite format 3\x00"):
                    raise _not_geo()
            return _read_plain(target, tmpdir, kind, suffix, PurePosixPath(info.filename).name, layer, repair,
                               limits, assume_crs)
        names = [i.filename for i in files]
        if not names:
            raise _empty()
        if len(inner) > 1:
            raise ParcelFileError(Message("zip_several_files", N_(
                "The zip file holds several map files ({members}). Upload one of them on its own."),
                {"members": _list_names([i.filename for i in inner])}))
        raise ParcelFileError(Message("zip_no_shapefile", N_(
            "The zip file has no .shp file (it holds {members}). Zip the .shp, .shx, .dbf and .prj files together."),
            {"members": _list_names(names)}))


def _read_zipped_shapefile(zf: zipfile.ZipFile, shps: list[zipfile.ZipInfo], files: list[zipfile.ZipInfo],
                           tmpdir: Path, layer: str | None, repair: bool, limits: ReadLimits,
                           assume_crs: str | None) -> ParcelFile:
    by_base = {i.filename.lower(): i for i in files}
    bases = [i.filename[:-4] for i in shps]
    stems = [PurePosixPath(b).name for b in bases]
    names = stems if len(set(stems)) == len(stems) else bases
    if layer is not None:
        if layer not in names:
            raise _layer_not_found(layer, names)
        chosen = names.index(layer)
    else:
        chosen = next((k for k, info in enumerate(shps) if _zipped_shp_is_polygonal(zf, info)), 0)
    base = bases[chosen]
    missing = [ext for ext in (".shx", ".dbf") if (base + ext).lower() not in by_base]
    if missing:
        raise ParcelFileError(Message("shapefile_incomplete", N_(
            "The shapefile {layer} is missing its {missing} file. Zip the .shp, .shx, .dbf and .prj files together."),
            {"layer": names[chosen], "missing": " and ".join(missing)}))
    written = [0]
    for ext in SHAPEFILE_PARTS:
        info = by_base.get((base + ext).lower())
        if info is not None:
            _extract(zf, info, tmpdir / f"layer{ext}", limits, written)
    shp = tmpdir / "layer.shp"
    prj_crs = _prj_crs(tmpdir / "layer.prj")
    return _read_ogr(shp, "ESRI Shapefile", names, names[chosen], repair, limits, assume_crs,
                     single_layer=True, crs_override=prj_crs)


def _zipped_shp_is_polygonal(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """The shape type in the .shp header (byte 32): 5 Polygon, 15 PolygonZ, 25 PolygonM."""
    try:
        with zf.open(info) as fh:
            header = fh.read(100)
    except (zipfile.BadZipFile, OSError, NotImplementedError, zlib.error, RuntimeError):
        return False
    return len(header) >= 36 and int.from_bytes(header[32:36], "little") in (5, 15, 25)


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: ReadLimits, total: list[int]) -> None:
    """Copy one member, counting the bytes actually produced rather than trusting the header."""
    written = 0
    try:
        with zf.open(info) as src, open(target, "xb") as dst:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                total[0] += len(chunk)
                if total[0] > limits.max_unzipped_bytes:
                    raise _zip_too_large(limits)
                ratio_exceeded = written > limits.max_zip_ratio * max(info.compress_size, 1)
                if written > info.file_size or (written >= RATIO_CHECK_MIN_BYTES and ratio_exceeded):
                    raise _zip_bomb(info.filename, limits)
                dst.write(chunk)
    except (zipfile.BadZipFile, OSError, NotImplementedError, zlib.error, EOFError, RuntimeError):
        raise _zip_bad() from None


def _prj_crs(prj: Path) -> CRS | None:
    """The .prj's CRS; None without a (non-empty) .prj; refuse the file when it is not understood.

    GDAL quietly drops a .prj it does not understand, so the file would look as if it had none.
    """
    if not prj.exists():
        return None
    text = prj.read_bytes()[:65536].decode("latin-1").strip()
    if not text:
        return None
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise _unknown_crs(text) from None


# --------------------------------------------------------------------------------------------
# checks done in Python before GDAL sees the file


def _check_geojson(path: Path) -> bool:
    """Refuse what GDAL would misread or report badly; True when the file has a "crs" member."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(exc.start) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParcelFileError(Message("geojson_syntax", N_(
            "The GeoJSON is not valid JSON at line {line}, column {column} ({reason}). Fix it or export it again."),
            {"line": exc.lineno, "column": exc.colno, "reason": exc.msg})) from None
    except RecursionError:
        raise _not_geo() from None
    del text, data
    geojson_types = {"FeatureCollection", "Feature", "Point", "MultiPoint", "LineString", "MultiLineString",
                     "Polygon", "MultiPolygon", "GeometryCollection"}
    if not isinstance(doc, dict) or doc.get("type") not in geojson_types:
        raise ParcelFileError(Message("not_geojson", N_(
            "The JSON file is not GeoJSON (it has no FeatureCollection, Feature or geometry). Export it as GeoJSON.")))
    if doc.get("crs") is not None:  # GDAL quietly takes an unknown "crs" member as WGS 84
        crs = doc["crs"]
        props = crs.get("properties") if isinstance(crs, dict) else None
        props = props if isinstance(props, dict) else {}
        if isinstance(crs, dict) and crs.get("type") == "name" and isinstance(props.get("name"), str):
            name = props["name"]
        elif isinstance(crs, dict) and str(crs.get("type", "")).upper() == "EPSG" and "code" in props:
            name = f"EPSG:{props['code']}"
        else:
            name = json.dumps(crs)[:200]
        try:
            CRS.from_user_input(name)
        except CRSError:
            raise _unknown_crs(name) from None
        return True
    return False


def _check_kml(path: Path) -> None:
    root = None
    try:
        for event, elem in SafeET.iterparse(str(path), events=("start", "end"), forbid_dtd=True,
                                            forbid_entities=True, forbid_external=True):
            local = elem.tag.rsplit("}", 1)[-1] if isinstance(elem.tag, str) else ""
            if event == "start":
                if root is None:
                    root = local
                    if root != "kml":
                        raise _not_geo()
                if local == "NetworkLink":
                    raise ParcelFileError(Message("kml_network_link", N_(
                        "The KML refers to other files over the network (NetworkLink). "
                        "Export the parcels themselves as KML.")))
            else:
                elem.clear()
    except DefusedXmlException:
        raise ParcelFileError(Message("xml_dtd", N_(
            "The KML contains a DOCTYPE or entity declaration, which is refused for safety. "
            "Export it again from Google Earth or QGIS."))) from None
    except SafeET.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise ParcelFileError(Message("xml_syntax", N_(
            "The KML is not valid XML at line {line}, column {column}. Export it again."),
            {"line": line, "column": column + 1})) from None
    if root is None:
        raise _not_geo()


# --------------------------------------------------------------------------------------------
# reading through GDAL


def _read_ogr(src: Path, fmt: str, layers: list[str] | None, layer: str | None, repair: bool,
              limits: ReadLimits, assume_crs: str | None, *, single_layer: bool = False,
              crs_override: CRS | None = None, implicit_wgs84: bool = False) -> ParcelFile:
    """Read one layer through GDAL. `implicit_wgs84`: GeoJSON without a "crs" member, WGS 84 by the
    spec (GDAL says EPSG:4326) unless its numbers cannot be longitude/latitude."""
    try:
        listed = pyogrio.list_layers(src)
    except Exception:  # pyogrio raises several kinds for a file GDAL cannot open
        raise _not_geo() from None
    if len(listed) == 0:
        raise _not_geo()
    gdal_layer: str | None
    if single_layer:
        assert layers is not None
        shown = layer if layer is not None else layers[0]
        if shown not in layers:
            raise _layer_not_found(shown, layers)
        gdal_layer = None
    else:
        layers = [str(name) for name, _ in listed]
        if layer is not None:
            if layer not in layers:
                raise _layer_not_found(layer, layers)
            gdal_layer = layer
        else:
            gdal_layer = _first_polygon_layer(src, listed)
        shown = gdal_layer

    try:
        meta, _fids, wkb, field_data = ogr_raw.read(src, layer=gdal_layer, datetime_as_string=True,
                                                    max_features=limits.max_features + 1)
    except Exception as exc:  # GDAL's own message, whatever its kind
        raise ParcelFileError(Message("file_unreadable", N_(
            "The file could not be read ({reason}). Check that it opens in QGIS and save it again."),
            {"reason": str(exc)[:200]})) from None
    if len(wkb) == 0:
        raise _no_features(shown)
    if len(wkb) > limits.max_features:
        raise _too_many(limits)

    columns, rows = _attribute_rows(meta, field_data, len(wkb), libkml=fmt == "KML")
    src_crs: CRS | None = crs_override
    if src_crs is None and meta.get("crs") and not implicit_wgs84:
        try:
            src_crs = CRS.from_user_input(meta["crs"])
        except CRSError:
            raise _unknown_crs(str(meta["crs"])) from None

    problems: list[list[Message]] = [[] for _ in range(len(wkb))]
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    for k in np.flatnonzero(shapely.is_missing(geoms) & np.array([w is not None for w in wkb], dtype=bool)):
        problems[k].append(Message("unreadable_geometry", N_(
            "Feature {feature}: the shape could not be read. Save it again as simple polygons."),
            {"feature": str(k + 1)}))
    return _finish(fmt, layers, shown, columns, rows, geoms, problems, src_crs, repair, assume_crs,
                   implicit_wgs84=implicit_wgs84)


def _first_polygon_layer(src: Path, listed: np.ndarray) -> str:
    """The first layer declared polygonal; else the first undeclared one that holds a polygon."""
    for name, gtype in listed:
        if gtype and str(gtype).split(" ")[0] in ("Polygon", "MultiPolygon", "CurvePolygon", "MultiSurface"):
            return str(name)
    for name, gtype in listed:
        if gtype is None or str(gtype).split(" ")[0] not in ("Unknown", "Geometry", "GeometryCollection"):
            continue
        try:
            _m, _f, wkb, _d = ogr_raw.read(src, layer=str(name), columns=[], max_features=10_000)
        except Exception:  # noqa: S112 (a layer GDAL cannot read is not a candidate)
            continue
        types = shapely.get_type_id(shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore"))
        if np.isin(types, (_POLYGON, _MULTIPOLYGON, _COLLECTION)).any():
            return str(name)
    return str(listed[0][0])


def _attribute_rows(meta: dict, field_data: list, n: int, *, libkml: bool) -> tuple[list[str], list[dict[str, Any]]]:
    names = [str(f) for f in meta["fields"]]
    ogr_types = list(meta.get("ogr_types") or [""] * len(names))
    columns: list[str] = []
    values: list[list[Any]] = []
    for name, ogr_type, arr in zip(names, ogr_types, field_data, strict=False):
        if ogr_type == "OFTBinary":
            continue  # bytes are not attributes a person can map
        col = _plain_values(np.asarray(arr))
        if col is None:
            continue
        if libkml and name in _LIBKML_BOOKKEEPING and all(v in (None, "", -1, 0) for v in col):
            continue
        columns.append(name)
        values.append(col)
    if not columns:
        return [], [{} for _ in range(n)]
    return columns, [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _plain_values(arr: np.ndarray) -> list[Any] | None:
    kind = arr.dtype.kind
    if kind == "f":
        return [v if math.isfinite(v) else None for v in arr.tolist()]
    if kind in "iub":
        return arr.tolist()
    if kind == "M":
        strings = np.datetime_as_string(arr)
        return [None if np.isnat(v) else s for v, s in zip(arr, strings.tolist(), strict=True)]
    if kind in "US":
        return [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in arr.tolist()]
    out = []
    for v in arr.tolist():
        if isinstance(v, (bytes, bytearray, memoryview)):
            return None
        out.append(_plain(v))
    return out


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, np.generic):
        return _plain(v.item())
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    return str(v)


# --------------------------------------------------------------------------------------------
# CSV with a WKT column


def _read_csv(path: Path, ext: str, stem: str, layer: str | None, repair: bool, limits: ReadLimits,
              assume_crs: str | None) -> ParcelFile:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if ext in (".csv", ".txt", ".tsv"):
            raise _not_utf8(exc.start) from None
        raise _not_geo() from None
    del data
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    if csv.field_size_limit() < limits.max_bytes:  # a big polygon's WKT is longer than csv's 128 KB default
        csv.field_size_limit(limits.max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader, [])]
        wkt_at = next((k for k, h in enumerate(header) if h.lower() in WKT_COLUMNS), None)
        if wkt_at is None:
            if ext in (".csv", ".txt", ".tsv"):
                raise ParcelFileError(Message("csv_no_wkt", N_(
                    "The CSV has no WKT column (its columns are: {columns}). "
                    "Put the shapes in a column named WKT."), {"columns": _list_names(header) or "none"}))
            raise _not_geo()
        if layer is not None and layer != stem:
            raise _layer_not_found(layer, [stem])
        columns = [h for k, h in enumerate(header) if k != wkt_at]
        keep = [k for k in range(len(header)) if k != wkt_at]
        wkts: list[str | None] = []
        rows: list[dict[str, Any]] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(wkts) >= limits.max_features:
                raise _too_many(limits)
            cell = row[wkt_at].strip() if wkt_at < len(row) else ""
            wkts.append(cell or None)
            rows.append({header[k]: (row[k] if k < len(row) and row[k] != "" else None) for k in keep})
    except csv.Error as exc:
        raise ParcelFileError(Message("csv_syntax", N_(
            "The CSV could not be read at line {line} ({reason}). Export it again as CSV."),
            {"line": reader.line_num, "reason": str(exc)[:200]})) from None
    del text
    if not wkts:
        raise _no_features(stem)

    geoms = shapely.from_wkt(np.asarray(wkts, dtype=object), on_invalid="ignore")
    problems: list[list[Message]] = [[] for _ in wkts]
    for k in np.flatnonzero(shapely.is_missing(geoms)):
        if wkts[k] is None:
            continue
        try:
            shapely.from_wkt(wkts[k])
            reason = "?"
        except shapely.errors.GEOSException as exc:
            reason = str(exc).removeprefix("ParseException: ")[:120]
        problems[k].append(Message("bad_wkt", N_("Feature {feature}: the WKT could not be read ({reason})."),
                                   {"feature": str(k + 1), "reason": reason}))
    return _finish("CSV", [stem], stem, columns, rows, geoms, problems, None, repair, assume_crs)


# --------------------------------------------------------------------------------------------
# geometry: CRS, types, Z, reprojection, validity, repair, plausibility


def _finish(fmt: str, layers: list[str], layer: str | None, columns: list[str], rows: list[dict[str, Any]],
            geoms: np.ndarray, problems: list[list[Message]], src_crs: CRS | None, repair: bool,
            assume_crs: str | None, *, implicit_wgs84: bool = False) -> ParcelFile:
    warnings: list[Message] = []
    if src_crs is None and implicit_wgs84 and _lonlat_like(geoms) is None:
        src_crs = CRS.from_epsg(4326)
    if src_crs is not None and _is_legacy_google_mercator(src_crs):
        crs_label, crs_name = "EPSG:3857", f"{src_crs.name} (read as WGS 84 / Pseudo-Mercator)"
        src_crs = CRS.from_epsg(3857)
    elif src_crs is not None:
        crs_label, crs_name = _crs_label(src_crs), src_crs.name
    elif assume_crs:
        try:
            src_crs = CRS.from_user_input(assume_crs)
        except CRSError:
            raise _unknown_crs(assume_crs) from None
        crs_label, crs_name = "none", f"none (taken as {src_crs.name})"
        warnings.append(Message("crs_assumed", N_(
            "The file has no coordinate system; the coordinates were taken as {crs}, as chosen."),
            {"crs": src_crs.name}))
    else:
        example = _lonlat_like(geoms)
        if example is not None:
            raise ParcelFileError(Message("crs_missing", N_(
                "The coordinates look projected (for example {x}, {y}) but the file does not say its coordinate "
                "system. Choose the coordinate system, or for a shapefile include its .prj file."),
                {"x": _num(example[0]), "y": _num(example[1])}))
        crs_label, crs_name = "none", "none (taken as WGS 84)"
        warnings.append(Message("no_crs", N_(
            "The file has no coordinate system; the coordinates were taken as WGS 84 longitude and latitude.")))

    transformer = None
    if src_crs is not None and not src_crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        transformer = Transformer.from_crs(src_crs, 4326, always_xy=True)

    features = _process(geoms, problems, transformer, repair)
    for feat, attrs in zip(features, rows, strict=True):
        feat.attributes = attrs
    return ParcelFile(format=fmt, layers=list(layers), layer=layer, crs=crs_label, crs_name=crs_name,
                      columns=columns, features=features, warnings=warnings)


def _is_legacy_google_mercator(crs: CRS) -> bool:
    """Old ESRI/GDAL exports describe Web Mercator as "Google_Maps_Global_Mercator": Mercator on the
    WGS 84 ellipsoid. The data in such files were projected on the sphere (EPSG:3857), and PROJ,
    taking the WKT at its word, puts them ~4.6 km too far north-south at Jakarta's latitude."""
    name = crs.name.lower().replace(" ", "_")
    op = crs.coordinate_operation
    return bool(crs.is_projected and "google" in name and "mercator" in name and op is not None
                and "mercator" in op.method_name.lower())


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    if epsg:
        return f"EPSG:{epsg}"
    if crs.equals(CRS.from_user_input("OGC:CRS84")):
        return "OGC:CRS84"
    return crs.name


def _lonlat_like(geoms: np.ndarray) -> tuple[float, float] | None:
    """None when every shape is in longitude/latitude (or swapped latitude/longitude, which is then
    reported per feature); else the first coordinate of the first shape that is not."""
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return None
    b = shapely.bounds(geoms[present])
    lonlat = (b[:, 0] >= -180) & (b[:, 2] <= 180) & (b[:, 1] >= -90) & (b[:, 3] <= 90)
    bad = ~(lonlat | _swapped(b))
    if not bad.any():
        return None
    x, y = shapely.get_coordinates(geoms[present][np.argmax(bad)])[0]
    return float(x), float(y)


def _swapped(b: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = SWAPPED_BBOX
    return (b[:, 0] >= x0) & (b[:, 2] <= x1) & (b[:, 1] >= y0) & (b[:, 3] <= y1)


def _process(geoms: np.ndarray, problems: list[list[Message]], transformer: Transformer | None,
             repair: bool) -> list[ParcelFeature]:
    n = len(geoms)
    labels = [str(k + 1) for k in range(n)]
    notes: list[list[Message]] = [[] for _ in range(n)]
    out: list[MultiPolygon | None] = [None] * n
    before: list[float | None] = [None] * n
    repaired = [False] * n

    types = shapely.get_type_id(geoms)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    for k in np.flatnonzero(missing):
        if not problems[k]:
            problems[k].append(Message("empty_geometry", N_(
                "Feature {feature} has no shape. Draw the parcel or leave the feature out."),
                {"feature": labels[k]}))
    geoms = geoms.copy()
    for k in np.flatnonzero(~missing & (types == _COLLECTION)):
        parts = shapely.get_parts(geoms[k])
        while (shapely.get_type_id(parts) == _COLLECTION).any():
            parts = shapely.get_parts(parts)
        part_types = shapely.get_type_id(parts)
        if np.isin(part_types, (_POLYGON, _MULTIPOLYGON)).all():
            geoms[k] = shapely.multipolygons(shapely.get_parts(parts))
            types[k] = _MULTIPOLYGON
        else:
            odd = sorted({_GEOM_TYPE_NAMES.get(int(t), "?") for t in part_types} - {"Polygon", "MultiPolygon"})
            problems[k].append(_not_polygon(labels[k], "GeometryCollection (" + ", ".join(odd) + ")"))
    for k in np.flatnonzero(~missing & ~np.isin(types, (_POLYGON, _MULTIPOLYGON, _COLLECTION))):
        problems[k].append(_not_polygon(labels[k], _GEOM_TYPE_NAMES.get(int(types[k]), "?")))

    idx = np.flatnonzero(~missing & np.isin(types, (_POLYGON, _MULTIPOLYGON)))
    arr = geoms[idx]

    # Heights: dropped; a note only when some height was not zero (KML always writes ",0").
    has_z = shapely.has_z(arr)
    if has_z.any():
        coords, which = shapely.get_coordinates(arr[has_z], include_z=True, return_index=True)
        real = np.isfinite(coords[:, 2]) & (coords[:, 2] != 0)
        for j in np.unique(which[real]):
            k = idx[np.flatnonzero(has_z)[j]]
            notes[k].append(Message("z_dropped", N_("Feature {feature}: heights (Z) dropped; parcels are 2D."),
                                    {"feature": labels[k]}))
    arr = shapely.force_2d(arr)

    if transformer is not None and len(arr):
        def project(xy: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        arr = shapely.transform(arr, project)
        coords, which = shapely.get_coordinates(arr, return_index=True)
        broken = np.zeros(len(arr), dtype=bool)
        broken[np.unique(which[~np.isfinite(coords).all(axis=1)])] = True
        for j in np.flatnonzero(broken):
            problems[idx[j]].append(Message("bad_coordinates", N_(
                "Feature {feature}: the coordinates could not be converted to longitude and latitude. "
                "Check the coordinate system."), {"feature": labels[idx[j]]}))
        arr, idx = arr[~broken], idx[~broken]

    # Plausibility: longitude/latitude at all, not swapped.
    b = shapely.bounds(arr) if len(arr) else np.empty((0, 4))
    swapped = _swapped(b)
    lonlat = (b[:, 0] >= -180) & (b[:, 2] <= 180) & (b[:, 1] >= -90) & (b[:, 3] <= 90)
    for j in np.flatnonzero(swapped | ~lonlat):
        k = idx[j]
        if swapped[j]:
            problems[k].append(Message("swapped", N_(
                "Feature {feature}: the coordinates look swapped (latitude, longitude); check the column order."),
                {"feature": labels[k]}))
        else:
            x, y = shapely.get_coordinates(arr[j])[0]
            problems[k].append(Message("out_of_range", N_(
                "Feature {feature}: the coordinates ({x}, {y}) are not longitude and latitude. "
                "Check the coordinate system."), {"feature": labels[k], "x": _num(x), "y": _num(y)}))
    usable = lonlat & ~swapped
    arr, idx, b = arr[usable], idx[usable], b[usable]

    # Polygons become MultiPolygons.
    single = shapely.get_type_id(arr) == _POLYGON
    if single.any():
        arr[single] = shapely.multipolygons(arr[single], indices=np.arange(int(single.sum())))

    # Validity, after reprojection.
    valid = shapely.is_valid(arr)
    if (~valid).any():
        reasons = shapely.is_valid_reason(arr[~valid])
        for j, text in zip(np.flatnonzero(~valid), reasons, strict=True):
            k = idx[j]
            reason, location = _split_reason(str(text))
            if not repair:
                problems[k].append(_invalid(labels[k], reason, location))
                out[k] = arr[j]
                continue
            fixed = _polygonal(shapely.make_valid(arr[j], method="structure", keep_collapsed=False))
            if fixed is None:
                problems[k].append(Message("repair_failed", N_(
                    "Feature {feature}: the shape is invalid ({reason}) and nothing is left of it after repair. "
                    "Draw it again."), {"feature": labels[k], "reason": reason}))
                continue
            before[k] = area_m2(arr[j])
            repaired[k] = True
            out[k] = fixed
            notes[k].append(Message("repaired", N_(
                "Feature {feature} repaired: {reason}; area {before} m² → {after} m²."),
                {"feature": labels[k], "reason": reason, "before": round(before[k], 1),
                 "after": round(area_m2(fixed), 1)}))
    for j in np.flatnonzero(valid):
        out[idx[j]] = arr[j]

    # Outside Indonesia: a note, naming the centre.
    x0, y0, x1, y1 = INDONESIA_BBOX
    outside = (b[:, 0] < x0) | (b[:, 2] > x1) | (b[:, 1] < y0) | (b[:, 3] > y1)
    for j in np.flatnonzero(outside):
        k = idx[j]
        c = shapely.centroid(out[k] if out[k] is not None else arr[j])
        notes[k].append(Message("outside_indonesia", N_("Feature {feature} lies outside Indonesia ({lon}, {lat})."),
                                {"feature": labels[k], "lon": f"{c.x:.7f}", "lat": f"{c.y:.7f}"}))

    return [
        ParcelFeature(index=k + 1, label=labels[k], geometry=out[k], attributes={}, problems=problems[k],
                      notes=notes[k], area_before_repair_m2=before[k], repaired=repaired[k])
        for k in range(n)
    ]


_REASON = re.compile(r"^(?P<reason>.*?)\s*\[(?P<x>[^\s\]]+)\s+(?P<y>[^\s\]]+)\]\s*$")


def _split_reason(text: str) -> tuple[str, str | None]:
    """'Self-intersection[106.8 -6.1]' -> ('Self-intersection', '106.8000000, -6.1000000')."""
    m = _REASON.match(text)
    if not m:
        return text, None
    try:
        x, y = float(m["x"]), float(m["y"])
    except ValueError:
        return m["reason"], None
    if not (math.isfinite(x) and math.isfinite(y)):
        return m["reason"], None
    return m["reason"], f"{x:.7f}, {y:.7f}"


def _polygonal(geom: BaseGeometry) -> MultiPolygon | None:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return MultiPolygon(polys) if polys else None


# --------------------------------------------------------------------------------------------
# messages used in several places


def _invalid(label: str, reason: str, location: str | None) -> Message:
    if location is None:
        return Message("invalid", N_(
            "Feature {feature}: the shape is invalid ({reason}). Fix it in QGIS or import it with repair."),
            {"feature": label, "reason": reason})
    return Message("invalid", N_(
        "Feature {feature}: the shape is invalid ({reason}) near {location}. Fix it in QGIS or import it with repair."),
        {"feature": label, "reason": reason, "location": location})


def _not_polygon(label: str, type_name: str) -> Message:
    return Message("not_polygon", N_("Feature {feature} is a {type}, not a polygon. Parcels must be polygons."),
                   {"feature": label, "type": type_name})


def _too_large(size: int, limits: ReadLimits) -> ParcelFileError:
    return ParcelFileError(Message("file_too_large", N_(
        "The file is {size} MB; the limit is {limit} MB. Split it or leave out what is not needed."),
        {"size": _mb(size), "limit": _mb(limits.max_bytes)}))


def _empty() -> ParcelFileError:
    return ParcelFileError(Message("file_empty", N_("The file is empty. Choose the file again.")))


def _not_geo() -> ParcelFileError:
    return ParcelFileError(Message("not_geo_file", N_(
        "This is not a parcel file that can be read. Upload GeoJSON, GeoPackage, a zipped Shapefile, "
        "KML/KMZ, or CSV with a WKT column.")))


def _not_utf8(position: int) -> ParcelFileError:
    return ParcelFileError(Message("not_utf8", N_(
        "The file is not UTF-8 text (at byte {position}). Save it again with UTF-8 encoding."),
        {"position": position}))


def _zip_bad() -> ParcelFileError:
    return ParcelFileError(Message("zip_bad", N_(
        "The zip file is damaged or uses a compression that is not supported. Make the zip again.")))


def _zip_too_large(limits: ReadLimits) -> ParcelFileError:
    return ParcelFileError(Message("zip_too_large", N_(
        "The zip file unpacks to more than {limit} MB. Upload a smaller file."),
        {"limit": _mb(limits.max_unzipped_bytes)}))


def _zip_bomb(name: str, limits: ReadLimits) -> ParcelFileError:
    return ParcelFileError(Message("zip_bomb", N_(
        "The zip member {name} is compressed more than {ratio} times, which is refused for safety. "
        "Make the zip again from the original files."), {"name": name[:200], "ratio": limits.max_zip_ratio}))


def _layer_not_found(layer: str, layers: list[str]) -> ParcelFileError:
    return ParcelFileError(Message("layer_not_found", N_(
        "The file has no layer {layer}. Its layers are: {layers}."),
        {"layer": layer, "layers": _list_names(layers, limit=20)}))


def _unknown_crs(name: str) -> ParcelFileError:
    return ParcelFileError(Message("unknown_crs", N_(
        "The coordinate system {crs} is not known. Save the file in WGS 84 (EPSG:4326), "
        "UTM zone 48S (EPSG:32748) or an Indonesia TM-3 zone."), {"crs": name.strip()[:200]}))


def _no_features(layer: str | None) -> ParcelFileError:
    return ParcelFileError(Message("no_features", N_(
        "The layer {layer} has no features. Check that you chose the right file or layer."),
        {"layer": layer or ""}))


def _too_many(limits: ReadLimits) -> ParcelFileError:
    return ParcelFileError(Message("too_many_features", N_(
        "The file has more than {limit} features. Split it into smaller files."),
        {"limit": limits.max_features}))


def _list_names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (", …" if len(names) > limit else "")


def _mb(n: int) -> float:
    return round(n / MB, 1)


def _num(v: float, decimals: int = 2) -> str:
    return f"{v:.{decimals}f}".rstrip("0").rstrip(".")
