"""Japra's member cooperatives (koperasi primer)."""
