"""`japra schedule`: an instalment schedule on the command line, no database needed.

Figures as in tests/finance/test_instalment.py: FLPP Rp100.000.000 at 5% over 240 months pays
659.956 a month (the formula's 659.955,74 rounded half up), the last 659.854, interest 58.389.338.
"""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def schedule_cli(offline_cli):
    return lambda *args: offline_cli("schedule", *args)


def as_json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_flpp_annuity_as_json(schedule_cli):
    out = as_json(schedule_cli("--principal", "100000000", "--annual-rate", "0.05", "--months", "240",
                               "--method", "annuity", "--json"))
    assert set(out) == {"inputs", "instalments", "totals"}
    assert out["inputs"] == {"principal": 100_000_000, "annual_rate": "0.05", "months": 240, "method": "annuity",
                             "grace_months": 0, "start": None}
    assert len(out["instalments"]) == 240
    assert out["instalments"][0] == {"n": 1, "due_date": None, "principal": 243_289, "interest": 416_667,
                                     "payment": 659_956, "balance": 99_756_711}
    assert out["instalments"][-1] == {"n": 240, "due_date": None, "principal": 657_116, "interest": 2_738,
                                      "payment": 659_854, "balance": 0}
    assert out["totals"] == {"principal": 100_000_000, "interest": 58_389_338, "payment": 158_389_338}


def test_a_percent_rate_grace_months_and_month_end_due_dates(schedule_cli):
    out = as_json(schedule_cli("--principal", "3000000", "--annual-rate", "12%", "--months", "4",
                               "--method", "declining", "--grace-months", "1", "--start", "2027-01-31", "--json"))
    assert out["inputs"]["annual_rate"] == "0.12" and out["inputs"]["start"] == "2027-01-31"
    assert out["instalments"] == [
        {"n": 1, "due_date": "2027-01-31", "principal": 0, "interest": 30_000, "payment": 30_000,
         "balance": 3_000_000},
        {"n": 2, "due_date": "2027-02-28", "principal": 1_000_000, "interest": 30_000, "payment": 1_030_000,
         "balance": 2_000_000},
        {"n": 3, "due_date": "2027-03-31", "principal": 1_000_000, "interest": 20_000, "payment": 1_020_000,
         "balance": 1_000_000},
        {"n": 4, "due_date": "2027-04-30", "principal": 1_000_000, "interest": 10_000, "payment": 1_010_000,
         "balance": 0},
    ]
    assert out["totals"] == {"principal": 3_000_000, "interest": 90_000, "payment": 3_090_000}


def test_murabahah_margin_rounded_once(schedule_cli):
    # Margin 1.000 x 10% x 7 / 12 = 58,33 -> 58; the price 1.058 in 7 payments, the remainder in the last.
    out = as_json(schedule_cli("--principal", "1000", "--annual-rate", "10%", "--months", "7",
                               "--method", "murabahah", "--json"))
    assert [row["payment"] for row in out["instalments"]] == [151] * 6 + [152]
    assert out["totals"] == {"principal": 1_000, "interest": 58, "payment": 1_058}


def test_the_table_without_json(schedule_cli):
    result = schedule_cli("--principal", "1200000", "--annual-rate", "0", "--months", "3", "--method", "none")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and "principal" in lines[0]
    assert lines[1].split() == ["1", "-", "400.000", "0", "400.000", "800.000"]
    assert lines[-1].split() == ["1.200.000", "0", "1.200.000"]


def test_amounts_and_rates_are_read_as_people_write_them(schedule_cli):
    out = as_json(schedule_cli("--principal", "Rp100.000.000", "--annual-rate", "5,5 %", "--months", "12",
                               "--method", "flat", "--json"))
    assert out["inputs"]["principal"] == 100_000_000 and out["inputs"]["annual_rate"] == "0.055"


@pytest.mark.parametrize(("args", "message"), [
    # Refused while the options are read, in click's words:
    (["--annual-rate", "5"], "Invalid value for '--annual-rate': The rate must be from 0 to 0.5 a year, not 5"),
    (["--annual-rate", "lima"], "Invalid value for '--annual-rate': Write the rate as a fraction (0.05)"),
    (["--start", "2027-02-30"], "Invalid value for '--start': Write the date as YYYY-MM-DD"),
    (["--start", "31/01/2027"], "Invalid value for '--start': Write the date as YYYY-MM-DD"),
    (["--start", "9999-12-01"], "Invalid value for '--start': 9999-12-01 is outside 1900 to 2200."),
    (["--principal", "-1"], "Invalid value for '--principal': Write whole rupiah"),
    (["--principal", "100000000.00"], "Invalid value for '--principal': Write whole rupiah"),
    (["--months", "dua"], "Invalid value for '--months'"),
    # Refused by the loan arithmetic (finance.instalment), naming the option and saying why:
    (["--method", "anuitas"], "--method: This value cannot be used: method. (method must be one of annuity, "
                              "declining, flat, murabahah, none"),
    (["--grace-months", "12"], "--grace-months: This value cannot be used: grace_months. (grace_months must be "
                               "from 0 to 11"),
    (["--months", "0"], "--months: This value cannot be used: months. (months must be from 1 to 480"),
])
def test_bad_input_exits_2_with_a_clear_message(schedule_cli, args, message):
    base = {"--principal": "1000000", "--annual-rate": "5%", "--months": "12", "--method": "annuity"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = schedule_cli(*[part for pair in base.items() for part in pair], "--json")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_dates_past_the_year_9999_exit_2(schedule_cli):
    # The README's own example with a start the date type refuses; 240 months from 9999-12-01 run past year 9999.
    result = schedule_cli("--principal", "100000000", "--annual-rate", "5%", "--months", "240", "--method",
                          "annuity", "--start", "9999-12-01", "--json")
    assert result.exit_code == 2 and "9999-12-01 is outside 1900 to 2200" in result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
