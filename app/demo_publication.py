"""The demo's public pages: Akuarium (built, lived in, paying) and Marlina (under construction) are published with a
short story and their timeline, so the public overview has something to show on first start."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.projects.models import Project
from app.publishing import service as publishing
from app.publishing.models import Publication

ACTOR = "demo"
PAGES = {
    "akuarium": {
        "story_md": "## Kampung yang kembali\n\nWarga Kampung Akuarium merencanakan kampung susun mereka sendiri "
                    "bersama koperasi: lima blok di tanah Pemprov di kawasan Kota Tua. Tahap pertama, blok B dan D, "
                    "dihuni sejak 17 Agustus 2021.\n\n*Teks contoh untuk data demo; angka di halaman ini dari data "
                    "demo, bukan dari koperasi.*",
        "reference_price_per_m2": 18_000_000, "typical_rent": 1_800_000,
        "timeline": (("dihuni", date(2021, 8, 17)),),
    },
    "marlina": {
        "story_md": "## Dari kampung untuk kampung\n\nWarga Kampung Marlina membangun rumah susun mereka sendiri "
                    "di tepi Waduk Pluit. Peta ini menunjukkan kemajuan tiap blok dari minggu ke minggu.\n\n"
                    "*Teks contoh untuk data demo.*",
        "reference_price_per_m2": 15_000_000, "typical_rent": 1_500_000,
        "timeline": (("perencanaan", date(2024, 3, 1)), ("konstruksi", date(2025, 11, 3))),
    },
}


def load(session: Session) -> int:
    """Publishes the demo pages that have no publication yet. Returns how many."""
    published = 0
    for slug, values in PAGES.items():
        project = session.scalar(select(Project).where(Project.slug == slug))
        if project is None or session.get(Publication, project.id) is not None:
            continue
        publishing.save(session, ACTOR, project, publishing.PublicationIn(
            published=True, shown=frozenset(publishing.TOGGLES), **values))
        published += 1
    return published
