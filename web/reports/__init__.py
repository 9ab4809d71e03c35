"""Supervisors' reports: the dashboard, and the service identity card generated from live data."""
from __future__ import annotations

from typing import Any

import jdatetime
import marshmallow as ma
from flask import Blueprint, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import fields

from engine.calendar import MONTHS, persian_digits

from .. import unit_of_work
from ..i18n import STAGES, current_language, province_name, role_name, stage_label
from ..runtime import current_runtime
from ..security import current_actor
from ..services import dashboard, service_card
from ..services.errors import InvalidInput

bp = Blueprint("reports", __name__)


@bp.get("/dashboard")
@login_required
def dashboard_page():  # type: ignore[no-untyped-def]
    args = request.args
    filters = dashboard.DashboardFilters(province=args.get("province") or None, process_id=args.get("process") or None,
                                         period_from=args.get("from") or None, period_to=args.get("to") or None)
    errors: dict[str, list[str]] = {}
    with unit_of_work(write=False) as uow:
        def build(chosen: dashboard.DashboardFilters) -> dashboard.Dashboard:
            return dashboard.build_dashboard(uow.session, current_actor(), current_runtime().clock, chosen,
                                             stage_order=list(STAGES), firms_of=dashboard.FIRMS_COLUMN)
        try:
            dash = build(filters)
        except InvalidInput as exc:
            errors = exc.errors
            dash = build(dashboard.DashboardFilters(province=filters.province, process_id=filters.process_id))
    return render_template("reports/dashboard.html", dash=dash, charts=_charts(dash), errors=errors), \
        422 if errors else 200


@bp.get("/service-card")
@login_required
def service_card_page():  # type: ignore[no-untyped-def]
    try:
        card, errors = _card(), {}
    except InvalidInput as exc:
        card, errors = _card(default_period=True), exc.errors
    return render_template("reports/service_card.html", card=card, errors=errors), 422 if errors else 200


@bp.get("/service-card.html")
@login_required
def service_card_file():  # type: ignore[no-untyped-def]
    html = render_template("reports/service_card_standalone.html", card=_card())
    response = Response(html, mimetype="text/html")
    if request.args.get("download") == "1":
        response.headers["Content-Disposition"] = "attachment; filename=service-card.html"
    return response


@bp.get("/service-card.json")
@login_required
def service_card_json():  # type: ignore[no-untyped-def]
    card = _card()
    forms = [{"number": form.number, "title": form.title, "columns": form.columns, "rows": form.table}
             for form in card.forms]
    return jsonify({"declared": service_card.declared(), "measured": MeasuredSchema().dump(card.measured),
                    "forms": forms})


def _card(*, default_period: bool = False) -> service_card.ServiceCard:
    args = request.args
    with unit_of_work(write=False) as uow:
        return service_card.build_service_card(
            uow.session, current_actor(), current_runtime().clock, language=current_language(),
            period_from=None if default_period else args.get("from") or None,
            period_to=None if default_period else args.get("to") or None,
            province=args.get("province") or None, web_address=request.host_url, firms_of=dashboard.FIRMS_COLUMN)


class MeasuredSchema(ma.Schema):
    """The measured figures of the card; days and rates rounded as the page shows them (2 decimals)."""

    period = fields.Function(lambda m: {"from": _month_code(m.period.first), "to": _month_code(m.period.last),
                                        "months": m.period.length, "start": m.period.start.isoformat(),
                                        "end": m.period.end.isoformat()})
    provinces = fields.List(fields.String(), allow_none=True, metadata={"description": "null: every province"})
    recipients_basis = fields.String(metadata={"description": "joint_actions (firms taking part in a joint action "
                                                              "each month), firms, or cases when firm counts are unknown"})
    firms_served = fields.List(fields.Integer(), metadata={"description": "per month: firms in a joint action"})
    recipients_total = fields.Integer()
    recipients_per_month = fields.Function(lambda m: _rounded(m.recipients_per_month))
    cases_started = fields.Integer()
    cases_with_firms = fields.Integer()
    completed_cases = fields.Integer()
    mean_days = fields.Function(lambda m: _rounded(m.mean_days))
    median_days = fields.Function(lambda m: _rounded(m.median_days))
    running_cases = fields.Integer()
    running_mean_days = fields.Function(lambda m: _rounded(m.running_mean_days))
    running_longest_days = fields.Function(lambda m: _rounded(m.running_longest_days))
    rounds_started = fields.Integer()
    rounds_per_year = fields.Function(lambda m: _rounded(m.rounds_per_year))
    system_name = fields.String()
    web_address = fields.String(allow_none=True)
    electronic_stages = fields.List(fields.String())


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _month_code(month: tuple[int, int]) -> str:
    return f"{month[0]:04d}/{month[1]:02d}"


def plain(value: float | None, separator: str = "") -> str:
    """A figure with up to 2 decimals, Latin digits (for machine-readable attributes)."""
    if value is None:
        return ""
    text = f"{value:{separator}.2f}"
    return text.rstrip("0").rstrip(".")


def number(value: float | None) -> str:
    """A figure as the page shows it: up to 2 decimals; Persian digits and separators in Persian."""
    if value is None:
        return "—"
    text = plain(value, ",")
    if current_language() == "fa":
        text = persian_digits(text.replace(",", "٬").replace(".", "٫"))
    return text


def month_label(month: tuple[int, int]) -> str:
    year, index = month
    if current_language() == "fa":
        return f"{jdatetime.date.j_months_fa[index - 1]} {persian_digits(year)}"
    return f"{MONTHS[index - 1]} {year}"


def province_names(ids: list[str]) -> str:
    return ("، " if current_language() == "fa" else ", ").join(province_name(p) for p in ids)


def month_code(month: tuple[int, int]) -> str:
    """The month as typed in the period fields, in the user's digits."""
    code = _month_code(month)
    return persian_digits(code) if current_language() == "fa" else code


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"number": number, "month_label": month_label, "month_code": month_code,
            "years": service_card.years, "plain": plain, "province_names": province_names}


def _charts(dash: dashboard.Dashboard) -> dict[str, Any]:
    """What dashboard.js draws: the same figures as the page's tables, with labels in the user's language."""
    none = _("No stage")
    charts: dict[str, Any] = {
        "stages": {"labels": [stage_label(r.stage) if r.stage else none for r in dash.running_by_stage],
                   "series": [{"label": _("Running cases"), "data": [r.count for r in dash.running_by_stage]}]},
        "provinces": {"labels": [province_name(r.province) or _("No province") for r in dash.by_province],
                      "series": [{"label": _("Running cases"),
                                  "data": [r.by_status.get("running", 0) for r in dash.by_province]},
                                 {"label": _("All cases"), "data": [r.total for r in dash.by_province]}]},
        "overdue": {"labels": [role_name(r.role) or _("No role") for r in dash.overdue_by_role],
                    "series": [{"label": _("Overdue tasks"), "data": [r.overdue for r in dash.overdue_by_role]},
                               {"label": _("Open tasks"), "data": [r.open for r in dash.overdue_by_role]}]},
        "stage_times": {"labels": [stage_label(r.stage) for r in dash.stage_times],
                        "series": [{"label": _("Average (days)"),
                                    "data": [round(r.mean_days, 2) for r in dash.stage_times]},
                                   {"label": _("90th percentile (days)"),
                                    "data": [round(r.p90_days, 2) for r in dash.stage_times]}]},
        "months": {"labels": [month_label(r.month) for r in dash.months],
                   "series": [{"label": _("Cases started"), "data": [r.cases for r in dash.months]}]},
    }
    if dash.firms_available:
        charts["months"]["series"].append({"label": _("Firms served"), "data": [r.firms for r in dash.months]})
    return charts
