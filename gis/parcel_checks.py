"""Turn the features of a parcel file into parcel drafts, with the checks a planner needs.

Pure: works on `ParcelFeature`s from `gis.parcel_file` and on the project's existing parcels given
as (code, geometry in EPSG:4326); imports nothing from `app`.

Overlaps: two parcels overlap when the area they share is OVERLAP_TOLERANCE_M2 (1 m²) or more.
An absolute tolerance, not a share of the parcel: kampung parcels are small (20-100 m²), so 1 m²
is already 1-5 % of one, while a shared boundary drawn twice, or digitised from two surveys a few
decimetres apart, gives slivers well under a square metre that no planner would call an overlap.
Touching along a boundary is never an overlap.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from gis.measure import area_m2
from gis.parcel_file import ParcelFeature
from kernel import limits
from kernel.messages import N_, Message

TARGETS = ("code", "land_status", "holder", "notes")
LAND_STATUSES = ("SHM", "HGB", "HPL", "hak_pakai", "tanah_negara", "girik_adat", "unknown")

MAX_CODE_LENGTH = 64
MAX_HOLDER_LENGTH = limits.NAME
MAX_NOTES_LENGTH = limits.NOTE
OVERLAP_TOLERANCE_M2 = 1.0
# 1 deg² is at most 1.24e10 m² (at the equator): a cheap filter before measuring in metres.
_M2_PER_DEG2_MAX = 1.25e10

# Column names per target, best first, compared lower-cased with spaces and hyphens as "_".
_CANDIDATES: dict[str, tuple[str, ...]] = {
    "code": ("nib", "kode_bidang", "kode_persil", "kode", "code", "parcel_code", "parcel_id", "id_bidang",
             "no_bidang", "nomor_bidang", "nomor_persil", "name"),
    "land_status": ("status_hak", "jenis_hak", "land_status", "status_tanah", "hak", "alas_hak", "status"),
    "holder": ("nama_pemegang", "pemegang_hak", "pemegang", "nama_pemilik", "pemilik", "holder", "owner"),
    "notes": ("keterangan", "ket", "catatan", "notes", "note", "description", "deskripsi"),
}

_STATUS_WORDS: dict[str, str] = {}
for _status, _words in {
    "SHM": ("shm", "hm", "hak milik", "milik", "sertifikat hak milik", "sertipikat hak milik"),
    "HGB": ("hgb", "shgb", "hak guna bangunan", "sertifikat hak guna bangunan", "sertipikat hak guna bangunan"),
    "HPL": ("hpl", "hak pengelolaan"),
    "hak_pakai": ("hak pakai", "hp", "shp", "sertifikat hak pakai", "sertipikat hak pakai"),
    "tanah_negara": ("tanah negara", "tn"),
    "girik_adat": ("girik", "adat", "tanah adat", "letter c", "letter c desa", "petok d", "girik adat",
                   "hak ulayat", "ulayat"),
    "unknown": ("", "-", "?", "unknown", "tidak diketahui", "belum diketahui", "tidak ada", "n/a", "na"),
}.items():
    for _word in _words:
        _STATUS_WORDS[_word] = _status
for _status in LAND_STATUSES:
    _STATUS_WORDS[_status.lower().replace("_", " ")] = _status


def _norm_column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def guess_mapping(columns: list[str]) -> dict[str, str | None]:
    """For each target, the column that most likely holds it (or None); a column serves one target.

    Shapefile field names are cut at 10 characters ("nama_pemeg"), so a 10-character name also
    matches a candidate it begins.
    """
    normal = [(_norm_column(c), c) for c in columns]
    used: set[str] = set()
    mapping: dict[str, str | None] = {}
    for target in TARGETS:
        mapping[target] = None
        for candidate in _CANDIDATES[target]:
            hit = next((c for n, c in normal if c not in used and (
                n == candidate or (len(n) == 10 and candidate.startswith(n)))), None)
            if hit is not None:
                mapping[target] = hit
                used.add(hit)
                break
    return mapping


def land_status_of(value: Any) -> str | None:
    """One of LAND_STATUSES for a free-text value, or None when it is not recognised."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    return _status_of_text(str(value))


@lru_cache(maxsize=1024)
def _status_of_text(value: str) -> str | None:
    # A file of 50,000 parcels holds a handful of distinct statuses: normalise each once.
    text = re.sub(r"\s+", " ", value.strip().lower().replace("_", " ").replace(".", ""))
    return _STATUS_WORDS.get(text)


@dataclass
class ParcelDraft:
    index: int
    label: str
    code: str
    land_status: str
    holder: str | None
    notes: str | None
    geometry: MultiPolygon
    auto_code: bool = False  # True when the file gave no code and "P-0001" style was made up


def _text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def check_parcels(
    features: list[ParcelFeature],
    mapping: dict[str, str | None],
    existing: list[tuple[str, BaseGeometry]],
) -> tuple[list[ParcelDraft], dict[int, list[Message]]]:
    """Drafts for the features that pass every check; index -> problems for the others.

    The reader's own problems are included, so the caller has one place to look.
    """
    problems: dict[int, list[Message]] = defaultdict(list)
    for f in features:
        problems[f.index].extend(f.problems)
        if f.geometry is None and not f.problems:
            problems[f.index].append(Message("empty_geometry", N_(
                "Feature {feature} has no shape. Draw the parcel or leave the feature out."), {"feature": f.label}))

    def value(f: ParcelFeature, target: str) -> Any:
        column = mapping.get(target)
        return f.attributes.get(column) if column else None

    codes: dict[int, str] = {}
    statuses: dict[int, str] = {}
    holders: dict[int, str | None] = {}
    notes: dict[int, str | None] = {}
    for f in features:
        code = _text(value(f, "code"))
        if code:
            codes[f.index] = code
            if len(code) > MAX_CODE_LENGTH:
                problems[f.index].append(Message("code_too_long", N_(
                    "Feature {feature}: the parcel code is {length} characters long; the limit is {limit}."),
                    {"feature": f.label, "length": len(code), "limit": MAX_CODE_LENGTH}))
        raw_status = value(f, "land_status")
        status = land_status_of(raw_status)
        if status is None:
            problems[f.index].append(Message("land_status_unknown", N_(
                "Feature {feature}: the land status {value} is not known. Use SHM, HGB, HPL, Hak Pakai, "
                "tanah negara, girik/adat, or leave it empty."), {"feature": f.label, "value": _text(raw_status)}))
        else:
            statuses[f.index] = status
        holder = _text(value(f, "holder")) or None
        if holder is not None and len(holder) > MAX_HOLDER_LENGTH:
            problems[f.index].append(Message("holder_too_long", N_(
                "Feature {feature}: the holder's name is {length} characters long; the limit is {limit}."),
                {"feature": f.label, "length": len(holder), "limit": MAX_HOLDER_LENGTH}))
        holders[f.index] = holder
        notes[f.index] = _text(value(f, "notes")) or None
        if notes[f.index] is not None and len(notes[f.index]) > MAX_NOTES_LENGTH:
            problems[f.index].append(Message("notes_too_long", N_(
                "Feature {feature}: the notes are {length} characters long; the limit is {limit}."),
                {"feature": f.label, "length": len(notes[f.index]), "limit": MAX_NOTES_LENGTH}))

    # Codes: unique within the file and against the project, compared without case.
    labels = {f.index: f.label for f in features}
    existing_codes = {str(code).strip().casefold(): str(code) for code, _ in existing}
    by_code: dict[str, list[int]] = defaultdict(list)
    for index, code in codes.items():
        by_code[code.casefold()].append(index)
    for key, indexes in by_code.items():
        for index in indexes:
            if len(indexes) > 1:
                others = ", ".join(labels[i] for i in indexes if i != index)
                problems[index].append(Message("code_duplicate", N_(
                    "Feature {feature}: the parcel code {code} is also used by feature {others}. "
                    "Give each parcel its own code."), {"feature": labels[index], "code": codes[index],
                                                        "others": others}))
            if key in existing_codes:
                problems[index].append(Message("code_exists", N_(
                    "Feature {feature}: the parcel code {code} already exists in this project."),
                    {"feature": labels[index], "code": existing_codes[key]}))

    # Overlaps, only among features whose geometry the reader accepted.
    candidates = [f for f in features if f.geometry is not None and not f.problems]
    geoms = np.array([f.geometry for f in candidates], dtype=object)
    if len(geoms):
        shapely.prepare(geoms)
        if existing:
            old = np.array([g for _, g in existing], dtype=object)
            broken = ~shapely.is_valid(old)
            if broken.any():  # an old invalid parcel must not stop the check
                old[broken] = shapely.make_valid(old[broken])
            tree = STRtree(old)
            pairs = tree.query(geoms, predicate="intersects")
            for i, j, area in _overlaps(geoms[pairs[0]], old[pairs[1]], pairs[0], pairs[1]):
                f = candidates[i]
                problems[f.index].append(Message("overlap_existing", N_(
                    "Feature {feature} overlaps parcel {code} by {area} m²."),
                    {"feature": f.label, "code": existing[j][0], "area": area}))
        tree = STRtree(geoms)
        pairs = tree.query(geoms, predicate="intersects")
        keep = pairs[0] < pairs[1]
        left, right = pairs[0][keep], pairs[1][keep]
        for i, j, area in _overlaps(geoms[left], geoms[right], left, right):
            for a, b in ((i, j), (j, i)):
                problems[candidates[a].index].append(Message("overlap_feature", N_(
                    "Feature {feature} overlaps feature {other} by {area} m²."),
                    {"feature": candidates[a].label, "other": candidates[b].label, "area": area}))

    # Made-up codes for features without one, skipping any code already taken.
    taken = set(existing_codes) | set(by_code)
    drafts: list[ParcelDraft] = []
    for f in features:
        if problems.get(f.index):
            continue
        code = codes.get(f.index)
        auto = code is None
        if code is None:
            code = f"P-{f.index:04d}"
            n = 2
            while code.casefold() in taken:
                code = f"P-{f.index:04d}-{n}"
                n += 1
            taken.add(code.casefold())
        assert f.geometry is not None
        drafts.append(ParcelDraft(index=f.index, label=f.label, code=code, land_status=statuses[f.index],
                                  holder=holders[f.index], notes=notes[f.index], geometry=f.geometry,
                                  auto_code=auto))
    refused = {index: msgs for index, msgs in problems.items() if msgs}
    return drafts, refused


def _overlaps(a: np.ndarray, b: np.ndarray, ia: np.ndarray, ib: np.ndarray):
    """(i, j, area m² rounded to 0.1) for each pair sharing OVERLAP_TOLERANCE_M2 or more."""
    # Neighbours touch along their boundaries: keep only pairs whose interiors meet (cheaper than
    # intersecting every pair), then measure in degrees, then in metres.
    inside = shapely.relate_pattern(a, b, "T********")
    a, b, ia, ib = a[inside], b[inside], ia[inside], ib[inside]
    if len(a) == 0:
        return
    shared = shapely.intersection(a, b)
    rough = shapely.area(shared) * _M2_PER_DEG2_MAX
    for n in np.flatnonzero(rough >= OVERLAP_TOLERANCE_M2):
        area = area_m2(shared[n])
        if area >= OVERLAP_TOLERANCE_M2:
            yield int(ia[n]), int(ib[n]), round(area, 1)


_DIGITS = re.compile(r"(\d+)")


def natural_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key for parcel codes as people number them: 89, 90, 100, P-2, P-10 (not 100, 2492, 89)."""
    return tuple((0, int(part)) if part.isdigit() else (1, part.casefold())
                 for part in _DIGITS.split(str(code).strip()) if part)
