"""The S-curve as an SVG chart in the reader's language, for the construction pages and the printed reports."""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

from app.i18n import babel_locale, gettext_for
from progress.chart import ChartLabels, scurve_svg


def chart_labels(locale: str) -> ChartLabels:
    _ = gettext_for(locale)
    months = tuple(format_date(date(2000, m, 1), "MMM", locale=babel_locale(locale)) for m in range(1, 13))
    return ChartLabels(title=_("S-curve"), planned=_("Planned"), actual=_("Actual"), band=_("Behind (terlambat)"),
                       critical=_("Kontrak kritis below this line"), as_of=_("Today"), y_axis=_("Progress"),
                       months=months)



def scurve_chart(curve, start: date, as_of: date, locale: str, **size) -> str:
    return scurve_svg(curve.planned, curve.actual, start=start, as_of=as_of, labels=chart_labels(locale), **size)
