"""Languages: Persian first (right to left), English one click away; Jalali dates, Persian digits.

Translations live in ``web/translations/<lang>/LC_MESSAGES/messages.po``. An
installed package ships the compiled ``.mo`` files (the build compiles them) and
never writes next to them; in a development checkout the app compiles a ``.mo``
when its ``.po`` is newer (they are not kept in git), so editing a catalogue
needs no extra step.
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l

from engine.calendar import TEHRAN, persian_digits, to_jalali

from .reference import provinces, roles
from .services.cases import SUPERVISING_ROLES

LANGUAGES = {"fa": {"name": "فارسی", "dir": "rtl"}, "en": {"name": "English", "dir": "ltr"}}
DEFAULT_LANGUAGE = "fa"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
log = logging.getLogger(__name__)

babel = Babel()


def select_locale() -> str:
    if not has_request_context():   # the CLI, the worker: Persian, the service's first language
        return DEFAULT_LANGUAGE
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    header = request.headers.get("Accept-Language") if request else None
    if header and request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE


def is_source_checkout(directory: Path = TRANSLATIONS) -> bool:
    """Whether ``directory`` is inside a development checkout (not an installed package)."""
    return (directory.parent.parent / "pyproject.toml").is_file()


def compile_catalogs(directory: Path = TRANSLATIONS) -> None:
    """Build each messages.mo from its messages.po when the .po is newer (development checkouts only).

    An installed package uses the .mo files its build compiled. A directory that cannot be
    written is logged and left as it is: the app then serves the catalogues already there.
    """
    if not is_source_checkout(directory):
        return
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        tmp = mo_path.with_suffix(".mo.tmp")
        try:
            with tmp.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            tmp.replace(mo_path)
        except OSError as exc:
            log.warning("cannot compile %s (%s); serving the catalogue already compiled, if any", po_path, exc)


BETWEEN_DIGITS = re.compile(r"(?<=\d)([.,])(?=\d)")
PERSIAN_SEPARATORS = {".": "\u066b", ",": "\u066c"}   # ٫ decimal separator, ٬ thousands separator


def digits(value: Any) -> str:
    """Persian digits (and the Persian decimal and thousands separators) in Persian, as they are in English."""
    text = str(value)
    if current_language() != "fa":
        return text
    return persian_digits(BETWEEN_DIGITS.sub(lambda m: PERSIAN_SEPARATORS[m.group(1)], text))


def join_list(values: Any) -> str:
    """Items joined with the language's list separator («، » in Persian, ", " in English)."""
    return ("، " if current_language() == "fa" else ", ").join(str(v) for v in values)


PERSIAN_ALPHABET = "آاأإبپتثجچحخدذرزژسشصضطظعغفقکگلمنوؤهةیئ"
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


def persian_sort_key(text: str) -> tuple[int, ...]:
    """Sort Persian words in alphabet order (پ after ب, گ after ک), which code points do not give."""
    order = {letter: n for n, letter in enumerate(PERSIAN_ALPHABET)}
    return tuple(order.get(ch, 100 + ord(ch)) for ch in text.translate(_FOLD))


def sorted_provinces(items: Any = None) -> list:
    """Provinces by name in the user's language (Persian alphabet order in Persian)."""
    chosen = list(provinces().values()) if items is None else list(items)
    if current_language() == "fa":
        return sorted(chosen, key=lambda p: persian_sort_key(p.fa))
    return sorted(chosen, key=lambda p: p.en.casefold())


def jalali(value: date | datetime | None, with_time: bool = False) -> str:
    """A date as users read it: Jalali in Persian (Persian digits), ISO in English; Tehran time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(TEHRAN)
        day, clock = local.date(), local.strftime("%H:%M")
    else:
        day, clock = value, ""
    text = to_jalali(day) if current_language() == "fa" else day.isoformat()
    if with_time and clock:
        text = f"{text} {clock}"
    return digits(text)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    compile_catalogs()
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["digits"] = digits
    app.jinja_env.filters["jalali"] = jalali
    app.jinja_env.filters["join_list"] = join_list
    app.jinja_env.globals["stage_label"] = stage_label
    app.jinja_env.globals["event_label"] = event_label
    app.jinja_env.globals["status_label"] = status_label
    app.jinja_env.globals["province_name"] = province_name
    app.jinja_env.globals["local_name"] = local_name
    app.jinja_env.globals["role_name"] = role_name
    app.jinja_env.globals["province_list"] = sorted_provinces
    app.jinja_env.globals["supervising_roles"] = SUPERVISING_ROLES
    app.jinja_env.globals["stages"] = lambda: {code: str(label) for code, label in STAGES.items()}

    @app.context_processor
    def _language() -> dict[str, Any]:
        language = current_language()
        return {"lang": language, "text_dir": LANGUAGES[language]["dir"], "languages": LANGUAGES}


STAGES = {
    "identification": _l("Identification and ranking"),
    "feasibility": _l("Feasibility study"),
    "permit": _l("Request and permit"),
    "contracts": _l("Contracts"),
    "diagnostic": _l("Diagnostic study"),
    "council_formation": _l("Forming the steering council"),
    "action_plan": _l("Action plan"),
    "implementation": _l("Implementation"),
    "evaluation": _l("Evaluation"),
    "exit": _l("Agent's exit"),
    "closed": _l("Closed"),
}


def stage_label(stage: str | None) -> str:
    return str(STAGES.get(stage, stage or ""))


EVENTS = {
    "instance_started": _l("Case started"),
    "instance_completed": _l("Case completed"),
    "instance_spawned": _l("Started a linked case"),
    "task_completed": _l("Task completed"),
    "task_claimed": _l("Task claimed"),
    "task_unclaimed": _l("Task released"),
    "task_handed_over": _l("Task handed over"),
    "task_cancelled": _l("Task withdrawn"),
    "permit_issued": _l("Permit recorded"),
    "permit_refused": _l("Permit refused"),
    "permit_renewed": _l("Permit renewed"),
    "permit_not_renewed": _l("Permit not renewed"),
    "permit_amended": _l("Permit amended"),
    "permit_cancelled": _l("Permit cancelled"),
    "timer_fired": _l("Deadline reached"),
    "timer_failed": _l("Scheduled step failed"),
    "message_delivered": _l("Message received"),
    "message_unrouted": _l("Message not delivered"),
    "deployed": _l("New process version deployed"),
    "instance_migrated": _l("Moved to a newer process version"),
    "stage_changed": _l("Stage changed"),
    "instance_suspended": _l("Case suspended"),
    "instance_running": _l("Case resumed"),
    "instance_terminated": _l("Case terminated"),
    "instance_retried": _l("Failed step run again"),
    "firms_asked": _l("The cluster's firms were asked (each represented firm got its own case)"),
    "no_firms_asked": _l("No firm was asked: none of the cluster's firms has a confirmed representative yet"),
    "announcement_posted": _l("Announcement posted to the cluster's firms"),
    "joint_action_done": _l("Joint action done"),
}


def event_label(action: str) -> str:
    return str(EVENTS.get(action, action))


STATUSES = {"running": _l("Running"), "completed": _l("Completed"), "suspended": _l("Suspended"),
            "terminated": _l("Terminated")}


def status_label(status: str | None) -> str:
    return str(STATUSES.get(status, status or ""))


def local_name(name: str | None, name_en: str | None) -> str:
    """A process's or task's name in the user's language: the designer's English name in English, if given."""
    if current_language() == "en" and name_en:
        return name_en
    return name or name_en or ""


def province_name(province_id: str | None) -> str:
    province = provinces().get(province_id) if province_id else None
    if province is None:
        return province_id or ""
    return province.fa if current_language() == "fa" else province.en


def role_name(role_id: str | None) -> str:
    role = roles().get(role_id) if role_id else None
    if role is None:
        return role_id or ""
    return role.fa if current_language() == "fa" else role.en
