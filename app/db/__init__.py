"""Persistence: declarative base, portable geometry type, engine and sessions, migrations."""
