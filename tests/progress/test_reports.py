"""Progress reports, the actual S-curve, deviation and kontrak kritis (status and since when)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from progress import ProgressError
from progress.reports import (
    Report,
    actual_curve,
    check_report,
    check_reports,
    critical_line,
    scurve,
    scurves,
    status,
)
from progress.schedule import WorkPackage

D = Decimal
MON = date(2026, 1, 5)


def day(n: int) -> date:
    return MON + timedelta(days=n)


# Two buildings, each one package over days 0-99: planned at the end of day d is d + 1 percent.
PACKAGES = [
    WorkPackage("a", "A", "struktur", D(60), day(0), day(99), name="Struktur A"),
    WorkPackage("b", "B", "struktur", D(40), day(0), day(99), name="Struktur B"),
]


def even(n: int, pct) -> Report:
    return Report(day(n), {"a": D(pct), "b": D(pct)})


@pytest.mark.parametrize(
    ("planned", "actual", "expected"),
    [
        ("0", "0", "normal"),
        ("50", "50", "normal"),
        ("50", "61", "normal"),  # ahead
        ("50", "49.99", "terlambat"),
        ("10", "0", "terlambat"),  # exactly 10 behind is not MORE than 10
        ("10.01", "0", "kritis"),
        ("69.99", "59.99", "terlambat"),
        ("69.99", "59.98", "kritis"),
        # exactly 70% planned is period I (0-70%): the 10-point rule
        ("70", "60", "terlambat"),
        ("70", "59.99", "kritis"),
        ("70", "65", "terlambat"),
        # just above 70% is period II (70-100%): the 5-point rule
        ("70.01", "65.01", "terlambat"),
        ("70.01", "65.00", "kritis"),
        ("70.01", "60.01", "kritis"),
        ("100", "95", "terlambat"),
        ("100", "94.99", "kritis"),
    ],
)
def test_status_on_both_sides_of_70_and_at_the_boundaries(planned, actual, expected):
    assert status(D(planned), D(actual)) == expected


def test_the_critical_line_steps_at_70():
    assert critical_line(D("5")) == 0
    assert critical_line(D("70")) == 60
    assert critical_line(D("70.01")) == D("65.01")


def test_actual_curve_carries_packages_not_reported_forward():
    reports = [
        Report(day(6), {"a": 50}),  # 60 x 50% = 30
        Report(day(13), {"b": 25}),  # a still 50%: 30 + 40 x 25% = 40
        Report(day(20), {"a": D("40")}, {"a": "formwork of floor 3 failed inspection, recast"}),  # 24 + 10
    ]
    curves = actual_curve(PACKAGES, reports)
    assert [(p.date, p.pct) for p in curves.project] == [(day(6), D("30.00")), (day(13), D("40.00")),
                                                          (day(20), D("34.00"))]
    assert [p.pct for p in curves.buildings["A"]] == [D("50.00"), D("50.00"), D("40.00")]
    assert [p.pct for p in curves.buildings["B"]] == [D("0.00"), D("25.00"), D("25.00")]


def test_every_problem_of_a_report_is_named_at_once():
    reports = [
        Report(day(6), {"a": 50, "b": 10}),
        Report(day(6), {"a": 40, "b": D("100.5"), "c": 5, "x": 1}),
        Report(day(13), {"a": -1, "b": 50.0}),
    ]
    with pytest.raises(ProgressError) as error:
        check_reports(PACKAGES, reports)
    assert error.value.codes == (
        "report.out_of_order",
        "report.lower_without_reason",
        "report.percent_out_of_range",
        "report.package_unknown",
        "report.package_unknown",
        "report.percent_out_of_range",
        "report.percent_not_a_number",
    )
    messages = [str(p.message) for p in error.value.problems]
    assert messages[1] == ("Report of 2026-01-11, work package Struktur A: 40% is lower than the 50% reported on "
                           "2026-01-11; write why it went down.")
    assert messages[2] == "Report of 2026-01-11, work package Struktur B: 100.5% is not from 0 to 100."
    assert [p.field for p in error.value.problems][:3] == ["date", "reason", "percent"]
    assert error.value.problems[1].package == "a"


def test_a_lower_percent_with_a_written_reason_is_accepted_and_blank_is_no_reason():
    good = [even(6, 50), Report(day(13), {"a": 45}, {"a": "recount of the brickwork"})]
    assert check_reports(PACKAGES, good)[1].percents == {"a": D(45)}
    with pytest.raises(ProgressError) as error:
        check_reports(PACKAGES, [even(6, 50), Report(day(13), {"a": 45}, {"a": "   "})])
    assert error.value.codes == ("report.lower_without_reason",)
    assert check_reports(PACKAGES, [even(6, 50), even(13, 50)])  # the same percent again is fine


def test_check_report_checks_a_new_report_against_the_stored_ones():
    earlier = [even(6, 30), even(13, 40)]
    assert check_report(PACKAGES, earlier, Report(day(20), {"a": "45.5"})).percents == {"a": D("45.5")}
    with pytest.raises(ProgressError) as error:
        check_report(PACKAGES, earlier, Report(day(13), {"a": 35}))
    assert error.value.codes == ("report.out_of_order", "report.lower_without_reason")


def test_status_at_the_70_percent_line_through_the_curves():
    # day 69: planned 70.00 -> period I; day 70: planned 71.00 -> period II
    assert scurve(PACKAGES, [even(69, 60)], day(69)).assessment.status == "terlambat"
    assert scurve(PACKAGES, [even(69, "59.99")], day(69)).assessment.status == "kritis"
    assert scurve(PACKAGES, [even(70, 66)], day(70)).assessment.status == "terlambat"
    assert scurve(PACKAGES, [even(70, "65.99")], day(70)).assessment.status == "kritis"


REPORTS = [even(6, 2), even(13, 3), even(20, 12), even(27, 17), even(34, 20)]
#           5 behind:   11 behind:   9 behind:     11 behind:    15 behind
#           terlambat   kritis       terlambat     kritis        kritis


def test_deviation_and_critical_since_the_first_report_of_the_current_run():
    a = scurve(PACKAGES, REPORTS, day(40)).assessment
    assert (a.report_date, a.planned_pct, a.actual_pct, a.deviation_pct) == (day(34), D("35.00"), D("20.00"),
                                                                              D("-15.00"))
    assert a.status == "kritis" and a.critical_since == day(27) and a.days_since_report == 6
    assert scurve(PACKAGES, REPORTS, day(30)).assessment.critical_since == day(27)
    earlier = scurve(PACKAGES, REPORTS, day(25)).assessment
    assert (earlier.status, earlier.critical_since, earlier.report_date) == ("terlambat", None, day(20))
    assert scurve(PACKAGES, REPORTS, day(13)).assessment.critical_since == day(13)
    assert scurve(PACKAGES, REPORTS, day(6)).assessment.status == "terlambat"
    assert scurve(PACKAGES, [even(6, 7)], day(6)).assessment.status == "normal"


def test_before_any_report_nothing_is_done():
    early = scurve(PACKAGES, [], day(8)).assessment  # planned 9: 9 behind
    assert (early.status, early.report_date, early.actual_pct, early.deviation_pct) == ("terlambat", None,
                                                                                         D("0.00"), D("-9.00"))
    late = scurve(PACKAGES, [], day(14)).assessment
    assert late.status == "kritis"
    assert late.critical_since == day(10)  # planned 11 on day 10; exactly 10 on day 9 is not critical
    assert scurve(PACKAGES, [], day(-5)).assessment.status == "normal"


def test_periods_are_weeks_with_the_actual_carried_forward_until_the_as_of_date():
    curve = scurve(PACKAGES, [even(3, 2), *REPORTS[1:]], day(16))
    assert len(curve.periods) == 15  # days 0-99: fifteen weeks, the last ending on day 104
    first, second, third = curve.periods[:3]
    assert (first.date, first.planned_pct, first.actual_pct) == (day(6), D("7.00"), D("2.00"))  # day-3 report
    assert (second.date, second.actual_pct) == (day(13), D("3.00"))
    assert (third.date, third.actual_pct) == (day(20), None)  # after the as-of date
    assert curve.periods[-1].planned_pct == D("100.00")
    assert [p.date for p in curve.actual] == [day(3), day(13)]  # reports after the as-of date left out


def test_weeks_go_on_while_a_late_project_still_reports():
    curve = scurve(PACKAGES, [even(120, 90)], day(130))
    assert curve.periods[-1].date == day(125) and curve.periods[-1].actual_pct == D("90.00")
    assert curve.assessment.status == "kritis"  # 100 planned, 90 done: 10 behind in period II


def test_each_building_has_its_own_status():
    reports = [Report(day(20), {"a": 21, "b": 5})]  # planned 21 for both
    result = scurves(PACKAGES, reports, day(20))
    assert result.buildings["A"].assessment.status == "normal"
    assert result.buildings["B"].assessment.status == "kritis"
    assert result.project.assessment.actual_pct == D("14.60")  # 60 x 21% + 40 x 5%
    assert scurve(PACKAGES, reports, day(20), building="B").assessment.deviation_pct == D("-16.00")
    with pytest.raises(ProgressError) as error:
        scurve(PACKAGES, reports, day(20), building="Z")
    assert error.value.field == "building"
