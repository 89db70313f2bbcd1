"""Japra: the web and persistence shell (Litestar, SQLAlchemy, Alembic, auth, routes)."""
