"""Construction progress: contract and handover, footprints, work packages, reports and photos, costs."""
