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
    debug: bool = False
    # Parcel files from surveyors are rarely over a few MB; 50 MB leaves room for a city layer.
    max_upload_mb: int = 50
    locales: tuple[str, ...] = field(default=("id", "en"))

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


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
        debug=_env("DEBUG", "0") == "1",
        max_upload_mb=int(_env("MAX_UPLOAD_MB", "50")),
    )
