"""A project's site: its zoning (KDB, KLB, KDH, GSB) and the capacity that follows from it."""
