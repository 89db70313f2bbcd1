"""Allocation meetings: which household gets which home, decided in the open and kept for good."""
