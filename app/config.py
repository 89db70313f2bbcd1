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


def _int(name: str, default: int) -> int:
    value = _env(name, str(default)).strip()
    if not value.isdigit() or len(value) > 9:
        raise SettingsError(f"JAPRA_{name}: {value!r} is not a whole number.")
    return int(value)


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
    # The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or networks). None by
    # default: a client that writes its own X-Forwarded-For must not pick the address the sign-in limit counts.
    trusted_proxies: tuple[str, ...] = ()
    # JAPRA_SECRET_KEY was set, rather than a key generated into the data folder on first start.
    secret_key_configured: bool = False

    @property
    def own_hosts(self) -> frozenset[str]:
        """Host headers naming this server itself: where it listens, and loopback, with its port."""
        names = {"localhost", "127.0.0.1", "[::1]"}
        if self.host not in ("0.0.0.0", "::", ""):  # noqa: S104 - listening everywhere names no host
            names.add(f"[{self.host}]" if ":" in self.host else self.host)
        return frozenset(f"{name}:{self.port}" for name in names)

    def refusals_to_serve(self) -> list[str]:
        """Why this configuration must not serve (English, for the operator's console); empty when it may."""
        problems = []
        if self.force_secure_cookies and not self.public_url:
            problems.append("JAPRA_SECURE_COOKIES=1 needs JAPRA_PUBLIC_URL (the https address the world uses): "
                            "without it, links on public pages would follow whatever Host header a request sends.")
        if self.force_secure_cookies and not self.secret_key_configured:
            problems.append("JAPRA_SECURE_COOKIES=1 needs JAPRA_SECRET_KEY: a server's key is set, and backed up, "
                            "by its operator.")
        return problems

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
        port=_int("PORT", 8000),
        secret_key=_secret_key(data_dir),
        force_secure_cookies=_env("SECURE_COOKIES", "0") == "1",
        session_hours=_int("SESSION_HOURS", 12),
        login_attempts_per_minute=_int("LOGIN_ATTEMPTS_PER_MINUTE", 10),
        public_requests_per_minute=_int("PUBLIC_REQUESTS_PER_MINUTE", 240),
        public_url=_env("PUBLIC_URL", "") or None,
        debug=_env("DEBUG", "0") == "1",
        max_upload_mb=_int("MAX_UPLOAD_MB", 50),
        photo_dir=Path(_env("PHOTO_DIR", str(data_dir / "photos"))).resolve(),
        photo_max_bytes=_int("PHOTO_MAX_MB", 15) * 1024 * 1024,
        photo_max_pixels=_int("PHOTO_MAX_MEGAPIXELS", 50) * 1_000_000,
        trusted_proxies=_proxies(_env("TRUSTED_PROXIES", "")),
        secret_key_configured=bool(os.environ.get("JAPRA_SECRET_KEY")),
    )


class SettingsError(ValueError):
    """A setting that cannot be used; the message names the variable (for the operator, in English)."""


def _proxies(value: str) -> tuple[str, ...]:
    """JAPRA_TRUSTED_PROXIES: addresses or networks separated by commas, e.g. `127.0.0.1,172.28.0.0/16`."""
    import ipaddress

    found = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise SettingsError(f"JAPRA_TRUSTED_PROXIES: {part!r} is not an IP address or network.") from None
        found.append(part)
    return tuple(found)
