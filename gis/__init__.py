"""Pure geometry functions over shapely and pyproj: no web, no database, nothing from `app`."""
