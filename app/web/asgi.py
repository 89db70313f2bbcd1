"""ASGI entry point for uvicorn: `app.web.asgi:app`."""

from app.config import get_settings
from app.web.app import create_app

_settings = get_settings()
if _settings.refusals_to_serve():  # as `japra serve` refuses, for a server started with uvicorn itself
    raise SystemExit("\n".join(_settings.refusals_to_serve()))
app = create_app(_settings)
