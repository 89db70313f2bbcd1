"""Show-cause meetings: SCM I, II, III in sequence, each after the previous target was missed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from progress import ProgressError
from progress.showcause import ShowCauseMeeting, check_meetings, check_new, judge, next_step

D = Decimal


def scm(level, held, target_date, target="40", outcome=None):
    return ShowCauseMeeting(level, held, D(target), target_date, outcome)


I_MISSED = scm(1, date(2026, 3, 2), date(2026, 3, 16), "30", "missed")
II_MISSED = scm(2, date(2026, 3, 17), date(2026, 3, 31), "36", "missed")
III_OPEN = scm(3, date(2026, 4, 1), date(2026, 4, 15), "42")


def test_the_full_sequence_and_what_comes_next():
    assert next_step([], "normal") == ("none", None)
    assert next_step([], "terlambat") == ("none", None)
    assert next_step([], "kritis") == ("scm", 1)
    assert next_step([I_MISSED], "kritis") == ("scm", 2)
    assert next_step([I_MISSED, II_MISSED, III_OPEN], "kritis") == ("await_outcome", 3)
    third_missed = scm(3, date(2026, 4, 1), date(2026, 4, 15), "42", "missed")
    assert next_step([I_MISSED, II_MISSED, third_missed], "kritis") == ("termination", 3)
    assert check_meetings([I_MISSED, II_MISSED, III_OPEN]) == (I_MISSED, II_MISSED, III_OPEN)
    assert III_OPEN.name == "SCM III"


def test_a_met_target_ends_the_sequence_and_a_new_critical_run_starts_at_scm_i():
    met = scm(1, date(2026, 3, 2), date(2026, 3, 16), "30", "met")
    assert next_step([met], "normal") == ("none", None)
    assert next_step([met], "kritis") == ("scm", 1)
    again = scm(1, date(2026, 6, 1), date(2026, 6, 15))
    assert check_meetings([met, again])
    with pytest.raises(ProgressError) as error:
        check_meetings([met, scm(2, date(2026, 6, 1), date(2026, 6, 15))])
    assert str(error.value) == "SCM II cannot be held now: the next show-cause meeting is SCM I."


def test_scm_ii_only_after_scm_i_missed_its_target_and_after_its_date():
    with pytest.raises(ProgressError) as error:
        check_meetings([scm(2, date(2026, 3, 2), date(2026, 3, 16))])
    assert error.value.codes == ("scm.out_of_sequence",)
    open_first = scm(1, date(2026, 3, 2), date(2026, 3, 16))
    with pytest.raises(ProgressError) as error:
        check_meetings([open_first, scm(2, date(2026, 3, 17), date(2026, 3, 31))])
    assert error.value.codes == ("scm.previous_open",)
    with pytest.raises(ProgressError) as error:
        check_meetings([I_MISSED, scm(2, date(2026, 3, 10), date(2026, 3, 31))])
    assert "before the target date of SCM I (2026-03-16)" in str(error.value)
    third_missed = scm(3, date(2026, 4, 1), date(2026, 4, 15), "42", "missed")
    with pytest.raises(ProgressError) as error:
        check_meetings([I_MISSED, II_MISSED, third_missed, scm(1, date(2026, 5, 1), date(2026, 5, 15))])
    assert error.value.codes == ("scm.after_third",)


def test_a_meeting_is_checked_for_its_target_and_dates():
    with pytest.raises(ProgressError) as error:
        check_meetings([scm(1, date(2026, 3, 2), date(2026, 3, 2), "101", "maybe")])
    assert error.value.codes == ("scm.target_out_of_range", "scm.target_date_not_after", "scm.outcome_unknown")
    early_miss = scm(1, date(2026, 3, 2), date(2026, 3, 16), "30", "missed")
    with pytest.raises(ProgressError) as error:
        check_meetings([early_miss], as_of=date(2026, 3, 10))
    assert error.value.codes == ("scm.missed_early",)
    assert check_meetings([scm(1, date(2026, 3, 2), date(2026, 3, 16), "30", "met")], as_of=date(2026, 3, 10))
    with pytest.raises(ProgressError):
        check_meetings([ShowCauseMeeting(4, date(2026, 3, 2), D(30), date(2026, 3, 16))])


def test_scm_i_needs_a_critical_contract():
    new = scm(1, date(2026, 3, 2), date(2026, 3, 16))
    assert check_new([], new, "kritis", date(2026, 3, 2)) == new
    with pytest.raises(ProgressError) as error:
        check_new([], new, "terlambat", date(2026, 3, 2))
    assert error.value.codes == ("scm.not_critical",)
    # after SCM I missed, SCM II follows whatever the status is that day
    assert check_new([I_MISSED], scm(2, date(2026, 3, 17), date(2026, 3, 31)), "terlambat", date(2026, 3, 17))


def test_judge_compares_the_actual_progress_at_the_target_date():
    meeting = scm(1, date(2026, 3, 2), date(2026, 3, 16), "30")
    assert judge(meeting, D("30.00")) == "met"
    assert judge(meeting, D("29.99")) == "missed"
