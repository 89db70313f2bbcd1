"""`japra schedule`: an instalment schedule on the command line, no database needed.

Figures as in tests/finance/test_instalment.py: FLPP Rp100.000.000 at 5% over 240 months pays
659.956 a month (the formula's 659.955,74 rounded half up), the last 659.854, interest 58.389.338.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli


@pytest.fixture
def schedule_cli(tmp_path):
    def run(*args: str):
        # No database is opened; run_cli only needs a URL to put in the environment.
        return run_cli(["schedule", *args], f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path / "data")
    return run


def as_json(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_flpp_annuity_as_json(schedule_cli, tmp_path):
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
    assert not (tmp_path / "unused.sqlite3").exists()


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
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 5 and "principal" in lines[0]
    assert lines[1].split() == ["1", "-", "400.000", "0", "400.000", "800.000"]
    assert lines[-1].split() == ["1.200.000", "0", "1.200.000"]


@pytest.mark.parametrize(("args", "message"), [
    (["--annual-rate", "5"], "--annual-rate: annual_rate must be a fraction from 0 to 0.5"),
    (["--annual-rate", "lima"], "--annual-rate must be a fraction such as 0.05 or a percent such as 5%"),
    (["--method", "anuitas"], "--method: method must be one of annuity, declining, flat, murabahah, none"),
    (["--grace-months", "12"], "--grace-months: grace_months must be from 0 to 11"),
    (["--months", "0"], "--months: months must be from 1 to 480"),
    (["--principal", "-1"], "--principal: principal must be 0 or more"),
    (["--start", "2027-02-30"], "--start must be a date written YYYY-MM-DD"),
    (["--start", "31/01/2027"], "--start must be a date written YYYY-MM-DD"),
    (["--principal", "100.000.000"], "Invalid value for '--principal'"),
])
def test_bad_input_exits_2_with_a_clear_message(schedule_cli, args, message):
    base = {"--principal": "1000000", "--annual-rate": "5%", "--months": "12", "--method": "annuity"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = schedule_cli(*[part for pair in base.items() for part in pair], "--json")
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
