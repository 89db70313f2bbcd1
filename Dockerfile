# Japra's web app, with the PostgreSQL 15 client tools for `japra backup` and `japra restore`.
# docker-compose.yml builds and runs it next to PostGIS 15; see docs/deploy.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# make: the install below is the Makefile's own.
# postgresql-client-15: pg_dump refuses a server of a newer major version, so it matches PostGIS 15.
# Pango: WeasyPrint lays out the PDF documents with it (fonts are the app's own, in app/static/fonts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends make postgresql-client-15 libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY . .

# The same install as on a laptop, into a virtualenv outside the source tree.
RUN make install VENV=/opt/venv PYTHON=python3

# Run as an unprivileged user; /app stays root-owned and read-only to it.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /data --shell /usr/sbin/nologin japra \
 && mkdir -p /data /photos \
 && chown japra:japra /data /photos \
 && chmod 0755 /app/docker/entrypoint.sh

ENV PATH=/opt/venv/bin:$PATH \
    JAPRA_DATA_DIR=/data \
    JAPRA_HOST=0.0.0.0 \
    JAPRA_PORT=8000

# Backups written with `japra backup /data/...` (and the SQLite file, when no database URL is set).
# Site photos go to /photos when docker-compose.yml sets JAPRA_PHOTO_DIR (created here, so the japra user owns it).
VOLUME /data /photos
USER japra
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('JAPRA_PORT', '8000'), timeout=4)"]

# Migrates, then serves; arguments are passed to `japra serve` (e.g. --log-level warning).
ENTRYPOINT ["/app/docker/entrypoint.sh"]
