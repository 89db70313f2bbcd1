"""Every role against every page and API route of the foundation: allowed, refused, or not found.

`pengurus-akuarium` is a coop_officer of Akuarium: Kunir's and Marlina's things must not exist for it.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, sign_in

ANON = ""
ADMIN, PLANNER, OFFICER, VIEWER = "admin", "perencana", "pengurus-akuarium", "pembaca"
ROLES = [ANON, ADMIN, PLANNER, OFFICER, VIEWER]


def expect(anon, admin, planner, officer, viewer):
    return dict(zip(ROLES, (anon, admin, planner, officer, viewer), strict=True))


GET_PAGES = {
    "/": expect(302, 200, 200, 200, 200),
    "/cooperatives": expect(302, 200, 200, 200, 200),
    "/cooperatives/akuarium": expect(302, 200, 200, 200, 200),
    "/cooperatives/kunir": expect(302, 200, 200, 404, 200),
    "/projects/akuarium": expect(302, 200, 200, 200, 200),
    "/projects/kunir": expect(302, 200, 200, 404, 200),
    "/projects/marlina": expect(302, 200, 200, 404, 200),
    "/projects/new": expect(302, 200, 200, 403, 403),
    "/audit": expect(302, 200, 403, 403, 403),
    "/admin/users": expect(302, 200, 403, 403, 403),
    "/account/password": expect(302, 200, 200, 200, 200),
    "/projects/no-such-project": expect(302, 404, 404, 404, 404),
    "/projects/akuarium/parcels/import": expect(302, 200, 200, 200, 403),
    "/projects/kunir/parcels/import": expect(302, 200, 200, 404, 403),
    "/projects/akuarium/zoning": expect(302, 200, 200, 200, 403),
    "/projects/kunir/zoning": expect(302, 200, 200, 404, 403),
    "/projects/akuarium/parcels.geojson": expect(302, 200, 200, 200, 200),
    "/projects/kunir/parcels.gpkg": expect(302, 200, 200, 404, 200),
    "/projects/kunir/scenarios": expect(302, 200, 200, 404, 200),
    "/projects/akuarium/scenarios": expect(302, 200, 200, 200, 200),
    "/projects/kunir/scenarios/compare": expect(302, 200, 200, 404, 200),
    "/prices": expect(302, 200, 200, 200, 200),
    "/prices/1": expect(302, 200, 200, 200, 200),
}

GET_API = {
    "/api/me": expect(401, 200, 200, 200, 200),
    "/api/cooperatives": expect(401, 200, 200, 200, 200),
    "/api/cooperatives/akuarium": expect(401, 200, 200, 200, 200),
    "/api/cooperatives/kunir": expect(401, 200, 200, 404, 200),
    "/api/projects": expect(401, 200, 200, 200, 200),
    "/api/projects/akuarium": expect(401, 200, 200, 200, 200),
    "/api/projects/kunir": expect(401, 200, 200, 404, 200),
    "/api/projects/akuarium/parcels": expect(401, 200, 200, 200, 200),
    "/api/projects/kunir/parcels": expect(401, 200, 200, 404, 200),
    "/api/sites": expect(401, 200, 200, 200, 200),
}


def _cases(table):
    return [(path, role, code) for path, row in table.items() for role, code in row.items()]


@pytest.mark.db
@pytest.mark.parametrize(("path", "role", "status"), _cases(GET_PAGES))
def test_pages_by_role(client, db, path, role, status):
    response = sign_in(client, db, role).get(path, follow_redirects=False)
    assert response.status_code == status
    if status == 302:
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.db
@pytest.mark.parametrize(("path", "role", "status"), _cases(GET_API))
def test_api_reads_by_role(client, db, path, role, status):
    response = sign_in(client, db, role).get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith(("application/json", "application/geo+json",
                                                        "application/problem+json"))


@pytest.mark.db
@pytest.mark.parametrize(
    ("role", "status"), list(expect(302, 302, 302, 403, 403).items())
)
def test_create_project_form_by_role(client, db, role, status):
    sign_in(client, db, role)
    form = {"cooperative": "kunir", "name": "Kunir Tahap 2", "slug": "kunir-2", "stage": "inisiasi",
            "_csrf_token": csrf_token(client)}
    response = client.post("/projects", data=form, follow_redirects=False)
    assert response.status_code == status
    if role in (ADMIN, PLANNER):
        assert response.headers["location"] == "/projects/kunir-2"
        assert client.get("/projects/kunir-2").status_code == 200


@pytest.mark.db
@pytest.mark.parametrize(
    ("slug", "role", "status"),
    [
        ("akuarium", ANON, 302), ("akuarium", ADMIN, 302), ("akuarium", PLANNER, 302),
        ("akuarium", OFFICER, 302), ("akuarium", VIEWER, 403),
        ("kunir", OFFICER, 404),  # another cooperative's project: as if it did not exist
    ],
)
def test_change_stage_by_role(client, db, slug, role, status):
    sign_in(client, db, role)
    response = client.post(f"/projects/{slug}/stage",
                           data={"stage": "konstruksi", "_csrf_token": csrf_token(client)},
                           follow_redirects=False)
    assert response.status_code == status
    if status == 302 and role:
        assert response.headers["location"] == f"/projects/{slug}?saved=1"
        assert client.get(f"/api/projects/{slug}").json()["stage"] == "konstruksi"


@pytest.mark.db
@pytest.mark.parametrize(("role", "status"), list(expect(401, 201, 201, 403, 403).items()))
def test_api_create_project_by_role(client, db, role, status):
    sign_in(client, db, role)
    body = {"cooperative": "marlina", "name": "Marlina Blok B", "slug": "marlina-b"}
    response = client.post("/api/projects", json=body, headers={"x-csrftoken": csrf_token(client)})
    assert response.status_code == status
    if status == 201:
        assert response.json()["slug"] == "marlina-b"
        assert response.json()["stage"] == "inisiasi"


@pytest.mark.db
@pytest.mark.parametrize(
    ("slug", "role", "status"),
    [("akuarium", ADMIN, 200), ("akuarium", PLANNER, 200), ("akuarium", OFFICER, 200),
     ("akuarium", VIEWER, 403), ("kunir", OFFICER, 404), ("akuarium", ANON, 401)],
)
def test_api_update_project_by_role(client, db, slug, role, status):
    sign_in(client, db, role)
    response = client.patch(f"/api/projects/{slug}", json={"stage": "perizinan"},
                            headers={"x-csrftoken": csrf_token(client)})
    assert response.status_code == status


@pytest.mark.db
def test_officer_sees_nothing_of_other_cooperatives_anywhere(client, db):
    sign_in(client, db, OFFICER)
    others = ("Kunir", "Marlina")
    for path in ("/", "/cooperatives", "/cooperatives/akuarium", "/projects/akuarium"):
        html = client.get(path).text
        assert not [name for name in others if name in html], path
    api = {
        "/api/cooperatives": lambda j: [c["slug"] for c in j],
        "/api/projects": lambda j: [p["slug"] for p in j["items"]],
        "/api/sites": lambda j: [f["properties"]["project"] for f in j["features"]],
    }
    for path, slugs in api.items():
        assert set(slugs(client.get(path).json())) == {"akuarium"}, path
    assert client.get("/api/projects?cooperative=kunir").status_code == 404
    assert client.get("/api/projects?stage=perencanaan").json()["total"] == 0  # Marlina is hidden


@pytest.mark.db
def test_planner_sees_all_three_founders(client, db):
    sign_in(client, db, PLANNER)
    sites = client.get("/api/sites").json()
    assert {f["properties"]["project"] for f in sites["features"]} == {"akuarium", "marlina", "kunir"}
    html = client.get("/").text
    for name in ("Kampung Susun Akuarium", "Kampung Susun Marlina", "Kampung Susun Kunir"):
        assert name in html


@pytest.mark.db
def test_bearer_token_carries_the_owners_role(client, db):
    from app.auth.service import create_token

    token = create_token(db, OFFICER, "test")
    db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).json()["role"] == "coop_officer"
    assert client.get("/api/projects/kunir", headers=headers).status_code == 404
    # A token is for scripts: no CSRF token needed, and a write within its role works.
    assert client.patch("/api/projects/akuarium", json={"stage": "dihuni"}, headers=headers).status_code == 200
    assert client.get("/api/me", headers={"Authorization": "Bearer japra_wrong"}).status_code == 401


@pytest.mark.db
def test_every_change_lands_in_the_audit_trail(client, db):
    sign_in(client, db, PLANNER)
    client.patch("/api/projects/marlina", json={"stage": "perizinan"}, headers={"x-csrftoken": csrf_token(client)})
    sign_in(client, db, ADMIN)
    html = client.get("/audit").text
    assert "project.update" in html and "perencanaan" in html and "perizinan" in html
