"""The library's boundaries: nothing from `app`, and msgids that gettext and str.format both accept."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import PYTHON_FORMAT
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

import costing

ROOT = Path(costing.__file__).resolve().parent
# What tests/app/web/test_translations.py counts as a %-placeholder: none may hide in a msgid.
PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")
FIELD = re.compile(r"\{[a-z_]+\}")


def _msgids() -> list[str]:
    found = extract_from_dir(ROOT, [("**.py", "python")], keywords={**DEFAULT_KEYWORDS, "N_": None})
    return [msgid for _file, _line, msgid, _comments, _context in found]


def test_costing_imports_nothing_from_app():
    code = (
        "import sys, costing.money, costing.terbilang, costing.ahsp, costing.rab, costing.design, "
        "costing.estimate, costing.allocation; "
        "print(sorted(m for m in sys.modules if m == 'app' or m.startswith('app.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    for path in ROOT.glob("*.py"):
        assert not re.search(r"^\s*(from|import) app\b", path.read_text(encoding="utf-8"), re.M), path


def test_msgids_are_safe_to_translate_and_format():
    msgids = _msgids()
    assert len(msgids) > 50
    for msgid in msgids:
        assert isinstance(msgid, str)
        assert not PERCENT_FIELD.search(msgid), msgid
        assert not PYTHON_FORMAT.search(msgid), msgid
        rest = FIELD.sub("", msgid)
        assert "{" not in rest and "}" not in rest, f"lone brace in {msgid!r}"
