"""Land parcels of a project's site: import from planners' files, export, and their maps."""
