"""The Persian catalogue is complete and in step with the code."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "web"
METHODS = [("**.py", "python"), ("templates/*.html", "jinja2"), ("templates/**/*.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(WEB), METHODS, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue(lang: str):
    with (WEB / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def test_every_message_in_the_code_has_a_persian_translation():
    persian = {m.id: m for m in catalogue("fa") if m.id}
    missing = sorted(m for m in source_messages() if not (persian.get(m) and persian[m].string))
    assert missing == [], "run pybabel extract/update and translate: " + "; ".join(missing)


def test_no_fuzzy_or_stale_translations():
    fa = catalogue("fa")
    assert [m.id for m in fa if m.id and m.fuzzy] == []
    assert not fa.obsolete
