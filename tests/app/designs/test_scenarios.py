"""Design scenarios in the app: every demo scenario costed to the rupiah, edited through forms, compared."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditEntry
from app.designs import service as designs
from app.designs.models import Scenario
from app.projects.models import Project
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db


def _scenario(db, slug: str, name: str | None = None) -> Scenario:
    project = db.scalar(select(Project).where(Project.slug == slug))
    return designs.by_name(db, project, name)


def test_every_demo_project_has_a_current_costed_scenario_that_adds_up(db):
    for slug in ("akuarium", "kunir", "marlina"):
        cost = designs.compute(db, _scenario(db, slug))
        assert cost.unit_count > 0 and cost.total > 0
        assert sum(cost.unit_costs) == cost.total  # to the rupiah
        assert sum(line.amount for line in cost.project.lines) == cost.total


def test_kunir_rab_recap_rounds_down_to_the_thousand_and_is_written_in_words(db):
    cost = designs.compute(db, _scenario(db, "kunir"))
    recap = cost.recap
    assert recap.jumlah == sum(recap.by_division.values())
    assert recap.dibulatkan == recap.jumlah // 1000 * 1000
    assert recap.terbilang.endswith("rupiah") and "miliar" in recap.terbilang
    assert cost.unit_count == 33


def test_scenario_page_shows_the_cost_to_every_reader_of_the_project(client, db):
    sign_in(client, db, "pembaca")
    scenario = _scenario(db, "kunir")
    cost = designs.compute(db, scenario)
    page = client.get(f"/projects/kunir/scenarios/{scenario.id}")
    assert page.status_code == 200
    total = f"Rp{cost.total:,}".replace(",", ".")
    assert total in page.text  # in the cost lines and again as the sum of every unit
    assert page.text.count(total) >= 2
    assert "Rekap RAB" in page.text and "dibulatkan" in page.text
    assert 'action="/projects/kunir/scenarios/' not in page.text  # a viewer gets no edit forms


def test_an_officer_of_another_cooperative_finds_nothing(client, db):
    sign_in(client, db, "pengurus-akuarium")
    scenario = _scenario(db, "kunir")
    assert client.get("/projects/kunir/scenarios").status_code == 404
    assert client.get(f"/projects/kunir/scenarios/{scenario.id}").status_code == 404
    assert client.get("/projects/kunir/scenarios/compare").status_code == 404
    r = client.post(f"/projects/kunir/scenarios/{scenario.id}/settings", data={"_csrf_token": csrf_token(client)})
    assert r.status_code == 404


def test_a_viewer_may_not_change_a_scenario(client, db):
    sign_in(client, db, "pembaca")
    scenario = _scenario(db, "kunir")
    r = client.post(f"/projects/kunir/scenarios/{scenario.id}/current", data={"_csrf_token": csrf_token(client)})
    assert r.status_code == 403


def _settings_form(client, slug: str, scenario: Scenario) -> dict[str, str]:
    html = client.get(f"/projects/{slug}/scenarios/{scenario.id}").text
    form = html[html.index('/settings" class="card stack">'):]
    form = form[:form.index("</form>")]
    values = dict(re.findall(r'<input name="([^"]+)" value="([^"]*)"', form))
    for name, chosen in re.findall(r'<select name="([^"]+)">(.*?)</select>', form, flags=re.S):
        picked = re.search(r'<option value="([^"]*)" selected', chosen)
        values[name] = picked.group(1) if picked else ""
    return values


def test_planner_changes_settings_written_the_indonesian_way_and_it_is_audited(client, db):
    sign_in(client, db, "perencana")
    scenario = _scenario(db, "akuarium")
    before = designs.compute(db, scenario).total
    form = _settings_form(client, "akuarium", scenario)
    form.update({"contingency_pct": "7,5", "infrastructure": "Rp20.000.000.000", "months": "180",
                 "_csrf_token": csrf_token(client)})
    r = client.post(f"/projects/akuarium/scenarios/{scenario.id}/settings", data=form, follow_redirects=False)
    assert r.status_code == 302, r.text[:300]
    db.expire_all()
    scenario = _scenario(db, "akuarium")
    assert (str(scenario.contingency_pct), scenario.infrastructure) == ("7.50", 20_000_000_000)
    assert designs.compute(db, scenario).total > before
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "scenario.settings"))
    assert entry.changes["infrastructure"]["new"] == 20_000_000_000


@pytest.mark.parametrize(("field", "value", "word"), [
    ("contingency_pct", "-3", "-3"), ("infrastructure", "banyak", "banyak"), ("land", "1.000,50", "bulat"),
    ("months", "600", "600"), ("tax_rate_pct", "40", "40"), ("name", "", "nama"),
])
def test_bad_settings_are_refused_with_the_field_named_and_nothing_changes(client, db, field, value, word):
    sign_in(client, db, "perencana")
    scenario = _scenario(db, "akuarium")
    audits = db.scalar(select(func.count()).select_from(AuditEntry))
    form = _settings_form(client, "akuarium", scenario) | {field: value, "_csrf_token": csrf_token(client)}
    r = client.post(f"/projects/akuarium/scenarios/{scenario.id}/settings", data=form)
    assert r.status_code in (400, 409) and word.lower() in r.text.lower()
    db.expire_all()
    assert _scenario(db, "akuarium").infrastructure == scenario.infrastructure
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_a_rab_scenario_needs_a_price_library(client, db):
    sign_in(client, db, "perencana")
    scenario = _scenario(db, "marlina")
    form = _settings_form(client, "marlina", scenario) | {"cost_method": "rab", "price_library_id": "",
                                                          "_csrf_token": csrf_token(client)}
    r = client.post(f"/projects/marlina/scenarios/{scenario.id}/settings", data=form)
    assert r.status_code == 400 and "perpustakaan harga" in r.text.lower()


def test_design_form_changes_units_and_refuses_an_unknown_type(client, db):
    sign_in(client, db, "perencana")
    r = client.post("/projects/marlina/scenarios", data={"name": "Uji desain", "_csrf_token": csrf_token(client)},
                    follow_redirects=False)
    url = r.headers["location"]
    design = {"ut_code_0": "T36", "ut_name_0": "Tipe 36", "ut_area_0": "36", "ut_bedrooms_0": "2",
              "ut_code_1": "T45", "ut_name_1": "Tipe 45", "ut_area_1": "45", "ut_bedrooms_1": "3",
              "b_code_0": "A", "b_name_0": "Blok A", "b_floors_0": "5", "b_units_0": "T36:6, T45:2",
              "b_common_0": "110", "b_ground_0": "1", "_csrf_token": csrf_token(client)}
    assert client.post(url + "/design", data=design, follow_redirects=False).status_code == 302
    scenario = _scenario(db, "marlina", "Uji desain")
    assert designs.compute(db, scenario).unit_count == 40
    bad = client.post(url + "/design", data=design | {"b_units_0": "T99:4"})
    assert bad.status_code == 400 and "T99" in bad.text
    db.expire_all()
    assert designs.compute(db, _scenario(db, "marlina", "Uji desain")).unit_count == 40


def test_new_scenario_copies_another_and_names_must_differ(client, db):
    sign_in(client, db, "perencana")
    source = _scenario(db, "kunir")
    r = client.post("/projects/kunir/scenarios", data={"name": "Salinan", "copy_from": str(source.id),
                                                        "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 302
    copy = _scenario(db, "kunir", "Salinan")
    assert not copy.is_current and len(copy.rab_lines) == len(source.rab_lines)
    assert designs.compute(db, copy).total == designs.compute(db, source).total
    again = client.post("/projects/kunir/scenarios", data={"name": "Salinan", "_csrf_token": csrf_token(client)})
    assert again.status_code == 400 and "Salinan" in again.text


def test_only_one_scenario_is_current(client, db):
    sign_in(client, db, "perencana")
    other = _scenario(db, "kunir", "Alternatif 5 lantai")
    client.post(f"/projects/kunir/scenarios/{other.id}/current", data={"_csrf_token": csrf_token(client)})
    db.expire_all()
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    current = db.scalars(select(Scenario).where(Scenario.project_id == project.id, Scenario.is_current)).all()
    assert [s.name for s in current] == ["Alternatif 5 lantai"]
    # The database itself refuses a second current scenario, whoever writes it.
    first = _scenario(db, "kunir", "Terbangun 2022")
    first.is_current = True
    with pytest.raises(IntegrityError):
        db.flush()


def test_comparison_marks_the_differences(client, db):
    sign_in(client, db, "pembaca")
    page = client.get("/projects/kunir/scenarios/compare")
    assert page.status_code == 200
    assert "Terbangun 2022" in page.text and "Alternatif 5 lantai" in page.text
    assert "▲" in page.text or "▼" in page.text


def test_cli_cost_json_lists_every_unit_and_adds_up(cli):
    out = cli("cost", "--project", "akuarium", "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert len(data["units"]) == 241
    assert set(data["units"][0]) == {"code", "unit_type", "net_area_m2", "cost"}
    assert sum(u["cost"] for u in data["units"]) == data["total"]
    named = json.loads(cli("cost", "--project", "kunir", "--scenario", "Alternatif 5 lantai", "--json").stdout)
    assert named["scenario"] == "Alternatif 5 lantai" and not named["current"]
    missing = cli("cost", "--project", "kunir", "--scenario", "Tidak ada", "--json")
    assert missing.exit_code == 2 and "Tidak ada" in missing.stderr


HOSTILE_NUMBERS = ("NaN", "1e309", "99999999999999999999999", "1\x00")
HOSTILE_TEXTS = ("x" * 100_000, "a\x00b")


def _scenario_state(db, slug: str) -> tuple:
    db.expire_all()
    scenarios = db.scalars(select(Scenario).join(Project).where(Project.slug == slug).order_by(Scenario.id)).all()
    return (db.scalar(select(func.count()).select_from(AuditEntry)),
            [(s.name, s.description, s.contingency_pct, s.infrastructure, s.land, s.rate_per_m2, s.tax_rate_pct,
              dict(s.financing or {}), dict(s.floor_factors or {}),
              [(t.code, t.name, t.net_area_m2, t.bedrooms) for t in s.unit_types],
              [(b.code, b.name, b.floors, dict(b.units_per_floor)) for b in s.buildings]) for s in scenarios])


def _refuses_each(client, db, url: str, base: dict[str, str], fields: dict[str, tuple[str, ...]], reader,
                  slug: str, *, marked: bool = False) -> list[tuple[str, int]]:
    """Each hostile value on its own: a 4xx page with the refusal, nothing stored, and the form's reader refuses
    it at that field (a settings input marks it too). Answers (field, status) for every value sent."""
    from app.web.forms import FormReader
    from kernel.errors import UserError

    before = _scenario_state(db, slug)
    answers = []
    for field, values in fields.items():
        for value in values:
            data = {**base, field: value}
            r = client.post(url, data={**data, "_csrf_token": csrf_token(client)}, follow_redirects=False)
            answers.append((field, r.status_code))
            label = (field, value[:20])
            assert 400 <= r.status_code < 500 and 'role="alert"' in r.text, (label, r.status_code)
            assert _scenario_state(db, slug) == before, label
            with pytest.raises(UserError) as refused:
                reader(FormReader(data, "id"))
            assert refused.value.field == field, (label, refused.value.field)
            if marked and re.search(rf'<input name="{field}" [^>]*inputmode', r.text):
                assert re.search(rf'<input name="{field}" [^>]*aria-invalid="true"', r.text), label
    return answers


def test_the_scenario_forms_refuse_hostile_values(client, db):
    from app.designs.controller import new_scenario, scenario_design, scenario_settings

    sign_in(client, db, "perencana")
    scenario = _scenario(db, "akuarium")
    url = f"/projects/akuarium/scenarios/{scenario.id}"
    settings = _settings_form(client, "akuarium", scenario)
    numbers = ("rate_per_m2", "infrastructure", "land", "contingency_pct", "tax_rate_pct", "floor_factor_1",
               "grant_per_unit", "down_payment_pct", "annual_rate_pct", "months", "price_library_id")
    choices = ("cost_method", "building_type", "tax_preset", "allocation", "loan_method")
    settings_answers = _refuses_each(client, db, url + "/settings", settings,
                  {**dict.fromkeys(numbers, HOSTILE_NUMBERS), **dict.fromkeys(choices, HOSTILE_TEXTS),
                   "name": HOSTILE_TEXTS, "description": HOSTILE_TEXTS}, scenario_settings, "akuarium",
                  marked=True)

    design = {"ut_code_0": "T36", "ut_name_0": "Tipe 36", "ut_area_0": "36", "ut_bedrooms_0": "2",
              "b_code_0": "A", "b_name_0": "Blok A", "b_floors_0": "5", "b_units_0": "T36:6", "b_common_0": "110"}
    design_answers = _refuses_each(client, db, url + "/design", design,
                  {**dict.fromkeys(("ut_area_0", "ut_bedrooms_0", "b_floors_0", "b_common_0"), HOSTILE_NUMBERS),
                   **dict.fromkeys(("ut_code_0", "ut_name_0", "b_code_0", "b_name_0", "b_units_0"), HOSTILE_TEXTS)},
                  scenario_design, "akuarium")

    new_answers = _refuses_each(client, db, "/projects/akuarium/scenarios", {"name": "Baru"},
                                {"name": HOSTILE_TEXTS, "copy_from": HOSTILE_NUMBERS}, new_scenario, "akuarium")
    # Every field of the three forms was tried, and every hostile value was refused as the planner's mistake.
    answers = settings_answers + design_answers + new_answers
    assert {f for f, _ in answers} >= {*numbers, *choices, "name", "ut_area_0", "b_units_0", "copy_from"}
    assert all(400 <= status < 500 for _, status in answers)
    # The scenario the planner had is unchanged and no other scenario was made.
    assert client.get(url).status_code == 200
