"""The shared store: one build in a PostgreSQL/PostGIS schema (`mapapp`), readable by many app
instances and by QGIS.

Writing builds a new schema `mapapp_build_<id>` (tables `features`, `boundaries`, `context`,
`manifest`, the view `features_qgis`, a GiST index on geometry and indexes on the filter columns:
GIN on the arrays, B-tree on kind, status and precision, trigram on `search` for the name filter),
then swaps it in with two renames in one transaction under an exclusive advisory lock. Readers take
the same lock shared for the length of a read, so a reader sees the old build or the new one,
never a mix; a failed build drops its own schema and leaves the current one serving.
"""
from __future__ import annotations

import copy
import json
import re
from contextlib import AbstractContextManager, contextmanager, nullcontext
from urllib.parse import urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import psycopg
import shapely
from psycopg import sql

from ..errors import BuildChanged, BuildMissing, BuildOutdated, MapappError, StoreError
from ..features import FeatureFilter
from ..schema import COLUMNS, FORMAT_VERSION, NAMES, check_columns, normalise
from . import BuildStore
from .folder import Build

SCHEMA = "mapapp"
MARKER_TABLE = "manifest"
LOCK_KEY = 0x6D61_7061_7070          # 'mapapp': serialises swaps against reads
_SQL_TYPES = {"str": "text NOT NULL DEFAULT ''", "str?": "text", "bool": "boolean NOT NULL",
              "float?": "double precision", "list": "text[] NOT NULL", "mentions": "json NOT NULL",
              "geometry": "geometry(Geometry, 4326)"}
BOUNDARY_COLUMNS = {"level": "text", "name": "text", "adcode": "bigint", "city": "text"}
SEARCH_SEPARATOR = "\n"
SEARCH_MEANING = ("the name and aliases lower-cased, one per line: the name filter's text, with a trigram index "
                  "(pg_trgm) for substring search")
_FILTER_INDEXES = {"plans": "gin", "sectors": "gin", "cities": "gin", "counties": "gin",
                   "kind": "btree", "status": "btree", "precision": "btree"}


def redact(url: str) -> str:
    """Return `url` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgisStore(BuildStore):
    """A build in a PostGIS schema (see the module docstring)."""

    def __init__(self, url: str):
        if not re.match(r"^postgres(ql)?://", url or ""):
            raise StoreError(f"unknown store '{redact(url)}': give a folder (--build-dir) or a "
                             f"postgresql://user@host:port/database URL")
        self.url = url
        self.where = redact(url)
        self._held = None     # the connection of a `reading()` context

    # -- connection -------------------------------------------------------------------------
    def connect(self):
        """Return a new psycopg connection. Raises StoreError (password never shown) when the
        server cannot be reached or refuses the connection."""
        try:
            return psycopg.connect(self.url, connect_timeout=5)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if self.url and urlsplit(self.url).password:
                reason = reason.replace(urlsplit(self.url).password, "***")
            raise StoreError(f"cannot connect to the PostGIS store {self.where}: {reason}") from None
        except ValueError as exc:     # a malformed URL (bad port, …)
            raise StoreError(f"malformed store URL {self.where}: {exc}") from None

    def _schemas(self, cur) -> set[str]:
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mapapp%%'")
        return {r[0] for r in cur.fetchall()}

    # -- BuildStore -------------------------------------------------------------------------
    def check_replaceable(self) -> None:
        """Return when the `mapapp` schema is absent or a mapapp build. Raises StoreError otherwise."""
        with self.connect() as conn, conn.cursor() as cur:
            self.check_replaceable_with(cur)

    def writing(self) -> AbstractContextManager:
        """Concurrent builds each write their own schema; the swap is serialised by the advisory
        lock, so the last writer wins with a whole build and no lock is held while building."""
        return nullcontext()

    def write(self, tables, manifest: dict, say) -> None:
        """Write the build into a new schema and swap it in. Raises StoreError; the previous build
        keeps serving."""

        new = f"mapapp_build_{manifest['build_id'][:16]}"
        try:
            with self.connect() as conn:
                with conn.cursor() as cur:
                    cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                    cur.execute(f'CREATE SCHEMA "{new}"')
                    say(f"writing features into {new}")
                    self._write_features(cur, new, tables.features)
                    self._write_simple(cur, new, "boundaries", tables.boundaries, BOUNDARY_COLUMNS)
                    self._write_simple(cur, new, "context", tables.context,
                                       {"kind": "text", "name": "text", "level": "text"})
                    cur.execute(f'CREATE TABLE "{new}".manifest (id integer PRIMARY KEY, format_version integer '
                                f'NOT NULL, build_id text NOT NULL, manifest json NOT NULL)')
                    cur.execute(f'INSERT INTO "{new}".manifest VALUES (1, %s, %s, %s)',
                                (FORMAT_VERSION, manifest["build_id"], json.dumps(manifest, ensure_ascii=False)))
                conn.commit()
                self._swap(conn, new)
        except psycopg.Error as exc:
            self._drop_quietly(new)
            raise StoreError(f"writing the build into {self.where} failed: {str(exc).strip().splitlines()[0]}; "
                             f"the previous build is still served") from None
        except BaseException:
            self._drop_quietly(new)
            raise

    def _swap(self, conn, new: str) -> None:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            self.check_replaceable_with(cur)
            old = f"{new}_old"
            if SCHEMA in self._schemas(cur):
                cur.execute(f'ALTER SCHEMA "{SCHEMA}" RENAME TO "{old}"')
            cur.execute(f'ALTER SCHEMA "{new}" RENAME TO "{SCHEMA}"')
            cur.execute(f'DROP SCHEMA IF EXISTS "{old}" CASCADE')
        conn.commit()

    def check_replaceable_with(self, cur) -> None:
        """The check of `check_replaceable` on an open cursor (also inside the swap's transaction)."""
        if SCHEMA in self._schemas(cur):
            cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename = %s",
                        (SCHEMA, MARKER_TABLE))
            if not cur.fetchone()[0]:
                raise StoreError(f"schema '{SCHEMA}' in {self.where} exists and is not a mapapp build (no "
                                 f"{MARKER_TABLE} table): refusing to replace it")

    def _drop_quietly(self, schema: str) -> None:
        try:
            with self.connect() as conn, conn.cursor() as cur:
                cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        except MapappError:
            pass

    def _write_features(self, cur, schema: str, features: gpd.GeoDataFrame) -> None:
        features = check_columns(features)
        cols = ", ".join(f'"{c.name}" {_SQL_TYPES[c.type]}' for c in COLUMNS)
        cur.execute(f'CREATE TABLE "{schema}".features (ord integer NOT NULL, {cols}, search text NOT NULL, '
                    f'PRIMARY KEY (id))')
        for c in COLUMNS:   # DDL takes no bound parameters: quote the comment as a literal
            cur.execute(sql.SQL('COMMENT ON COLUMN {}.features.{} IS {}').format(
                sql.Identifier(schema), sql.Identifier(c.name), sql.Literal(c.meaning)))
        cur.execute(sql.SQL('COMMENT ON COLUMN {}.features.search IS {}').format(
            sql.Identifier(schema), sql.Literal(SEARCH_MEANING)))
        names = ", ".join(f'"{n}"' for n in NAMES)
        with cur.copy(f'COPY "{schema}".features (ord, {names}, search) FROM STDIN') as copy:
            for i, row in enumerate(features.itertuples(index=False)):
                values = [_to_sql(c, v) for c, v in zip(COLUMNS, row)]
                copy.write_row([i, *values, search_text(row.name, row.aliases)])
        cur.execute(f'CREATE INDEX ON "{schema}".features USING gist (geometry)')
        for col, method in _FILTER_INDEXES.items():
            cur.execute(f'CREATE INDEX ON "{schema}".features USING {method} ("{col}")')
        cur.execute(f'CREATE INDEX ON "{schema}".features USING gin (search gin_trgm_ops)')
        cur.execute(f'''CREATE VIEW "{schema}".features_qgis AS
            SELECT f.*, (SELECT string_agg(format('%s:%s %s', m->>'plan', m->>'line', m->>'quote'), E'\\n')
                         FROM json_array_elements(f.mentions) m) AS mentions_text
            FROM "{schema}".features f''')

    def _write_simple(self, cur, schema: str, name: str, frame: gpd.GeoDataFrame, types: dict) -> None:
        cols = ", ".join(f'"{c}" {t}' for c, t in types.items())
        cur.execute(f'CREATE TABLE "{schema}"."{name}" (ord integer PRIMARY KEY, {cols}, '
                    f'geometry geometry(Geometry, 4326))')
        with cur.copy(f'COPY "{schema}"."{name}" (ord, {", ".join(types)}, geometry) FROM STDIN') as copy:
            for i, row in enumerate(frame[[*types, "geometry"]].itertuples(index=False)):
                *values, geom = row
                copy.write_row([i, *(_plain_scalar(v) for v in values), _ewkb(geom)])
        cur.execute(f'CREATE INDEX ON "{schema}"."{name}" USING gist (geometry)')

    def _read(self, cur, table: str, columns: list[str], where: str = "", params: tuple = ()) -> gpd.GeoDataFrame:
        cols = ", ".join(f'"{c}"' for c in columns)
        cur.execute(f'SELECT {cols}, ST_AsBinary(geometry) FROM "{SCHEMA}"."{table}" {where} ORDER BY ord', params)
        rows = cur.fetchall()
        data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
        geoms = shapely.from_wkb(np.array([bytes(r[-1]) if r[-1] is not None else None for r in rows], dtype=object))
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")

    def _manifest(self, cur) -> dict:
        if SCHEMA not in self._schemas(cur):
            raise BuildMissing(f"no build in the PostGIS store {self.where}: run `mapapp build --store …`")
        cur.execute(f'SELECT format_version, manifest FROM "{SCHEMA}".manifest WHERE id = 1')
        row = cur.fetchone()
        if row is None:
            raise BuildMissing(f"the build in {self.where} has no manifest: run `mapapp build` again")
        if row[0] != FORMAT_VERSION:
            raise BuildOutdated(f"the build in {self.where} has format version {row[0]}, this mapapp reads "
                                f"format version {FORMAT_VERSION}: run `mapapp build` again")
        return row[1] if isinstance(row[1], dict) else json.loads(row[1])

    @contextmanager
    def _reading(self):
        """Yield a connection holding the shared read lock until its transaction ends: the one
        `reading()` holds, else a new one closed afterwards."""
        if self._held is not None:
            yield self._held
            return
        with self.connect() as conn:
            conn.execute("SELECT pg_advisory_xact_lock_shared(%s)", (LOCK_KEY,))
            yield conn

    @contextmanager
    def reading(self):
        """Yield this store bound to one read transaction under the shared lock: every read through
        it comes from the same build (a swap waits until the context ends)."""
        with self._reading() as conn:
            view = copy.copy(self)
            view._held = conn
            yield view

    def load(self) -> Build:
        """Return the current build. Raises BuildMissing, BuildOutdated or StoreError."""
        with self._reading() as conn, conn.cursor() as cur:
            manifest = self._manifest(cur)
            features = self._read(cur, "features", list(NAMES[:-1]))
            boundaries = self._read(cur, "boundaries", list(BOUNDARY_COLUMNS))
            context = self._read(cur, "context", ["kind", "name", "level"])
        return Build(normalise(check_columns(features)), boundaries, manifest, self.where, context)

    def manifest(self) -> dict:
        """Return the current build's manifest. Raises BuildMissing, BuildOutdated or StoreError."""
        with self._reading() as conn, conn.cursor() as cur:
            return self._manifest(cur)

    def build_id(self) -> str | None:
        """Return the current build's id, or None when there is none."""
        with self.connect() as conn, conn.cursor() as cur:
            if SCHEMA not in self._schemas(cur):
                return None
            cur.execute(f'SELECT build_id FROM "{SCHEMA}".manifest WHERE id = 1')
            row = cur.fetchone()
            return row[0] if row else None

    def boundaries(self) -> gpd.GeoDataFrame:
        """Return the current build's administrative units. Raises BuildMissing, BuildOutdated or StoreError."""
        with self._reading() as conn, conn.cursor() as cur:
            self._manifest(cur)
            return self._read(cur, "boundaries", list(BOUNDARY_COLUMNS))

    def select(self, flt: FeatureFilter) -> gpd.GeoDataFrame:
        """Return the features matching `flt` in table order, filtered in SQL with the indexes.
        Raises MapappError for an unknown unit in `flt.within`, like features.filter_features."""
        with self._reading() as conn, conn.cursor() as cur:
            self._manifest(cur)
            where, params = self._where(cur, flt)
            features = self._read(cur, "features", list(NAMES[:-1]), where, params)
        return normalise(check_columns(features))

    def select_ids(self, flt: FeatureFilter, build_id: str | None = None) -> list[str]:
        """Return the ids of the features matching `flt` in table order, filtered in SQL. Raises
        BuildChanged when `build_id` is given and the current build has another id, MapappError for
        an unknown unit."""
        with self._reading() as conn, conn.cursor() as cur:
            current = self._manifest(cur).get("build_id")
            if build_id is not None and current != build_id:
                raise BuildChanged(f"the store {self.where} now holds build {current}, not {build_id}")
            where, params = self._where(cur, flt)
            cur.execute(f'SELECT id FROM "{SCHEMA}".features {where} ORDER BY ord', params)
            return [r[0] for r in cur.fetchall()]

    def id_selector(self, build: Build):
        """Return a function giving the ids matching a filter, asked of the store in SQL; it raises
        BuildChanged once the store holds another build than `build`."""
        build_id = build.manifest.get("build_id")
        return lambda flt: self.select_ids(flt, build_id)

    def _where(self, cur, flt: FeatureFilter) -> tuple[str, tuple]:
        """Return the WHERE clause (or '') and its parameters selecting what `flt` selects."""
        where, params = [], []
        if not flt.include_unlocated:
            where.append("geometry IS NOT NULL")
        for col, values in (("plans", flt.plans), ("sectors", flt.sectors)):
            if values:
                where.append(f'"{col}" && %s::text[]')
                params.append(list(values))
        for col, values in (("kind", flt.kinds), ("status", flt.statuses), ("precision", flt.precisions)):
            if values:
                where.append(f'"{col}" = ANY(%s::text[])')
                params.append(list(values))
        q = flt.query.strip().lower()
        if q and SEARCH_SEPARATOR not in q:   # the trigram index narrows, strpos decides
            where.append("search LIKE %s AND strpos(search, %s) > 0")
            params += ["%" + re.sub(r"([\\%_])", r"\\\1", q) + "%", q]
        elif q:                               # a query spanning lines: name and aliases one by one
            where.append("(strpos(lower(name), %s) > 0 OR EXISTS (SELECT 1 FROM unnest(aliases) a "
                         "WHERE strpos(lower(a), %s) > 0))")
            params += [q, q]
        if flt.within:
            clause, more = self._within_clause(cur, flt.within)
            where.append(clause)
            params += more
        return ("WHERE " + " AND ".join(where)) if where else "", tuple(params)

    def _within_clause(self, cur, names: list[str]) -> tuple[str, list]:
        wanted, whole_province = [], False
        for name in names:
            cur.execute(f'SELECT name, level FROM "{SCHEMA}".boundaries WHERE name = %s OR adcode::text = %s '
                        f'ORDER BY ord LIMIT 1', (str(name), str(name)))
            row = cur.fetchone()
            if row is None:
                raise MapappError(f"unknown administrative unit '{name}' for --within "
                                  f"(use a full name such as 南昌市, 青云谱区 or 江西省)")
            wanted.append(row[0])
            whole_province |= row[1] == "province"
        if whole_province:
            return "cardinality(cities) > 0", []
        return "(cities && %s::text[] OR counties && %s::text[])", [wanted, wanted]


def search_text(name: str, aliases) -> str:
    """Return the `search` column's value: the name and aliases, lower-cased as Python does (the
    name filter's rule, features.filter_features), one per line."""
    return SEARCH_SEPARATOR.join([str(name), *(str(a) for a in aliases)]).lower()


def _plain_scalar(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def _ewkb(geom) -> str | None:
    """Return the geometry as hex EWKB with SRID 4326 (COPY's text form of a geometry), or None."""
    if geom is None or (isinstance(geom, float) and np.isnan(geom)):
        return None
    return shapely.to_wkb(geom, hex=True, include_srid=True) if shapely.get_srid(geom) == 4326 else \
        shapely.to_wkb(shapely.set_srid(geom, 4326), hex=True, include_srid=True)


def _to_sql(column, value):
    """Return a feature-table value in the form COPY expects for its SQL type."""
    if column.type == "geometry":
        return _ewkb(value)
    if column.type == "mentions":
        return json.dumps(list(value), ensure_ascii=False)
    if column.type == "list":
        return [str(v) for v in value]
    if column.type in ("float?", "str?") and (value is None or (isinstance(value, float) and np.isnan(value))):
        return None
    if column.type == "float?":
        return float(value)
    if column.type == "bool":
        return bool(value)
    return _plain_scalar(value)
