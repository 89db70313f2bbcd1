"""Memory and time of reading uploads, hostile and ordinary (issue 12): `python -m benchmarks import_memory`.

Every file is read in a fresh child process (`python -m benchmarks.import_memory child KIND FILE`), which reports
its own peak resident memory (VmHWM, the kernel's high-water mark) and the seconds the read took (for `web`, the
upload and its preview page, where the file is read). The baseline is
a child that imports the same modules and reads nothing; **added** is a case's peak minus the baseline's, and it
must stay under **limit** = 5 x the file's size + 100 MB. **peak / baseline** is the ratio of the two peaks.

Kinds of read: `members` (the member list import's `read_members`: the first sheet, the known columns),
`prices` (the price library's `read_price_library`), `photo` (a site photo's `prepare_photo`: checked, a public
copy and a thumbnail; not an import, so outside the rule: its memory is the decoded picture's), and `web` (the
member import page, a multipart upload through the app's test client as a signed-in officer, then its preview,
beside a baseline child that signs in and opens the form).

Files, built in a temp folder:

- dimension-bomb.xlsx: three cells in a sheet that declares A1:XFD1048576 (1.5 KB; before issue 12 it grew the
  server by 15 GB);
- stray-cell.xlsx: a member list with one more cell, in XFD1048576;
- zip-bomb.xlsx: a sheet of 1 GiB of empty rows, a megabyte zipped: refused by its declared size;
- ratio-bomb.xlsx: 30 MB of empty rows (under the size limit), zipped a thousandfold: refused by its ratio;
- styles-bomb.xlsx: 99,000 cell formats (openpyxl's loader took 10 s and 160 MB for 200,000);
- wide.xlsx: 20,000 rows of 60 columns of numbers (30 MB of XML), of which the import knows two;
- strings.xlsx: 600,000 shared strings (13 MB) used by 20,000 rows of 30 columns;
- blank-lines.csv, commas.csv: a header, then 20 MB of empty lines, or of `,,,,` lines;
- members.xlsx, members.csv: an ordinary member list of 5,000 rows and 14 columns;
- price-library.xlsx: the DKI Jakarta library of the fixtures, its items repeated twentyfold (1,100 items,
  7,320 AHSP rows), as `write_price_library` writes it;
- photo-49mp.png: a 7,000 x 7,000 single-colour PNG (160 KB; before issue 12 it took 10 s);
- photo-48mp.jpg: an 8,000 x 6,000 JPEG of colour gradients.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT_S = 600
MIB = 1024 * 1024
COOPERATIVE = "akuarium"
OFFICER = "pengurus-akuarium"
MEMBER_COLUMNS = ("nomor_anggota", "nama", "jumlah_jiwa", "penghasilan", "lansia", "disabilitas", "lantai_dasar",
                  "warga_asli", "tanggal_masuk", "simpanan_pokok", "simpanan_wajib", "simpanan_sukarela", "nik",
                  "catatan")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- files ----------------------------------------------------------------------------------------------------

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _zip_xlsx(path: Path, sheet: Iterable[bytes], *, strings: Iterable[bytes] | None = None,
              styles: bytes | None = None, level: int = 6) -> None:
    """A workbook written part by part (the sheet and the strings as streams), as a hostile one is made by hand;
    with the content types openpyxl needs, so that the code before issue 12 can be measured on the same files."""
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    types = ['<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
             '<Default Extension="xml" ContentType="application/xml"/>',
             f'<Override PartName="/xl/workbook.xml" ContentType="{kind}.sheet.main+xml"/>',
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{kind}.worksheet+xml"/>']
    if strings is not None:
        types.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}.sharedStrings+xml"/>')
    if styles is not None:
        types.append(f'<Override PartName="/xl/styles.xml" ContentType="{kind}.styles+xml"/>')
    rels = [f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>']
    if strings is not None:
        rels.append(f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>')
    if styles is not None:
        rels.append(f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", f'<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                                               f'content-types">{"".join(types)}</Types>')
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
                                        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<workbook {_NS} xmlns:r="{_REL}"><sheets><sheet name="Anggota" '
                                            'sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{_PKG}">{"".join(rels)}'
                                                       '</Relationships>')
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
        for name, parts in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", strings)):
            if parts is None:
                continue
            with archive.open(name, "w") as out:
                for part in parts:
                    out.write(part)


def _cell(ref: str, value: Any) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def _sheet(rows: Iterable[str], dimension: str = "A1") -> Iterator[bytes]:
    yield f'<worksheet {_NS}><dimension ref="{dimension}"/><sheetData>'.encode()
    batch: list[str] = []
    for row in rows:
        batch.append(row)
        if len(batch) == 10_000:
            yield "".join(batch).encode()
            batch = []
    yield ("".join(batch) + "</sheetData></worksheet>").encode()


def _header_rows() -> list[str]:
    return ['<row r="1">' + _cell("A1", "nomor_anggota") + _cell("B1", "nama") + "</row>",
            '<row r="2">' + _cell("A2", "AKU-901") + _cell("B2", "Siti Aminah") + "</row>"]


def _column(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def dimension_bomb(path: Path) -> None:
    rows = ['<row r="1">' + _cell("A1", "nomor_anggota") + _cell("B1", "nama") + "</row>",
            '<row r="2">' + _cell("A2", "AKU-901") + "</row>"]
    _zip_xlsx(path, _sheet(rows, "A1:XFD1048576"))


def stray_cell(path: Path) -> None:
    _zip_xlsx(path, _sheet([*_header_rows(), '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"],
                           "A1:XFD1048576"))


def zip_bomb(path: Path) -> None:
    def rows() -> Iterator[bytes]:
        yield from _sheet(_header_rows())
    empty = b"<row/>" * (MIB // 6)

    def sheet() -> Iterator[bytes]:
        head = list(rows())
        yield from head[:-1]
        for _ in range(1024):  # 1 GiB
            yield empty
        yield head[-1]
    _zip_xlsx(path, sheet(), level=9)


def ratio_bomb(path: Path) -> None:
    def sheet() -> Iterator[bytes]:
        head = list(_sheet(_header_rows()))
        yield from head[:-1]
        empty = b"<row/>" * (MIB // 6)
        for _ in range(30):
            yield empty
        yield head[-1]
    _zip_xlsx(path, sheet(), level=9)


def styles_bomb(path: Path) -> None:
    rng = random.Random(12)
    xfs = "".join(f'<xf numFmtId="{rng.randrange(50)}" fontId="0" fillId="0" borderId="0"/>' for _ in range(99_000))
    styles = (f'<styleSheet {_NS}><fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill>'
              f'</fills><borders count="1"><border/></borders><cellXfs count="99000">{xfs}</cellXfs></styleSheet>')
    _zip_xlsx(path, _sheet(_header_rows()), styles=styles.encode())


def wide(path: Path) -> None:
    rng = random.Random(13)
    columns = [_column(c) for c in range(1, 61)]

    def rows() -> Iterator[str]:
        yield '<row r="1">' + "".join(_cell(f"{c}1", title) for c, title in
                                      zip(columns, ["nomor_anggota", "nama", *(f"kolom_{n}" for n in range(3, 61))],
                                          strict=True)) + "</row>"
        for r in range(2, 20_002):
            cells = [_cell(f"A{r}", f"AKU-{r}"), _cell(f"B{r}", "Siti")]
            cells += [f'<c r="{c}{r}"><v>{rng.randrange(10**6)}</v></c>' for c in columns[2:]]
            yield f'<row r="{r}">' + "".join(cells) + "</row>"
    _zip_xlsx(path, _sheet(rows()))


def strings(path: Path) -> None:
    rng = random.Random(14)
    count = 600_000

    def table() -> Iterator[bytes]:
        yield (f'<sst {_NS} count="{count}" uniqueCount="{count}"><si><t>nomor_anggota</t></si>'
               '<si><t>nama</t></si>').encode()
        for start in range(2, count, 10_000):
            batch = min(10_000, count - start)
            yield "".join(f"<si><t>{rng.randrange(10**8)}</t></si>" for _ in range(batch)).encode()
        yield b"</sst>"

    def rows() -> Iterator[str]:
        yield '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        index = 2
        for r in range(2, 20_002):
            cells = []
            for c in range(1, 31):
                cells.append(f'<c r="{_column(c)}{r}" t="s"><v>{index}</v></c>')
                index = index + 1 if index + 1 < count else 2
            yield f'<row r="{r}">' + "".join(cells) + "</row>"
    _zip_xlsx(path, _sheet(rows()), strings=table())


def blank_lines(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("nomor_anggota,nama\nAKU-901,Siti Aminah\n")
        for _ in range(20):
            out.write("\n" * MIB)


def comma_lines(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("nomor_anggota,nama,catatan,lansia,nik\nAKU-901,Siti Aminah,,,\n")
        for _ in range(20):
            out.write(",,,,\n" * (MIB // 5))


def _members(n: int) -> list[list[Any]]:
    rng = random.Random(15)
    given = ("Siti", "Rohmat", "Sumarni", "Agus", "Dewi", "Bambang", "Nur", "Yanti", "Hendra", "Lestari")
    family = ("Pratiwi", "Wibowo", "Hidayat", "Saputra", "Rahayu", "Kusuma", "Santoso", "Lubis")
    rows: list[list[Any]] = [list(MEMBER_COLUMNS)]
    for k in range(1, n + 1):
        rows.append([f"AKU-{k:05d}", f"{rng.choice(given)} {rng.choice(family)}", rng.randint(1, 7),
                     f"Rp{rng.randrange(2, 12) * 500_000:,}".replace(",", "."), rng.choice(("ya", "tidak")),
                     "tidak", rng.choice(("ya", "tidak")), "ya", f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-1"
                     f"{rng.randint(0, 9)}", 100_000, rng.randrange(1, 40) * 100_000, rng.randrange(0, 20) * 50_000,
                     f"9999{k:012d}", "" if k % 7 else "pindahan dari blok lama"])
    return rows


def members_xlsx(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in _members(5_000):
        wb.active.append(row)
    wb.save(path)


def members_csv(path: Path) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        for row in _members(5_000):
            out.write(";".join(str(v) for v in row) + "\r\n")


def price_library(path: Path) -> None:
    from costing.workbook import write_price_library

    data = json.loads((ROOT / "fixtures" / "prices" / "dki-jakarta-2026.json").read_text(encoding="utf-8"))
    data["items"] = [{**item, "code": f"{item['code']}.{copy}"} for copy in range(1, 21) for item in data["items"]]
    path.write_bytes(write_price_library(data))


def photo(path: Path) -> None:
    from PIL import Image

    Image.new("RGB", (7000, 7000), (120, 130, 140)).save(path, "PNG")


def photo_jpeg(path: Path) -> None:
    from PIL import Image

    gradient = Image.merge("RGB", [Image.linear_gradient("L").resize((8000, 6000)).rotate(k * 90, expand=False)
                                   for k in range(3)])
    gradient.save(path, "JPEG", quality=90)


# (label, file name, builder, kinds of read)
CASES: list[tuple[str, str, Callable[[Path], None], tuple[str, ...]]] = [
    ("dimension bomb", "dimension-bomb.xlsx", dimension_bomb, ("members", "prices", "web")),
    ("stray cell in XFD1048576", "stray-cell.xlsx", stray_cell, ("members", "prices")),
    ("zip bomb, 1 GiB sheet", "zip-bomb.xlsx", zip_bomb, ("members", "prices", "web")),
    ("ratio bomb, 30 MB sheet", "ratio-bomb.xlsx", ratio_bomb, ("members",)),
    ("99,000 cell formats", "styles-bomb.xlsx", styles_bomb, ("members",)),
    ("wide: 20,000 rows x 60 columns", "wide.xlsx", wide, ("members", "web")),
    ("600,000 shared strings", "strings.xlsx", strings, ("members",)),
    ("20 MB of blank lines", "blank-lines.csv", blank_lines, ("members", "web")),
    ("20 MB of ,,,, lines", "commas.csv", comma_lines, ("members",)),
    ("member list, 5,000 rows", "members.xlsx", members_xlsx, ("members", "web")),
    ("member list, 5,000 rows", "members.csv", members_csv, ("members",)),
    ("price library, 1,100 items", "price-library.xlsx", price_library, ("prices",)),
    ("photo, 49 MP one colour", "photo-49mp.png", photo, ("photo",)),
    ("photo, 48 MP gradient", "photo-48mp.jpg", photo_jpeg, ("photo",)),
]


# --- the child ------------------------------------------------------------------------------------------------

def _peak_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _read(kind: str, path: Path) -> str:
    from kernel.errors import UserError

    try:
        if kind == "members":
            from app.members.importing import read_members

            members, problems = read_members(path, path.name)
            return f"{_count(len(members), 'row')}, {_count(len(problems), 'problem')}"
        if kind == "prices":
            from costing.workbook import read_price_library

            data, problems = read_price_library(path, path.name)
            return (f"{_count(len(data['resources']), 'resource')}, {_count(len(data['items']), 'item')}, "
                    f"{_count(len(problems), 'problem')}")
        if kind == "photo":
            from progress.photos import prepare_photo

            prepared = prepare_photo(path.read_bytes(), public_side=2048)
            return f"public {len(prepared.public) // 1024} KB, thumbnail {len(prepared.thumbnail) // 1024} KB"
    except UserError as error:
        return f"refused: {error.message.code}"
    raise ValueError(kind)


def _web(path: Path | None) -> tuple[str, float]:
    """The upload and its preview (where the file is read), timed without the app's start."""
    import re

    from litestar.testing import TestClient
    from sqlalchemy import select

    from app.auth.models import User
    from app.auth.service import start_session
    from app.web.app import create_app

    app = create_app()
    # A session made as the login form makes it, without the password's argon2 hash: its 64 MB would be the
    # process's high-water mark, and hide the upload's.
    with app.state.db() as db:
        session = start_session(db, db.scalar(select(User).where(User.username == OFFICER)), 1)
        db.commit()
    with TestClient(app, base_url="http://testserver.local") as client:
        client.cookies.set("japra_session", session)
        page = client.get(f"/cooperatives/{COOPERATIVE}/members-import")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        start = time.perf_counter()
        if path is None:
            return f"form {page.status_code}", 0.0
        with open(path, "rb") as fh:
            reply = client.post(f"/cooperatives/{COOPERATIVE}/members-import", data={"_csrf_token": token},
                                files={"file": (path.name, fh)}, follow_redirects=False)
        if reply.status_code in (302, 303):  # kept, then read for its preview
            reply = client.get(reply.headers["location"])
            if reply.status_code == 200 and "members-import/" in str(reply.url):
                return f"preview, {_count(reply.text.count('<tr') - 1, 'row')} shown", time.perf_counter() - start
        refused = re.search(r'role="alert"', reply.text) is not None
        return f"HTTP {reply.status_code}{', refused' if refused else ''}", time.perf_counter() - start


def child(kind: str, file: str | None) -> dict[str, Any]:
    path = Path(file) if file else None
    if kind.startswith("web"):
        outcome, seconds = _web(path)
    else:
        # The same modules for every read and the baseline: what is measured is the reading.
        import app.members.importing  # noqa: F401
        import costing.workbook  # noqa: F401
        import progress.photos  # noqa: F401

        start = time.perf_counter()
        outcome = _read(kind, path) if path else "modules imported"
        seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "outcome": outcome, "peak_mib": round(_peak_mib(), 1)}


# --- the parent -----------------------------------------------------------------------------------------------

def _spawn(env: dict[str, str], kind: str, path: Path | None) -> dict[str, Any]:
    args = [sys.executable, "-m", "benchmarks.import_memory", "child", kind] + ([str(path)] if path else [])
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S,
                         check=False)
    if out.returncode:
        raise RuntimeError(f"{kind} {path}: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _install(folder: Path) -> dict[str, str]:
    from benchmarks import sandbox

    data = folder / "japra"
    data.mkdir()
    env = sandbox.environment(data)
    sandbox.japra(env, "db", "upgrade")
    sandbox.japra(env, "demo")
    return env


def run(web: bool = True) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="japra-bench-import-memory-") as tmp:
        folder = Path(tmp)
        env = {**os.environ}
        for _label, name, build, _kinds in CASES:
            say(f"building {name}")
            build(folder / name)
        baseline = _spawn(env, "none", None)
        web_env = _install(folder) if web else None
        web_baseline = _spawn(web_env, "web", None) if web_env else None
        for label, name, _build, kinds in CASES:
            path = folder / name
            for kind in kinds:
                if kind == "web" and web_env is None:
                    continue
                say(f"reading {name} ({kind})")
                result = _spawn(web_env if kind == "web" else env, kind, path)
                base = web_baseline if kind == "web" else baseline
                size_mib = path.stat().st_size / MIB
                limit = 5 * size_mib + 100
                added = result["peak_mib"] - base["peak_mib"]
                rows.append({"case": label, "file": name, "kind": kind, "file_mib": round(size_mib, 3),
                             "seconds": result["seconds"], "outcome": result["outcome"],
                             "peak_mib": result["peak_mib"], "baseline_mib": base["peak_mib"],
                             "added_mib": round(added, 1), "limit_mib": round(limit, 1),
                             "within": kind == "photo" or added <= limit,
                             "peak_over_baseline": round(result["peak_mib"] / base["peak_mib"], 2)})
    return {"baseline": baseline, "web_baseline": web_baseline, "rows": rows, "table": table(rows),
            "all_within": all(r["within"] for r in rows)}


def _size(mib: float) -> str:
    return f"{mib * 1024:,.1f} KB" if mib < 1 else f"{mib:,.1f} MB"


def table(rows: list[dict[str, Any]]) -> str:
    lines = ["| case | file | read | size | outcome | s | peak MB | baseline MB | added MB | limit MB | within | "
             "peak / baseline |",
             "|---|---|---|---:|---|---:|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        within = "n/a (photo)" if r["kind"] == "photo" else ("yes" if r["within"] else "**NO**")
        lines.append(f"| {r['case']} | {r['file']} | {r['kind']} | {_size(r['file_mib'])} | {r['outcome']} | "
                     f"{r['seconds']:.2f} | {r['peak_mib']:.0f} | {r['baseline_mib']:.0f} | {r['added_mib']:.0f} | "
                     f"{r['limit_mib']:.0f} | {within} | {r['peak_over_baseline']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "child":
        print(json.dumps(child(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else None)))
    else:
        outcome = run(web="--no-web" not in sys.argv)
        print(outcome["table"])
