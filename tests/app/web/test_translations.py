"""The Indonesian catalogue: complete, current with the source, and safe to format.

Refresh it with the commands in translations/README.md.
"""

from __future__ import annotations

import re
import shlex
from collections import Counter

from babel.messages import frontend
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from app import i18n
from app.config import ROOT

PO = ROOT / "translations" / "id" / "LC_MESSAGES" / "messages.po"
BABEL_CFG = ROOT / "babel.cfg"
README = ROOT / "translations" / "README.md"

# The -k keywords of the extract command in translations/README.md, on top of Babel's defaults
# (_, gettext, ngettext, N_, ...). The first argument of each is the msgid.
KEYWORDS = ("N_", "_t", "UserError", "Invalid", "NotFound", "Conflict", "BackupError", "DomainError")

BRACE_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")
PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="id")


def _messages():
    return [m for m in _catalog() if m.id]


def _forms(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _label(message) -> str:
    return repr(message.id if isinstance(message.id, str) else message.id[0])


def _extract() -> list[tuple[str, str | tuple[str, ...], str | None]]:
    """(file, msgid, context) for every message in the source, as `pybabel extract` finds them."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with BABEL_CFG.open(encoding="utf-8") as fh:
        method_map, options_map = parse(fh, filename=str(BABEL_CFG))
    keywords = {**DEFAULT_KEYWORDS, **dict.fromkeys(KEYWORDS)}
    return [(filename, msgid, context) for filename, _lineno, msgid, _comments, context
            in extract_from_dir(ROOT, method_map, options_map, keywords=keywords, comment_tags=("TRANSLATORS:",))]


def test_every_message_is_translated_and_none_is_fuzzy():
    catalog = _catalog()
    assert (catalog.num_plurals, catalog.plural_expr) == (1, "0"), "Indonesian has one plural form"
    untranslated = [_label(m) for m in _messages() if not all(_forms(m))]
    fuzzy = [_label(m) for m in _messages() if m.fuzzy]
    wrong_plurals = [_label(m) for m in _messages() if m.pluralizable and len(_forms(m)) != 1]
    problems = [f"{what}: {', '.join(labels)}" for what, labels in (
        ("untranslated", untranslated),
        ("fuzzy (check the translation, then drop the flag)", fuzzy),
        ("plural entries need exactly one msgstr[0]", wrong_plurals),
    ) if labels]
    assert not problems, f"{PO.name}:\n" + "\n".join(problems)


def test_catalogue_has_every_msgid_in_the_source():
    extracted = _extract()
    sources = {filename.replace("\\", "/").split("/")[0] for filename, _, _ in extracted}
    assert {"app", "templates"} <= sources, f"extraction found messages only in {sorted(sources)}; check babel.cfg"

    catalog = _catalog()
    missing, changed_plural = set(), set()
    for filename, msgid, context in extracted:
        message = catalog.get(msgid, context)
        singular = msgid if isinstance(msgid, str) else msgid[0]
        if message is None or not message.id:
            missing.add(f"{singular!r} ({filename})")
        elif isinstance(msgid, tuple) and (not message.pluralizable or message.id[1] != msgid[1]):
            changed_plural.add(f"{singular!r} ({filename})")
    hint = "run the commands in translations/README.md, then translate"
    assert not missing, f"{len(missing)} msgid(s) missing from {PO.name} ({hint}):\n" + "\n".join(sorted(missing))
    assert not changed_plural, f"plural msgid changed ({hint}):\n" + "\n".join(sorted(changed_plural))


def test_readme_command_uses_the_same_keywords_and_mapping():
    text = README.read_text(encoding="utf-8").replace("\\\n", " ")  # join shell line continuations
    commands = [line for line in text.splitlines() if "pybabel extract " in line]
    assert commands, "translations/README.md shows no pybabel extract command"
    args = shlex.split(commands[0])
    documented = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "-k"]
    assert sorted(documented) == sorted(KEYWORDS), "keep the README's -k list and KEYWORDS in step"
    assert args[args.index("-F") + 1] == "babel.cfg"


def test_translations_keep_their_placeholders():
    wrong = []
    for message in _messages():
        # Every msgstr form must carry the fields of the form it stands for; for plurals that is
        # the plural msgid (Indonesian uses msgstr[0] for every n).
        source = message.id if isinstance(message.id, str) else message.id[1]
        for form in _forms(message):
            if not form:
                continue
            if Counter(BRACE_FIELD.findall(form)) != Counter(BRACE_FIELD.findall(source)):
                wrong.append(f"{_label(message)}: {{fields}} differ in {form!r}")
            # A message filled by str.format ({fields}, python-brace-format) keeps "%" as a plain character.
            if "python-brace-format" in message.flags and "python-format" not in message.flags:
                continue
            if Counter(PERCENT_FIELD.findall(form)) != Counter(PERCENT_FIELD.findall(source)):
                wrong.append(f"{_label(message)}: %-placeholders differ in {form!r}")
            # Newstyle gettext in templates always applies %, so a lone % would raise there.
            if "%" in PERCENT_FIELD.sub("", form) and "%" not in PERCENT_FIELD.sub("", source):
                wrong.append(f"{_label(message)}: lone % in {form!r} (write %%)")
    assert not wrong, "\n".join(wrong)


def test_indonesian_is_served_and_english_falls_back_to_the_msgid():
    assert i18n.gettext_for("id")("Dashboard") == "Dasbor"
    assert i18n.gettext_for("en")("Dashboard") == "Dashboard"
    assert i18n.gettext_for("id")("A msgid nobody wrote") == "A msgid nobody wrote"
    assert i18n.ngettext_for("id")("%(num)d project", "%(num)d projects", 1) == "%(num)d proyek"
    assert i18n.ngettext_for("id")("%(num)d project", "%(num)d projects", 5) == "%(num)d proyek"
    assert i18n.ngettext_for("en")("%(num)d project", "%(num)d projects", 1) == "%(num)d project"
    assert i18n.ngettext_for("en")("%(num)d project", "%(num)d projects", 5) == "%(num)d projects"
