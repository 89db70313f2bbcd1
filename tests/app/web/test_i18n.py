from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.i18n import format_date_long, format_datetime_local, format_number, format_rupiah, normalise_locale


def test_rupiah_follows_indonesian_spelling_rules():
    assert format_rupiah(1_250_000, "id") == "Rp1.250.000"
    assert format_rupiah(1_234_567, "id", formal=True) == "Rp1.234.567,00"
    assert format_rupiah(Decimal("62000000000"), "id") == "Rp62.000.000.000"
    assert format_rupiah(-15_000, "id") == "-Rp15.000"
    assert format_rupiah(0, "id") == "Rp0"
    assert format_rupiah(1_250_000, "en") == "Rp1,250,000"


def test_rupiah_refuses_float():
    with pytest.raises(TypeError):
        format_rupiah(1.5, "id")


def test_dates_are_written_out():
    assert format_date_long(date(2026, 11, 22), "id") == "22 November 2026"
    assert format_date_long(date(2021, 8, 17), "id") == "17 Agustus 2021"
    assert format_date_long(date(2021, 8, 17), "en") == "17 August 2021"


def test_times_are_shown_in_jakarta_time():
    # 17:30 UTC is half past midnight the next day in Jakarta.
    assert format_datetime_local(datetime(2026, 11, 22, 17, 30, tzinfo=UTC), "id") == "23 November 2026, 00.30 WIB"
    assert format_date_long(datetime(2026, 11, 22, 17, 30, tzinfo=UTC), "id") == "23 November 2026"


def test_numbers_and_unknown_locales():
    assert format_number(10300.46, "id", 1) == "10.300,5"
    assert format_number(10300.46, "en", 1) == "10,300.5"
    assert normalise_locale("en-GB") == "en"
    assert normalise_locale("fr") == "id" and normalise_locale(None) == "id"


def test_whole_rupiah_takes_what_officers_type_and_refuses_decimals():
    from app.i18n import whole_rupiah

    for raw, amount in (("2500000", 2_500_000), ("2.500.000", 2_500_000), ("Rp 2.500.000", 2_500_000),
                        ("Rp2.500.000", 2_500_000), ("0", 0)):
        assert whole_rupiah(raw) == amount, raw
    for raw in ("2500000.00", "2.500.000,50", "25.00", "1.2345", "-5", "", "abc", "2,500,000"):
        with pytest.raises(ValueError):
            whole_rupiah(raw)
