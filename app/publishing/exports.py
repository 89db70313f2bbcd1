"""What a visitor takes away from a public page: the Open Graph preview, the single-file map and the posters.

Each is built from the public view only (app.publishing.service.view), so it carries what the page carries and
nothing more: public photos as their EXIF-free copies, aggregates, the site and its blocks.
"""

from __future__ import annotations

import base64
from contextlib import suppress
from decimal import Decimal

from shapely.geometry import shape
from sqlalchemy.orm import Session

from app.clock import jakarta_today
from app.config import ROOT
from app.construction.models import SitePhoto
from app.documents.blockmap import blocks_svg
from app.documents.pdf import render_pdf
from app.errors import NotFound
from app.i18n import gettext_for
from app.projects.models import Project
from app.publishing import service as publishing
from app.web.templating import environment
from publication.preview import PreviewBlock, PreviewLabels, map_preview_png
from publication.qr import qr_svg
from publication.standalone import inline_css_urls, standalone_html

STATIC = ROOT / "app" / "static"
FONT = STATIC / "fonts" / "IBMPlexSans-Regular.woff"
BOLD = STATIC / "fonts" / "IBMPlexSans-Bold.woff"
POSTER_SIZES = {"a4": "A4", "a3": "A3"}
POSTER_PHOTOS = {"a4": 3, "a3": 6}  # one row on A4, two on A3: the poster stays one page


def preview_png(session: Session, project: Project, view: publishing.PublicView, locale: str) -> bytes:
    _ = gettext_for(locale)
    parcels = [shape(view.site)] if view.site else []  # the site's outline only, as the page shows it
    blocks = [PreviewBlock(shape(b["geometry"]), None if b["percent"] is None else Decimal(b["percent"]),
                           f"{b['code']} · {b['percent']}%" if b["percent"] is not None else b["code"])
              for b in view.blocks if b["geometry"]]
    labels = PreviewLabels(title=view.title, subtitle=view.cooperative, legend_progress=_("Construction complete"),
                           legend_not_started=_("Not started"), legend_parcels=_("Site"))
    return map_preview_png(parcels, blocks, labels=labels, font_path=FONT, bold_font_path=BOLD)


def _photo_bytes(session: Session, store, view: publishing.PublicView, kind: str, limit: int | None = None):
    from app.construction import photos

    out = {}
    for item in view.photos[:limit]:
        photo = session.get(SitePhoto, item["id"])
        with suppress(NotFound):  # a missing file (logged by photos.read) leaves the photo out, not the export
            out[item["id"]] = photos.read(store, photo, kind)
    return out


def standalone(session: Session, project: Project, view: publishing.PublicView, locale: str, store,
               base_url: str) -> str:
    """The public page's map, figures and photos as one HTML file that opens with no network."""
    data = view.as_data()
    images = {}
    for photo_id, content in _photo_bytes(session, store, view, "thumb").items():
        images[f"photo-{photo_id}"] = content
    for item in data["photos"]:
        if f"photo-{item['id']}" in images:
            item["src"] = "data:image/jpeg;base64," + base64.b64encode(images[f"photo-{item['id']}"]).decode()
    data["photos"] = [p for p in data["photos"] if "src" in p]
    leaflet_dir = STATIC / "vendor" / "leaflet"

    def resolve(url: str) -> bytes | None:
        path = (leaflet_dir / url).resolve()
        return path.read_bytes() if path.is_file() and leaflet_dir in path.parents else None

    css = [inline_css_urls((leaflet_dir / "leaflet.css").read_text(), resolve),
           (STATIC / "css" / "app.css").read_text(), (STATIC / "css" / "public.css").read_text()]
    scripts = [(leaflet_dir / "leaflet.js").read_text(), (STATIC / "js" / "public_map.js").read_text()]
    page_url = f"{base_url.rstrip('/')}/publik/{view.slug}"
    body = environment().get_template("public/standalone_body.html").render(
        locale=locale, view=view, page_url=page_url, qr=qr_svg(page_url), exported_on=jakarta_today().isoformat())
    return standalone_html(title=view.title, lang=locale, css=css, scripts=scripts, data=data, images={},
                           body_html=body)


def poster_pdf(session: Session, project: Project, view: publishing.PublicView, locale: str, size: str, store,
               base_url: str) -> bytes:
    """A poster (A4 or A3) to pin up in the kampung hall or hand to an official: map, figures, photos, QR code."""
    footprints = list(publishing.footprint_rows(session, project).values()) if view.blocks else []
    percents = {b["code"]: Decimal(b["percent"]) for b in view.blocks if b["percent"] is not None}
    parcels = [shape(view.site)] if view.site else []
    width = 269 if size == "a3" else 182  # the page's width inside its 14 mm margins
    blocks = blocks_svg(footprints, parcels, percents, width_mm=width, height_mm=width * 0.42,
                        locale=locale) if footprints else ""
    photo_uris = {pid: "data:image/jpeg;base64," + base64.b64encode(content).decode()
                  for pid, content in _photo_bytes(session, store, view, "public", POSTER_PHOTOS[size]).items()}
    page_url = f"{base_url.rstrip('/')}/publik/{view.slug}"
    html = environment().get_template("pdf/poster.html").render(
        locale=locale, view=view, size=POSTER_SIZES[size], blocks_svg=blocks, photos=photo_uris,
        qr=qr_svg(page_url), page_url=page_url, printed_on=jakarta_today())
    return render_pdf(html)
