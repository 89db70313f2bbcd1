"""The construction context's pages, one module per sub-feature, under one router."""

from litestar import Router

from app.construction.pages import costs, footprints, photos, progress

router = Router(path="/", include_in_schema=False,
                route_handlers=[*progress.handlers, *photos.handlers, *costs.handlers, *footprints.handlers])
