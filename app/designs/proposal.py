"""The printable cost proposal of a scenario (A4, Bahasa Indonesia by default): for boards, funders, the city.

Everything in it comes from `app.designs.service.compute`, the same figures as the scenario page,
so the paper and the screen never disagree; the document id names the exact inputs.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from app import labels
from app.designs import service as designs
from app.designs.models import Scenario
from app.documents.pdf import render_pdf
from app.documents.sitemap import site_svg
from app.i18n import JAKARTA, format_rupiah, gettext_for, normalise_locale, render_message
from app.projects.models import Project
from costing.estimate import PARAMETRIC_RATES, TAX_PRESETS
from costing.rab import DIVISIONS

TEMPLATE = "pdf/proposal.html"
UNIT_ROWS_MAX = 60  # up to this many units, one row each; above, one row per unit type and floor
PARCEL_ROWS_MAX = 20
_MARK_PAGE, _MARK_PAGES = "\x01", "\x02"


def css_string(text: str) -> Markup:
    """`text` as a quoted CSS string, safe inside a <style> element (which HTML does not unescape)."""
    escaped = (str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
               .replace(">", "\\3e "))
    return Markup(f'"{escaped}"')  # noqa: S704  (escaped for CSS above)


def page_counter_css(locale: str) -> Markup:
    """CSS `content` for "Halaman X dari Y" from the catalogue's "Page %(page)s of %(pages)s"."""
    text = gettext_for(locale)("Page %(page)s of %(pages)s") % {"page": _MARK_PAGE, "pages": _MARK_PAGES}
    parts: list[str] = []
    buffer = ""
    for char in text:
        if char in (_MARK_PAGE, _MARK_PAGES):
            if buffer:
                parts.append(css_string(buffer))
            parts.append("counter(page)" if char == _MARK_PAGE else "counter(pages)")
            buffer = ""
        else:
            buffer += char
    if buffer:
        parts.append(css_string(buffer))
    return Markup(" ".join(parts))  # noqa: S704  (CSS strings escaped by css_string)


def _unit_rows(cost: designs.ScenarioCost, type_names: dict[str, str]) -> tuple[bool, list[dict[str, Any]]]:
    """(grouped, rows): each unit when there are few, else per unit type and floor."""
    if cost.unit_count <= UNIT_ROWS_MAX:
        return False, [
            {"code": u.code, "building": u.building, "floor": u.floor, "type": type_names.get(u.unit_type, u.unit_type),
             "area": u.net_area_m2, "cost": c}
            for u, c in zip(cost.units, cost.unit_costs, strict=True)
        ]
    groups: dict[tuple[str, int], list[tuple[Any, int]]] = {}
    for unit, amount in zip(cost.units, cost.unit_costs, strict=True):
        groups.setdefault((unit.unit_type, unit.floor), []).append((unit, amount))
    order = list(type_names)
    rows = []
    for (code, floor), members in sorted(groups.items(), key=lambda kv: (
            order.index(kv[0][0]) if kv[0][0] in order else len(order), kv[0][1])):
        amounts = [a for _u, a in members]
        areas = sorted({u.net_area_m2 for u, _a in members})
        rows.append({"type": type_names.get(code, code), "floor": floor, "count": len(members),
                     "area": areas[0] if len(areas) == 1 else None, "low": min(amounts), "high": max(amounts),
                     "sum": sum(amounts)})
    return True, rows


def _rounding_note(cost: designs.ScenarioCost) -> bool:
    """Whether units alike (same floor and area) differ by a rupiah of rounding, which a reader may query."""
    spans: dict[tuple[int, Decimal], list[int]] = {}
    for unit, amount in zip(cost.units, cost.unit_costs, strict=True):
        spans.setdefault((unit.floor, unit.net_area_m2), []).append(amount)
    return any(max(a) - min(a) == 1 for a in spans.values())


def _site(project: Project, locale: str) -> dict[str, Any] | None:
    site = project.site
    if site is None:
        return None
    parcels = list(site.parcels)
    capacity = buildable = None
    if parcels:
        from app.sites.service import site_capacity

        try:
            capacity = site_capacity(project)
        except ValueError:  # zoning that cannot be applied (gis.capacity.InvalidZoning is a ValueError)
            capacity = None
        buildable = capacity.buildable_footprint if capacity else None
    svg = site_svg(parcels, buildable, width_mm=170, height_mm=90, locale=locale)
    return {
        "site": site,
        "parcels": parcels,
        "area_m2": sum(p.area_m2 for p in parcels),
        "map": Markup(svg) if svg else None,  # noqa: S704  (built by site_svg, which escapes its text)
        "buildable_m2": capacity.buildable_area_m2 if capacity and buildable is not None else None,
        "address": ", ".join(x for x in (site.address, site.kelurahan and f"Kel. {site.kelurahan}",
                                         site.kecamatan and f"Kec. {site.kecamatan}", site.city) if x),
    }


def _rab_groups(cost: designs.ScenarioCost) -> list[tuple[str, list[Any], int]]:
    """The detailed RAB by division, in the order of the recap: (division, lines, subtotal)."""
    groups: dict[str, list[Any]] = {}
    for line in cost.rab_lines:
        groups.setdefault(line.division, []).append(line)
    order = list(DIVISIONS)
    return [(d, lines, sum(line.amount for line in lines))
            for d, lines in sorted(groups.items(), key=lambda kv: order.index(kv[0]))]


def proposal_html(session: Session, project: Project, scenario: Scenario, *, locale: str = "id",
                  appendix: bool = False, printed_on: date | None = None) -> str:
    """The HTML of the proposal; `proposal_pdf` prints it. Raises CostingError/FinanceError as `compute` does."""
    from app.web.templating import environment

    locale = normalise_locale(locale)
    cost = designs.check_zoning(designs.compute(session, scenario), designs.site_check(project))
    gettext = gettext_for(locale)

    def warning_text(message) -> str:
        text = render_message(message, locale)
        if message.code == "design.rab_partial":  # the divisions by name, in the reader's language
            text += " (" + ", ".join(gettext(DIVISIONS[d]) for d in cost.rab_missing) + ")"
        return text
    type_names = {t.code: t.name for t in scenario.unit_types}
    grouped, unit_rows = _unit_rows(cost, type_names)
    units_by_building: dict[str, int] = {}
    units_by_type: dict[str, int] = {}
    for unit in cost.units:
        units_by_building[unit.building] = units_by_building.get(unit.building, 0) + 1
        units_by_type[unit.unit_type] = units_by_type.get(unit.unit_type, 0) + 1
    preset = TAX_PRESETS[scenario.tax_preset]
    financing = designs.financing_of(scenario)
    printed = printed_on or datetime.now(JAKARTA).date()
    place = (project.site.city if project.site and project.site.city else None) or "Jakarta"
    context = {
        "locale": locale,
        "project": project,
        "cooperative": project.cooperative,
        "scenario": scenario,
        "cost": cost,
        "printed_on": printed,
        "place": place,
        "site": _site(project, locale),
        "parcel_rows_max": PARCEL_ROWS_MAX,
        "land_statuses": labels.LAND_STATUSES,
        "land_colors": labels.LAND_STATUS_COLORS,
        "lines": [(line.code, render_message(line.label, locale), render_message(line.basis, locale), line.amount)
                  for line in cost.project.lines],
        "warnings": [warning_text(w) for w in cost.warnings],
        "breaches": [render_message(b, locale) for b in cost.breaches],
        "zoning_note": render_message(cost.zoning_note, locale) if cost.zoning_note else None,
        "type_rate": PARAMETRIC_RATES.get(scenario.building_type),
        "divisions": DIVISIONS,
        "unit_rows": unit_rows,
        "grouped": grouped,
        "rounding_note": _rounding_note(cost),
        "units_by_building": units_by_building,
        "units_by_type": units_by_type,
        "type_names": type_names,
        "tax_label": preset.label,
        "tax_rate": Decimal(scenario.tax_rate_pct) if scenario.tax_rate_pct is not None else preset.rate,
        "tax_dtp": preset.borne_by_government,
        "financing": financing,
        "loan_method": labels.LOAN_METHODS.get(financing["method"], financing["method"]),
        "allocation_label": labels.ALLOCATION_METHODS.get(scenario.allocation, scenario.allocation),
        "building_type_label": labels.BUILDING_TYPES.get(scenario.building_type, scenario.building_type),
        "floor_factors": sorted((int(k), v) for k, v in (scenario.floor_factors or {}).items()),
        "appendix": appendix and bool(cost.rab_lines),
        "rab_groups": _rab_groups(cost) if appendix else [],
        "rupiah_formal": lambda amount: format_rupiah(amount, locale, formal=True),
        "css_string": css_string,
        "page_counter": page_counter_css(locale),
        "running_title": css_string(f"{project.name} · {scenario.name}"),
    }
    return environment().get_template(TEMPLATE).render(context)


def proposal_pdf(session: Session, project: Project, scenario: Scenario, *, locale: str = "id",
                 appendix: bool = False, printed_on: date | None = None) -> bytes:
    """The cost proposal as PDF bytes; with `appendix`, the detailed RAB follows (RAB scenarios only)."""
    return render_pdf(proposal_html(session, project, scenario, locale=locale, appendix=appendix,
                                    printed_on=printed_on))
