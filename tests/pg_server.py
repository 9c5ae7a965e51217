"""A throw-away PostgreSQL + PostGIS server for the tests: Debian's version-15 binaries, a data
folder and socket folder owned by the test run, a free port on 127.0.0.1. As root the server runs
as the `postgres` user (initdb refuses root)."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("MAPAPP_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")


def unavailable() -> str | None:
    """Return why no test server can be started here, or None when it can."""
    if not (PG_BIN / "initdb").is_file():
        return f"PostgreSQL server binaries not found in {PG_BIN} (apt-get install postgresql-15)"
    if not POSTGIS_CONTROL.is_file():
        return "PostGIS is not installed (apt-get install postgresql-15-postgis-3)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running server; `url(db)` gives a connection URL; `stop()` removes everything."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="mapapp-pg-"))
        self.port = _free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            pg = pwd.getpwnam("postgres")
            os.chown(self.root, pg.pw_uid, pg.pw_gid)
        data = self.root / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.root / "server.log"), "-w", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        self.data = data

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(PG_BIN / tool), *args], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, cwd=self.root)

    def create_database(self, name: str) -> str:
        """Create database `name` and return its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
