"""Members (anggota) of a cooperative: households, their needs and savings. Never public, never logged."""
