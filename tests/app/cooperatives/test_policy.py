"""A cooperative's policy page: who may see it, saving it (audited), every bad value refused with its own message
and nothing saved, and the policy at work on instalment plans (collectibility thresholds, late charges)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.cooperatives.models import Cooperative, CooperativePolicy
from app.cooperatives.policy import Policy, form_values, policy_of
from app.i18n import gettext_for
from app.loans import service as loans
from tests.app.loans.test_loans import TERMS, _confirmed_meeting, _plan
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
URL = "/cooperatives/kunir/policy"


def _english(client, db, username: str = "pengurus-kunir"):
    sign_in(client, db, username)
    client.cookies.set("japra_lang", "en")
    return client


def _post(client, locale: str = "en", **changes: str):
    data = {**form_values(Policy(), locale), **changes, "_csrf_token": csrf_token(client)}
    return client.post(URL, data=data, follow_redirects=False)


def _row(db) -> CooperativePolicy | None:
    coop = db.scalar(select(Cooperative).where(Cooperative.slug == "kunir"))
    db.expire_all()
    return db.get(CooperativePolicy, coop.id)


def _audits(db) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "policy.update"))


def test_the_policy_page_is_for_japra_staff_and_the_cooperatives_own_officers(client, db):
    assert client.get(URL, follow_redirects=False).status_code in (302, 303, 401)
    sign_in(client, db, "pembaca")
    assert client.get(URL).status_code == 403
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert client.get(URL).status_code == 404
    assert _post(client).status_code == 404
    client.cookies.clear()
    for username in ("perencana", "pengurus-kunir"):
        sign_in(client, db, username)
        assert client.get(URL).status_code == 200
    assert 'href="/cooperatives/kunir/policy"' in client.get("/cooperatives/kunir").text
    assert 'href="/cooperatives/kunir/policy"' in client.get("/cooperatives/kunir/arrears").text


def test_the_form_shows_the_defaults_and_says_which_bounds_are_assumptions(client, db):
    page = _english(client, db).get(URL)
    assert page.status_code == 200
    html = page.text
    for name, value in (("thr_koperasi_0", "3"), ("thr_koperasi_1", "6"), ("thr_koperasi_2", "12"),
                        ("thr_bank_1", "90"), ("thr_bank_3", "180"), ("affordability_pct", "30"),
                        ("band_up_0", "2"), ("band_bed_last", "3")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"', html), name
    assert "Assumption" in html and "Diragukan" in html and "Macet" in html
    assert re.search(r'name="late_kind" value="off" checked', html)
    assert re.search(r'<option value="late_charge" selected>Late charge</option>', html)


def test_saving_creates_the_row_and_audits_what_changed(client, db):
    _english(client, db)
    assert _row(db) is None
    r = _post(client, late_kind="rate", late_rate_pct="2.5", late_grace_days="7", late_monthly="0",
              order_0="principal", order_1="interest", order_2="late_charge", preset="bank", thr_bank_1="60",
              prio_0="savings", prio_1="seniority", prio_2="", prio_3="", band_up_0="1", band_bed_0="1",
              band_up_1="3", band_bed_1="2", band_up_2="", band_bed_2="", band_bed_last="3",
              max_extra_bedrooms="0", affordability_pct="35")
    assert r.status_code == 302 and r.headers["location"] == URL + "?saved=1"
    row = _row(db)
    assert (row.late_charge_kind, row.late_charge_rate_pct, row.late_grace_days, row.late_monthly) == (
        "rate", Decimal("2.5"), 7, False)
    assert row.payment_order == "principal,interest,late_charge"
    assert (row.collectibility_preset, row.collectibility_thresholds) == ("bank", [0, 60, 120, 180])
    assert row.priority_rules == ["savings", "seniority"]
    assert row.bedroom_bands == [[1, 1], [3, 2], [None, 3]] and row.max_extra_bedrooms == 0
    policy = policy_of(db, row.cooperative_id)
    assert policy.late.value == Decimal("0.025") and policy.rules.priority == ("savings", "seniority")
    assert policy.thresholds == (0, 60, 120, 180) and policy.affordability_pct == 35

    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "policy.update"))
    assert entry.actor == "pengurus-kunir" and entry.cooperative_id == row.cooperative_id
    assert entry.changes["late_charge_kind"] == {"old": None, "new": "rate"}
    assert entry.changes["affordability_ratio_pct"] == {"old": "30", "new": "35"}
    assert "late_charge_fixed" not in entry.changes  # only what changed

    again = client.get(URL + "?saved=1").text
    assert "Saved." in again and re.search(r'name="late_rate_pct"[^>]*value="2.5"', again)
    assert re.search(r'name="thr_bank_1"[^>]*value="60"', again)
    # Saving the same values again changes nothing and records nothing new.
    assert _post(client, **{k: v for k, v in _form_of(again).items() if not k.startswith("_")}).status_code == 302
    assert _audits(db) == 1


def _form_of(html: str) -> dict[str, str]:
    """What the browser would send back: inputs, checked radios, selected options."""
    data = {}
    for m in re.finditer(r'<input name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[m.group(1)] = m.group(2)
    for m in re.finditer(r'<input type="radio" name="([^"]+)" value="([^"]*)" checked', html):
        data[m.group(1)] = m.group(2)
    for m in re.finditer(r'<select name="([^"]+)".*?</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', m.group(0))
        data[m.group(1)] = chosen.group(1) if chosen else ""
    return data


BAD = [
    ({"late_kind": "rate", "late_rate_pct": ""}, "late_rate_pct", "This value is needed."),
    ({"late_kind": "rate", "late_rate_pct": "0"}, "late_rate_pct", "a percentage above 0 and at most 100; got 0."),
    ({"late_kind": "rate", "late_rate_pct": "150"}, "late_rate_pct", "at most 100; got 150."),
    ({"late_kind": "rate", "late_rate_pct": "2.0005"}, "late_rate_pct", "at most three decimals"),
    ({"late_kind": "fixed", "late_fixed": "0"}, "late_fixed", "whole rupiah above 0; got 0."),
    ({"late_kind": "fixed", "late_fixed": "12.5"}, "late_fixed", "12.5 is not a whole number."),
    ({"late_kind": "fixed", "late_fixed": "50000", "late_grace_days": "-1"}, "late_grace_days",
     "Grace days are a whole number, 0 or more; got -1."),
    ({"late_kind": "sometimes"}, "late_kind", "Choose whether late charges are off"),
    ({"order_1": "late_charge"}, "order_1", "position 2 repeats one"),
    ({"thr_koperasi_1": "2"}, "thr_koperasi_1", "2 is not above 3."),
    ({"thr_koperasi_0": "-1"}, "thr_koperasi_0", "months in arrears, 0 or more; got -1."),
    ({"thr_koperasi_2": "twelve"}, "thr_koperasi_2", "twelve is not a number."),
    ({"preset": "bank", "thr_bank_2": "90"}, "thr_bank_2", "90 is not above 90."),
    ({"preset": "pos"}, "preset", "Choose a collectibility preset."),
    ({"prio_1": "original_resident"}, "prio_1", "position 2 repeats one"),
    ({"prio_2": "luck"}, "prio_2", "position 3 repeats one"),
    ({"band_up_1": "2"}, "band_up_1", "2 is not more than 2."),
    ({"band_up_0": "0"}, "band_up_0", "at least 1 person; got 0."),
    ({"band_bed_0": ""}, "band_bed_0", "Give both the household size and its bedrooms in row 1"),
    ({"band_bed_1": "-2"}, "band_bed_1", "Bedrooms are a whole number, 0 or more; got -2."),
    ({"band_bed_last": ""}, "band_bed_last", "This value is needed."),
    ({"max_extra_bedrooms": "-1"}, "max_extra_bedrooms", "or a whole number 0 or more; got -1."),
    ({"affordability_pct": "0"}, "affordability_pct", "a percentage above 0 and at most 100; got 0."),
    ({"affordability_pct": "120"}, "affordability_pct", "got 120."),
    ({"affordability_pct": "30.555"}, "affordability_pct", "at most two decimals"),
    ({"affordability_pct": ""}, "affordability_pct", "This value is needed."),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_a_bad_value_is_refused_with_its_message_and_nothing_is_saved(client, db, changes, field, message):
    _english(client, db)
    r = _post(client, **{"affordability_pct": "35", **changes})  # a good change alongside is not saved either
    assert r.status_code == 400
    assert message in r.text
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', r.text) or f'id="f-{field}"' in r.text
    assert f'id="err-{field}"' in r.text  # the message stands next to its field
    assert 'role="alert"' in r.text and "Nothing was saved" in r.text
    assert _row(db) is None and _audits(db) == 0


def test_every_problem_is_reported_at_once(client, db):
    _english(client, db)
    r = _post(client, late_kind="fixed", late_fixed="0", thr_koperasi_1="2", affordability_pct="0")
    assert r.status_code == 400 and "3 values need fixing" in r.text
    for field in ("late_fixed", "thr_koperasi_1", "affordability_pct"):
        assert f'id="err-{field}"' in r.text


def test_messages_are_in_the_users_language(client, db):
    sign_in(client, db, "pengurus-kunir")  # Bahasa Indonesia by default
    r = _post(client, locale="id", thr_koperasi_2="dua belas")
    assert r.status_code == 400
    assert gettext_for("id")("{value} is not a number.").format(value="dua belas") in r.text
    # Numbers are read as the language writes them: 2,5 is two and a half in Indonesian.
    assert _post(client, locale="id", late_kind="rate", late_rate_pct="2,5").status_code == 302
    assert _row(db).late_charge_rate_pct == Decimal("2.5")


def test_the_policy_sets_the_collectibility_class_and_late_charges_of_a_plan(client, db):
    _english(client, db)
    url = _confirmed_meeting(client)
    assert client.post(url + "/plans", data={**TERMS, "_csrf_token": csrf_token(client)},
                       follow_redirects=False).status_code == 302
    plan = _plan(db, "KNR-001")
    page = f"/cooperatives/kunir/plans/{plan.id}?as_of=2026-05-30"
    # Nothing paid since the first due date (25 January): five instalments overdue by 30 May.
    before = client.get(page).text
    assert "<strong>Kurang Lancar</strong>" in before and "Late charges" not in before

    assert _post(client, thr_koperasi_0="6", thr_koperasi_1="9", thr_koperasi_2="12", late_kind="fixed",
                 late_fixed="50000", late_grace_days="3", late_monthly="1").status_code == 302
    after = client.get(page).text
    assert "<strong>Lancar</strong>" in after
    # Charged the day after the three grace days, then on that day each month: January's instalment on 29
    # January to 29 May (5 charges), February's on 1 March to 1 May (3), March's 3, April's 2, May's 1.
    state = loans.state(plan, date(2026, 5, 30), policy_of(db, plan.cooperative_id))
    assert state.ledger.late_charges_total == 14 * 50_000
    assert "Late charges" in after and "Rp700,000" in after
    report = client.get("/cooperatives/kunir/arrears?as_of=2026-05-30").text
    row = re.search(r"KNR-001</a>.*?</tr>", report, re.S).group(0)
    assert "<td>Lancar</td>" in row
