from __future__ import annotations

import json

import pytest
import shapely
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy import create_engine, inspect, select, text

import app.models  # noqa: F401
from app.cooperatives.models import Cooperative
from app.db.base import Base
from app.db.migrate import compare_type, current_revision, downgrade, head_revision, include_name, upgrade
from app.projects.models import Parcel, Project, Site

pytestmark = pytest.mark.db


def test_migrations_upgrade_from_empty_downgrade_one_step_and_back(scratch_database_url):
    url = scratch_database_url
    upgrade(url)
    assert current_revision(url) == head_revision()
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    assert {"cooperative", "project", "site", "parcel", "app_user", "audit_entry"} <= tables

    from alembic.script import ScriptDirectory

    from app.db.migrate import alembic_config

    previous = ScriptDirectory.from_config(alembic_config()).get_revision(head_revision()).down_revision
    downgrade(url, "-1")
    assert current_revision(url) == previous

    downgrade(url, "0002")
    assert "area_m2" not in {c["name"] for c in inspect(engine).get_columns("parcel")}
    assert "kdb_pct" not in {c["name"] for c in inspect(engine).get_columns("site")}

    downgrade(url, "0001")
    tables = set(inspect(engine).get_table_names())
    assert "app_user" not in tables and "audit_entry" not in tables and "parcel" in tables

    upgrade(url)
    assert current_revision(url) == head_revision()
    engine.dispose()


def test_models_and_migrations_describe_the_same_schema(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": compare_type, "include_name": include_name})
        assert compare_metadata(context, Base.metadata) == []


def test_geometry_round_trips_as_shapely(db):
    site = db.scalar(select(Site).join(Project).where(Project.slug == "marlina"))
    shape = box(106.80, -6.118, 106.8005, -6.1175)
    site.parcels.append(Parcel(code="T-1", geom=shape))
    db.flush()
    db.expire_all()
    parcel = db.scalar(select(Parcel).where(Parcel.code == "T-1"))
    assert isinstance(parcel.geom, MultiPolygon)  # polygons are stored as multipolygons
    assert parcel.geom.equals(MultiPolygon([shape]))
    assert (parcel.min_lon, parcel.min_lat, parcel.max_lon, parcel.max_lat) == pytest.approx(shape.bounds)
    assert parcel.area_m2 == pytest.approx(55.3 * 55.3, rel=0.01)  # measured in metres when the shape was set


def test_a_parcel_must_be_a_polygon(db):
    with pytest.raises(ValueError, match="polygon"):
        Parcel(code="line", geom=shapely.LineString([(0, 0), (1, 1)]))
    with pytest.raises(ValueError, match="polygon"):
        Parcel(code="empty", geom=Polygon())


def test_database_refuses_an_unknown_stage(db):
    coop = db.scalar(select(Cooperative).where(Cooperative.slug == "kunir"))
    db.add(Project(cooperative=coop, slug="weird", name="Weird", stage="finished"))
    with pytest.raises(Exception, match="(?i)check|constraint"):
        db.flush()


@pytest.mark.postgis
def test_postgis_column_srid_and_gist_index(require_postgis, db):
    gtype = db.execute(text(
        "SELECT type, srid FROM geometry_columns WHERE f_table_name = 'parcel' AND f_geometry_column = 'geom'"
    )).one()
    assert gtype == ("MULTIPOLYGON", 4326)
    indexdef = db.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_parcel_geom'"))
    assert "USING gist" in indexdef


@pytest.mark.postgis
def test_postgis_agrees_with_our_metric_area(require_postgis, db):
    from gis.measure import area_m2

    parcel = db.scalar(select(Parcel).where(Parcel.code == "KUN-01"))
    geodesic = db.scalar(text("SELECT ST_Area(geom::geography) FROM parcel WHERE code = 'KUN-01'"))
    assert abs(area_m2(parcel.geom) - geodesic) / geodesic < 0.001
    srid = db.scalar(text("SELECT DISTINCT ST_SRID(geom) FROM parcel"))
    assert srid == 4326


def test_upgrading_forgets_the_member_values_an_older_audit_trail_kept(scratch_database_url):
    url = scratch_database_url
    upgrade(url, "0011")
    engine = create_engine(url)
    recorded = {"number": {"old": "KNR-1", "new": "KNR-9"}, "household_size": {"old": "3", "new": "5"},
                "disability": {"old": "False", "new": "True"}, "name": "changed"}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_entry (at, actor, action, entity_type, entity_id, changes) "
                          "VALUES (CURRENT_TIMESTAMP, 'pengurus', :action, 'member', '1', :changes)"),
                     [{"action": "member.update", "changes": json.dumps(recorded)},
                      {"action": "project.create", "changes": json.dumps({"name": "Rusun Kunir"})}])
    upgrade(url)
    with engine.connect() as conn:
        kept = {action: json.loads(changes) if isinstance(changes, str) else changes for action, changes in
                conn.execute(text("SELECT action, changes FROM audit_entry"))}
    engine.dispose()
    assert kept["member.update"] == {"number": {"old": "KNR-1", "new": "KNR-9"}, "household_size": "changed",
                                     "disability": "changed", "name": "changed"}
    assert kept["project.create"] == {"name": "Rusun Kunir"}  # only members' entries are personal
