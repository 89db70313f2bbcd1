from __future__ import annotations

import pytest

from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db


@pytest.fixture()
def planner(client, db):
    sign_in(client, db, "perencana")
    client.headers["x-csrftoken"] = csrf_token(client)
    return client


def test_malformed_json_is_a_400(planner):
    r = planner.post("/api/projects", content=b'{"name": ', headers={"content-type": "application/json"})
    assert r.status_code == 400


def test_wrong_type_names_the_field(planner):
    r = planner.post("/api/projects", json={"cooperative": "kunir", "name": 12, "slug": "kunir-3"})
    assert r.status_code == 400
    assert any(e.get("field") == "name" for e in r.json()["errors"]), r.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cooperative": "kunir", "name": "X", "slug": "Bad Slug"}, "slug"),
        ({"cooperative": "kunir", "name": "", "slug": "ok-slug"}, "name"),
        ({"cooperative": "kunir", "name": "X", "slug": "ok-slug", "stage": "done"}, "stage"),
        ({"cooperative": "kunir", "name": "X", "slug": "ok-slug", "colour": "red"}, "colour"),
        ({"name": "X", "slug": "ok-slug"}, "cooperative"),
    ],
)
def test_invalid_fields_are_reported_by_name(planner, body, field):
    r = planner.post("/api/projects", json=body)
    assert r.status_code == 400
    assert field in str(r.json()), r.json()


def test_unknown_cooperative_and_taken_slug(planner):
    r = planner.post("/api/projects", json={"cooperative": "nowhere", "name": "X", "slug": "x"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "cooperative"
    r = planner.post("/api/projects", json={"cooperative": "kunir", "name": "X", "slug": "akuarium"})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "slug"


def test_geojson_of_parcels(planner):
    r = planner.get("/api/projects/kunir/parcels")
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    props = fc["features"][0]["properties"]
    assert props["code"] == "KUN-01" and abs(props["area_m2"] - 860) < 9  # 860 m2 per the guide
    lon, lat = fc["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 106.8 < lon < 106.82 and -6.15 < lat < -6.13
    assert all(len(repr(c).split(".")[1]) <= 7 for c in (lon, lat))


def test_bbox_filters_sites_and_rejects_nonsense(planner):
    kota_tua = "106.805,-6.145,106.818,-6.135"
    r = planner.get(f"/api/sites?bbox={kota_tua}")
    assert [f["properties"]["project"] for f in r.json()["features"]] == ["kunir"]
    assert planner.get("/api/sites?bbox=1,2,3").status_code == 400
    assert "bbox" in planner.get("/api/sites?bbox=a,b,c,d").json()["errors"][0]["field"]


def test_pagination_of_projects(planner):
    page = planner.get("/api/projects?limit=2&offset=0").json()
    assert page["total"] == 3 and len(page["items"]) == 2
    rest = planner.get("/api/projects?limit=2&offset=2").json()
    assert len(rest["items"]) == 1
    assert planner.get("/api/projects?limit=0").status_code == 400


def test_openapi_describes_the_api_without_cdn_viewers(client):
    schema = client.get("/api/schema/openapi.json").json()
    assert "/api/projects" in schema["paths"] and "/api/projects/{slug}/parcels" in schema["paths"]
    assert not any(p.startswith("/projects") for p in schema["paths"])  # pages are not API


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}
