"""What a scenario's figures cannot stand behind on their own, said where it happens and on paper (issue 13):
breaches of the site's zoning, a rate that is the planner's and not the building type's, a detailed RAB without
lines or without some divisions, a grant above a unit's cost, and a new scenario from the project's unit mix."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.designs import service as designs
from app.designs.models import RabEntry, Scenario
from app.designs.proposal import proposal_pdf
from app.projects.models import Project
from tests.conftest import csrf_token, sign_in, sign_in_english

pytestmark = pytest.mark.db

FIVE_FLOORS = "Building A has 5 floors; the zoning allows 4."  # Kunir's zoning allows 4; its alternative has 5


def _project(db, slug: str) -> Project:
    return db.scalar(select(Project).where(Project.slug == slug))


def _scenario(db, slug: str, name: str | None = None) -> Scenario:
    return designs.by_name(db, _project(db, slug), name)


def _first_page(pdf: bytes) -> str:
    return " ".join((PdfReader(io.BytesIO(pdf)).pages[0].extract_text() or "").split())


def _settings_form(client, slug: str, scenario: Scenario) -> dict[str, str]:
    html = client.get(f"/projects/{slug}/scenarios/{scenario.id}").text
    form = html[html.index('/settings" class="card stack">'):]
    form = form[:form.index("</form>")]
    values = dict(re.findall(r'<input name="([^"]+)" value="([^"]*)"', form))
    for name, chosen in re.findall(r'<select name="([^"]+)">(.*?)</select>', form, flags=re.S):
        picked = re.search(r'<option value="([^"]*)" selected', chosen)
        values[name] = picked.group(1) if picked else ""
    if re.search(r'name="rate_override" value="1" checked', form):
        values["rate_override"] = "1"
    return values


# --- the zoning ----------------------------------------------------------------------------------


def test_a_scenario_over_the_floor_limit_is_named_where_the_design_is_edited(client, db):
    sign_in_english(client, db, "perencana")
    scenario = _scenario(db, "kunir", "Alternatif 5 lantai")
    page = client.get(f"/projects/kunir/scenarios/{scenario.id}").text
    assert "This design breaks the site's zoning:" in page
    # At the top of the page and again over the design form.
    assert page.count(FIVE_FLOORS) == 2
    assert page.index(FIVE_FLOORS, page.index('id="design"')) > page.index('id="design"')


def test_a_design_within_the_zoning_shows_no_breach(client, db):
    sign_in_english(client, db, "perencana")
    scenario = _scenario(db, "kunir", "Terbangun 2022")
    page = client.get(f"/projects/kunir/scenarios/{scenario.id}").text
    assert "breaks the site" not in page


def test_a_footprint_and_floor_area_over_kdb_and_klb_are_named(client, db):
    sign_in_english(client, db, "perencana")
    scenario = _scenario(db, "kunir", "Alternatif 5 lantai")
    url = f"/projects/kunir/scenarios/{scenario.id}"
    design = {"ut_code_0": "T36", "ut_name_0": "Tipe 36", "ut_area_0": "36", "ut_bedrooms_0": "2",
              "b_code_0": "A", "b_name_0": "Blok A", "b_floors_0": "8", "b_units_0": "T36:20",
              "b_common_0": "150", "b_ground_0": "1", "_csrf_token": csrf_token(client)}
    assert client.post(url + "/design", data=design, follow_redirects=False).status_code == 302
    page = client.get(url).text
    assert "Building A has 8 floors; the zoning allows 4." in page
    assert re.search(r"The buildings cover 870 m² of ground, more than the [\d,.]+ m² of KDB \d+%\.", page)
    assert re.search(r"The floor area is 6,960 m²; KLB [\d.]+ allows [\d,]+ m²\.", page)


def test_without_a_site_the_page_says_the_design_is_not_checked(client, db):
    sign_in_english(client, db, "perencana")
    scenario = _scenario(db, "kunir", "Alternatif 5 lantai")
    site = _project(db, "kunir").site
    site.parcels.clear()
    db.flush()
    page = client.get(f"/projects/kunir/scenarios/{scenario.id}").text
    assert "so this design is not checked against the zoning" in page
    assert "breaks the site" not in page


def test_the_comparison_counts_and_names_each_scenarios_breaches(client, db):
    sign_in_english(client, db, "pembaca")
    page = client.get("/projects/kunir/scenarios/compare").text
    row = page[page.index("Breaches of the zoning"):]
    row = row[:row.index("</tr>")]
    cells = [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r'<td class="num[^"]*">(.*?)</td>', row,
                                                                      flags=re.S)]
    assert cells == [["0"], ["1", "▲", "1"]]
    assert "Alternatif 5 lantai breaks the site's zoning:" in page and FIVE_FLOORS in page


def test_the_proposal_names_the_breach_on_its_first_page(db):
    project = _project(db, "kunir")
    scenario = designs.by_name(db, project, "Alternatif 5 lantai")
    first = _first_page(proposal_pdf(db, project, scenario, locale="en", printed_on=date(2026, 8, 17)))
    assert "This design breaks the site's zoning:" in first and FIVE_FLOORS in first


# --- the rate ------------------------------------------------------------------------------------


def test_the_building_type_sets_the_rate_unless_it_is_overridden(client, db):
    sign_in_english(client, db, "perencana")
    scenario = _scenario(db, "marlina")
    url = f"/projects/marlina/scenarios/{scenario.id}"
    # Choosing a type leaves the rate of another in the field: the type's rate is taken, not that one.
    form = _settings_form(client, "marlina", scenario) | {"building_type": "rusun_5_8_lantai",
                                                          "rate_per_m2": "7500000", "_csrf_token": csrf_token(client)}
    form.pop("rate_override", None)
    assert client.post(url + "/settings", data=form, follow_redirects=False).status_code == 302
    db.expire_all()
    scenario = _scenario(db, "marlina")
    assert (scenario.rate_per_m2, scenario.rate_is_override) == (8_500_000, False)
    page = client.get(url).text
    assert "The rate of the building type (5 to 8 floors, stairs)." in page
    # Overridden, the planner's rate is kept, and said to be one on the page and on paper.
    form = form | {"rate_per_m2": "7.000.000", "rate_override": "1", "_csrf_token": csrf_token(client)}
    assert client.post(url + "/settings", data=form, follow_redirects=False).status_code == 302
    db.expire_all()
    scenario = _scenario(db, "marlina")
    assert (scenario.rate_per_m2, scenario.rate_is_override) == (7_000_000, True)
    page = client.get(url).text
    assert ("A rate set by the planner, not the building type's (5 to 8 floors, stairs: Rp8,500,000/m²)."
            in page)
    pdf = " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(
        proposal_pdf(db, _project(db, "marlina"), scenario, locale="en"))).pages)
    assert ("Rp7,000,000/m². A rate set by the planner, not the building type's (5 to 8 floors, stairs: "
            "Rp8,500,000/m²).") in pdf


def test_an_override_needs_a_rate(client, db):
    sign_in_english(client, db, "perencana")
    scenario = _scenario(db, "marlina")
    form = _settings_form(client, "marlina", scenario) | {"rate_override": "1", "rate_per_m2": "",
                                                          "_csrf_token": csrf_token(client)}
    r = client.post(f"/projects/marlina/scenarios/{scenario.id}/settings", data=form)
    assert r.status_code == 400 and 'name="rate_per_m2"' in r.text


def test_the_demo_rate_below_its_type_is_shown_as_an_override(client, db):
    sign_in_english(client, db, "pembaca")
    scenario = _scenario(db, "akuarium")
    assert scenario.rate_is_override and scenario.rate_per_m2 == 7_500_000
    assert "A rate set by the planner" in client.get(f"/projects/akuarium/scenarios/{scenario.id}").text


# --- RAB, grant, a new scenario --------------------------------------------------------------------


def test_a_detailed_rab_without_lines_says_so_and_links_to_the_upload(client, db):
    sign_in_english(client, db, "perencana")
    scenario = _scenario(db, "kunir", "Terbangun 2022")
    scenario.rab_lines.clear()
    db.flush()
    page = client.get(f"/projects/kunir/scenarios/{scenario.id}").text
    assert "the RAB has no lines yet: construction is Rp0" in page
    assert '<a href="#rab-import">Go to the RAB upload</a>' in page and 'id="rab-import"' in page
    assert "The construction cost is zero." not in page  # the RAB's own warning says it, and why
    pdf = proposal_pdf(db, _project(db, "kunir"), scenario, locale="en")
    assert "the RAB has no lines yet" in _first_page(pdf)


def test_a_partial_rab_is_named_and_the_comparison_says_it_is_not_like_for_like(client, db):
    sign_in_english(client, db, "perencana")
    scenario = _scenario(db, "kunir", "Terbangun 2022")
    kept = [e for e in scenario.rab_lines if e.division in ("persiapan", "struktur")]
    scenario.rab_lines[:] = [RabEntry(position=i, division=e.division, item_code=e.item_code, volume=e.volume,
                                      building=e.building) for i, e in enumerate(kept, start=1)]
    db.flush()
    cost = designs.compute(db, scenario)
    assert set(cost.rab_missing) == {"tanah", "pondasi", "arsitektur", "mep", "finishing", "pekerjaan_luar", "smkk"}
    page = client.get(f"/projects/kunir/scenarios/{scenario.id}").text
    assert "The RAB has no lines for 7 of its 9 divisions" in page and "Foundations" in page
    compare = client.get("/projects/kunir/scenarios/compare").text
    assert "Terbangun 2022: its RAB has no lines for Earthworks, Foundations" in compare
    assert "Beside a per-m² estimate of the whole building, its figures are not like for like." in compare
    first = _first_page(proposal_pdf(db, _project(db, "kunir"), scenario, locale="en"))
    assert "The RAB has no lines for 7 of its 9 divisions" in first and "Foundations" in first


def test_a_grant_above_the_cost_of_a_unit_is_a_warning_on_the_page_and_on_paper(client, db):
    sign_in_english(client, db, "perencana")
    scenario = _scenario(db, "kunir", "Alternatif 5 lantai")
    scenario.financing = {**designs.financing_of(scenario), "grant_per_unit": 2_000_000_000}
    db.flush()
    cost = designs.compute(db, scenario)
    mean = cost.by_type[0].price
    assert cost.by_type[0].loan.principal == 0
    page = client.get(f"/projects/kunir/scenarios/{scenario.id}").text
    unused = f"{2_000_000_000 - mean:,}"
    assert (f"The grant per unit (Rp2,000,000,000) is more than the cost of a {cost.by_type[0].name} unit "
            f"(Rp{mean:,}): its loan is Rp0 and Rp{unused} of the grant is not used.") in page
    assert "is not used" in _first_page(proposal_pdf(db, _project(db, "kunir"), scenario, locale="en"))


def test_a_new_scenario_starts_from_the_projects_unit_mix(client, db):
    sign_in(client, db, "perencana")
    site = _project(db, "marlina").site
    site.unit_mix = [{"name": "Tipe 27", "net_area_m2": 27.0, "share": 1.0},
                     {"name": "Tipe 36", "net_area_m2": 36.0, "share": 2.0},
                     {"name": "Tipe 45", "net_area_m2": 45.0, "share": 1.0}]
    db.flush()
    r = client.post("/projects/marlina/scenarios", data={"name": "Dari bauran", "_csrf_token": csrf_token(client)},
                    follow_redirects=False)
    assert r.status_code == 302
    scenario = _scenario(db, "marlina", "Dari bauran")
    assert [(t.code, t.name, int(t.net_area_m2)) for t in scenario.unit_types] == [
        ("T27", "Tipe 27", 27), ("T36", "Tipe 36", 36), ("T45", "Tipe 45", 45)]
    assert scenario.buildings[0].units_per_floor == {"T27": 2, "T36": 4, "T45": 2}
    assert (scenario.rate_per_m2, scenario.rate_is_override) == (7_500_000, False)
    assert client.get(f"/projects/marlina/scenarios/{scenario.id}").status_code == 200


def test_a_new_scenario_without_a_site_starts_as_tipe_36():
    from app.designs.editing import starting_mix

    types, per_floor = starting_mix(None)
    assert [(t.code, int(t.net_area_m2)) for t in types] == [("T36", 36)] and per_floor == {"T36": 8}
    # A type whose share rounds to none on a floor still gets one unit, so the planner sees it.
    types, per_floor = starting_mix([{"name": "Tipe 36", "net_area_m2": 36, "share": 20},
                                     {"name": "Tipe 21", "net_area_m2": 21, "share": 1}])
    assert per_floor == {"T36": 7, "T21": 1}
