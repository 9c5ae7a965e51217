"""Which OSM objects mapapp keeps: the tags its records select on, and whether a tag is linear."""
from __future__ import annotations

ANY = "*"
# key -> accepted values (ANY for every value). An object is kept when one of its tags matches and
# it has a name, except railway lines and aerodromes, which are kept named or not.
WANTED: dict[str, set[str] | str] = {
    "railway": {"rail", "light_rail", "subway", "narrow_gauge", "construction", "station", "halt"},
    "public_transport": {"station"},
    "aeroway": {"aerodrome", "terminal"},
    "landuse": {"port", "industrial", "commercial", "retail", "reservoir", "basin"},
    "industrial": {"port"},
    "harbour": ANY,
    "leisure": {"park", "nature_reserve", "stadium", "sports_centre"},
    "boundary": {"national_park", "protected_area"},
    "natural": {"water", "wetland", "bay"},
    "water": ANY,
    "waterway": {"river", "canal", "dam", "weir", "lock_gate"},
    "highway": {"motorway", "trunk", "primary", "secondary"},
    "bridge": ANY,
    "tunnel": ANY,
    "man_made": {"bridge", "pier", "breakwater"},
    "power": {"plant", "substation", "line", "generator"},
    "tourism": {"attraction", "theme_park", "museum", "zoo", "viewpoint"},
    "historic": ANY,
    "amenity": {"hospital", "university", "college", "school", "marketplace"},
}
UNNAMED_OK = {("railway", "rail"), ("railway", "light_rail"), ("railway", "subway"), ("aeroway", "aerodrome")}
# Tags whose objects are lines even when the way is closed.
LINEAR = {"railway": {"rail", "light_rail", "subway", "narrow_gauge", "construction"},
          "highway": ANY, "waterway": {"river", "canal"}, "power": {"line"}}
NAME_KEYS = ("name", "name:zh", "name:zh-Hans", "official_name", "alt_name", "old_name", "short_name")


def _matches(table: dict, key: str, value: str) -> bool:
    wanted = table.get(key)
    return wanted is not None and (wanted == ANY or value in wanted)


def names_of(tags: dict[str, str]) -> list[str]:
    """Return every name of an object (name, name:zh, alt_name split on ';', …), without duplicates."""
    out: list[str] = []
    for key in NAME_KEYS:
        for name in (tags.get(key) or "").split(";"):
            name = name.strip()
            if name and name not in out:
                out.append(name)
    return out


def is_wanted(tags: dict[str, str]) -> bool:
    """Return whether an object with these tags belongs in mapapp's OSM cache."""
    named = bool(tags.get("name") or tags.get("name:zh"))
    return any(_matches(WANTED, key, value) and (named or (key, value) in UNNAMED_OK) for key, value in tags.items())


def is_linear(tags: dict[str, str]) -> bool:
    """Return whether an object with these tags is a line (so a closed way is not an area)."""
    if tags.get("area") == "yes":
        return False
    return any(_matches(LINEAR, k, v) for k, v in tags.items())


def osm_filter_keys() -> list[str]:
    """Return the keys of WANTED (for a first, cheap key filter)."""
    return list(WANTED)
