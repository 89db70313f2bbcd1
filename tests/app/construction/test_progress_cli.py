"""`japra progress scurve` and `japra progress report`: the S-curve as JSON for scripts, the report as PDF.

In this process, on the test's transaction (the `cli` fixture of tests/conftest.py)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.db

CURVE_KEYS = {"periods", "planned_pct", "actual_pct", "deviation_pct", "status", "critical_since", "report_date",
              "days_since_report"}


@pytest.fixture()
def cli(cli, db):
    """The demo's construction in the test's transaction: Marlina under construction since 3 November 2025,
    weekly reports until today."""
    from app import demo_construction
    from app.clock import jakarta_today

    assert demo_construction.load(db, jakarta_today()) > 50
    db.commit()
    return cli


def _two_places(text: str) -> Decimal:
    value = Decimal(text)
    assert value.as_tuple().exponent == -2, text
    return value


def test_scurve_json_as_of_a_date(cli):
    done = cli("progress", "scurve", "--project", "marlina", "--as-of", "2026-11-24", "--json")
    assert done.exit_code == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"project", "as_of", "started_on", "buildings"} | CURVE_KEYS
    assert (out["project"], out["as_of"], out["started_on"]) == ("marlina", "2026-11-24", "2025-11-03")
    assert out["status"] == "kritis" and out["critical_since"] == "2026-11-21" and out["report_date"] == "2026-11-21"
    assert out["days_since_report"] == 3
    deviation = _two_places(out["deviation_pct"])
    assert deviation == _two_places(out["actual_pct"]) - _two_places(out["planned_pct"]) and -11 < deviation < -10

    periods = out["periods"]
    assert all(set(p) == {"date", "planned_pct", "actual_pct"} for p in periods)
    assert periods[0] == {"date": "2025-11-09", "planned_pct": periods[0]["planned_pct"],
                          "actual_pct": periods[0]["actual_pct"]}
    assert _two_places(periods[-1]["planned_pct"]) == 100 and periods[-1]["date"] == "2027-05-02"
    done_weeks = [p for p in periods if p["actual_pct"] is not None]
    assert done_weeks[-1]["date"] == "2026-11-22" and periods[len(done_weeks)]["actual_pct"] is None  # after as-of
    planned = [_two_places(p["planned_pct"]) for p in periods]
    assert planned == sorted(planned)

    blocks = {b["building"]: b for b in out["buildings"]}
    assert set(blocks) == {"A", "B"} and all(set(b) == {"building"} | CURVE_KEYS for b in blocks.values())
    assert blocks["B"]["status"] == "kritis" and blocks["B"]["critical_since"] == "2026-08-08"
    assert blocks["A"]["status"] == "terlambat" and blocks["A"]["critical_since"] is None

    # A week before, below the 70% line, ten points behind was only late.
    earlier = json.loads(cli("progress", "scurve", "--project", "marlina", "--as-of", "2026-11-15", "--json").stdout)
    assert earlier["status"] == "terlambat" and earlier["critical_since"] is None
    assert earlier["periods"][:10] == periods[:10]  # the past does not change with the date asked

    text = cli("progress", "scurve", "--project", "marlina", "--as-of", "2026-11-24")
    assert text.exit_code == 0 and "2025-11-09" in text.stdout and "kritis since 2026-11-21" in text.stdout


def test_scurve_refuses_what_it_cannot_answer(cli):
    for args, message in (
        (("--project", "tidak-ada"), "tidak-ada"),
        (("--project", "kunir"), "has not started"),
        (("--project", "marlina", "--as-of", "24-11-2026"), "YYYY-MM-DD"),
        (("--project", "marlina", "--as-of", "2026-11-31"), "YYYY-MM-DD"),
        (("--project", "marlina", "--as-of", "2025-10-01"), "before construction started (2025-11-03)"),
    ):
        refused = cli("progress", "scurve", *args, "--json")
        assert refused.exit_code == 2 and message in refused.stderr, (args, refused.stderr)
        assert refused.stdout == ""


def test_report_writes_the_pdf_and_refuses_bad_periods_without_a_file(cli, tmp_path):
    target = tmp_path / "laporan.pdf"
    done = cli("progress", "report", "--project", "marlina", "--period", "2026-10", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    pages = PdfReader(io.BytesIO(target.read_bytes())).pages
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pages)
    assert "Kampung Susun Marlina" in text and "Halaman 1 dari" in text and "Nama dan tanda tangan" in text
    weekly = tmp_path / "minggu.pdf"
    assert cli("progress", "report", "--project", "marlina", "--week", "2026-W44", "-o", str(weekly)).exit_code == 0
    assert weekly.read_bytes().startswith(b"%PDF-")
    for args, message in (
        (("--project", "marlina", "--period", "2026-13"), "2026-13"),
        (("--project", "marlina", "--period", "2025-09"), "before construction started"),
        (("--project", "marlina", "--period", "2099-01"), "has not begun"),
        (("--project", "marlina", "--week", "2026-W99"), "2026-W99"),
        (("--project", "marlina"), "YYYY-MM"),
        (("--project", "marlina", "--period", "2026-10", "--week", "2026-W44"), "YYYY-MM"),
        (("--project", "kunir", "--period", "2026-10"), "has not started"),
        (("--project", "tidak-ada", "--period", "2026-10"), "tidak-ada"),
    ):
        refused_file = tmp_path / "tidak.pdf"
        refused = cli("progress", "report", *args, "-o", str(refused_file))
        assert refused.exit_code == 2 and message in refused.stderr, (args, refused.stderr)
        assert not refused_file.exists()
    unwritable = cli("progress", "report", "--project", "marlina", "--period", "2026-10", "-o",
                     str(tmp_path / "no-such-folder" / "laporan.pdf"))
    assert unwritable.exit_code == 2 and "no-such-folder/laporan.pdf cannot be written" in unwritable.stderr
