"""Settings, read once from environment variables prefixed JAPRA_."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT / "data"


def _env(name: str, default: str) -> str:
    return os.environ.get(f"JAPRA_{name}", default)


def normalise_database_url(url: str) -> str:
    # psycopg 3 is the one PostgreSQL driver we ship; accept the plain scheme people copy from docs.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _secret_key(data_dir: Path) -> str:
    """A stable secret per installation: sessions and CSRF tokens survive restarts without setup."""
    explicit = os.environ.get("JAPRA_SECRET_KEY")
    if explicit:
        return explicit
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    host: str
    port: int
    secret_key: str
    default_locale: str = "id"
    # Cookies are marked Secure whenever the request came over https; this forces it behind a proxy.
    force_secure_cookies: bool = False
    session_hours: int = 12
    login_attempts_per_minute: int = 10
    # Public pages per visitor address a minute: a reader clicks a few pages; a scraper loop is cut off. The pages
    # themselves are cached, so this guards the server against one client, not against popularity.
    public_requests_per_minute: int = 240
    # The address the world reaches the app at (https://japra.example.org), for links in public pages, exports and
    # posters; unset, each request's own address is used.
    public_url: str | None = None
    debug: bool = False
    # Parcel files from surveyors are rarely over a few MB; 50 MB leaves room for a city layer.
    max_upload_mb: int = 50
    locales: tuple[str, ...] = field(default=("id", "en"))
    # Site photos (originals, public copies, thumbnails); None: a photos/ folder in the data folder.
    photo_dir: Path | None = None
    # A phone's photo is 2-12 MB; 15 MB takes a good camera's JPEG, and three fit in one form's upload limit.
    photo_max_bytes: int = 15 * 1024 * 1024
    # A 50-megapixel phone camera at full resolution; more is an image built to exhaust memory when decoded.
    photo_max_pixels: int = 50_000_000

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def photo_folder(self) -> Path:
        return self.photo_dir or self.data_dir / "photos"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    data_dir = Path(_env("DATA_DIR", str(DEFAULT_DATA_DIR))).resolve()
    default_db = f"sqlite:///{data_dir / 'japra.sqlite3'}"
    return Settings(
        data_dir=data_dir,
        database_url=normalise_database_url(_env("DATABASE_URL", default_db)),
        host=_env("HOST", "127.0.0.1"),
        port=int(_env("PORT", "8000")),
        secret_key=_secret_key(data_dir),
        force_secure_cookies=_env("SECURE_COOKIES", "0") == "1",
        session_hours=int(_env("SESSION_HOURS", "12")),
        login_attempts_per_minute=int(_env("LOGIN_ATTEMPTS_PER_MINUTE", "10")),
        public_requests_per_minute=int(_env("PUBLIC_REQUESTS_PER_MINUTE", "240")),
        public_url=_env("PUBLIC_URL", "") or None,
        debug=_env("DEBUG", "0") == "1",
        max_upload_mb=int(_env("MAX_UPLOAD_MB", "50")),
        photo_dir=Path(_env("PHOTO_DIR", str(data_dir / "photos"))).resolve(),
        photo_max_bytes=int(_env("PHOTO_MAX_MB", "15")) * 1024 * 1024,
        photo_max_pixels=int(_env("PHOTO_MAX_MEGAPIXELS", "50")) * 1_000_000,
    )
