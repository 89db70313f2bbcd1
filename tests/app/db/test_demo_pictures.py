"""The demo's site pictures: drawings standing in for photos, saying so, placed on their blocks."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import select

from app import demo_construction
from app.construction import photos as site_photos
from app.construction.models import SitePhoto

pytestmark = pytest.mark.db


def test_each_month_gets_a_picture_per_block_and_the_latest_are_public(db, settings, tmp_path):
    store = site_photos.PhotoStore.from_settings(dataclasses.replace(settings, photo_dir=tmp_path / "photos"))
    demo_construction.load(db, date(2026, 11, 24))
    added = demo_construction.illustrate(db, store, date(2026, 11, 24), public=4)
    rows = db.scalars(select(SitePhoto)).all()
    assert added == len(rows) == 2 * 13  # Nov 2025 to Nov 2026, blocks A and B
    assert sum(r.public for r in rows) == 4
    assert all(r.lat is not None and r.report_id is not None for r in rows)
    assert demo_construction.illustrate(db, store, date(2026, 11, 24)) == 0  # once only
