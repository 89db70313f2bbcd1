"""Design scenarios of a project: buildings, unit types, their cost and what each unit costs its member."""
