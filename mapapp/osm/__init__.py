"""Joining records to OpenStreetMap: import extracts or fetch from Overpass into a local cache,
then resolve `osm` geometry specs from it."""
