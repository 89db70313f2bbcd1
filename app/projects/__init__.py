"""Housing projects of a cooperative, their sites and land parcels."""
