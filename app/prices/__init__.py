"""Price libraries: resource prices (HSD) and unit-price analyses (AHSP), versioned by region and date."""
