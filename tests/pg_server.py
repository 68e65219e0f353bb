"""A throwaway PostgreSQL cluster in a temp dir, for the test fixtures and the benchmarks (no pytest here)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
PG_OS_USER = "postgres"


def pg_bin_dir() -> Path | None:
    """The newest PostgreSQL bin directory with initdb and pg_ctl (Debian layout, then PATH)."""

    def version_key(d: Path) -> tuple[int, ...]:
        try:
            return tuple(int(p) for p in d.parent.name.split("."))
        except ValueError:
            return (0,)

    for d in sorted(PG_ROOT.glob("*/bin"), key=version_key, reverse=True):
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl and Path(initdb).parent == Path(pg_ctl).parent:
        return Path(initdb).parent
    return None


def unavailable_reason() -> str | None:
    """Why no throwaway server can be started here, or None when it can."""
    if pg_bin_dir() is None:
        return f"initdb/pg_ctl not found under {PG_ROOT}/*/bin or on PATH"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root and `runuser` is missing (initdb refuses to run as root)"
        try:
            pwd.getpwnam(PG_OS_USER)
        except KeyError:
            return f"running as root and there is no '{PG_OS_USER}' system user to run the server"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "the psycopg driver is not installed (pip install -e '.[dev]')"
    return None


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _utf8_locale() -> str | None:
    """C.UTF-8 if the system has it: byte-order collation, but lower()/upper() that know Cyrillic."""
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    names = {line.strip().lower() for line in out.splitlines()}
    return "C.UTF-8" if {"c.utf8", "c.utf-8"} & names else None


class PgServer:
    """A throwaway cluster in a temp dir, reachable on 127.0.0.1:<port> and a Unix socket in the dir."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.base = Path(tempfile.mkdtemp(prefix="okmot-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = 0
        self.running = False

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            # initdb and postgres refuse to run as root: run them as the postgres system user.
            cmd = ["runuser", "-u", PG_OS_USER, "--", *cmd]
        # cwd: the server user must be able to read its working directory.
        return subprocess.run(cmd, cwd=self.base, capture_output=True, text=True, timeout=120)

    def _check(self, result: subprocess.CompletedProcess, what: str) -> None:
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
            )

    def init(self, **settings: str) -> None:
        """initdb; ``settings`` override the test defaults (values as written in postgresql.conf)."""
        if self.as_root:
            pw = pwd.getpwnam(PG_OS_USER)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        args = ["initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                "--no-sync"]
        locale = _utf8_locale()
        args += [f"--locale={locale}"] if locale else ["--no-locale"]
        self._check(self._run(*args), "initdb")
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.base}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "'32MB'",
            "max_connections": "100",
            "timezone": "'UTC'",
            **settings,
        }
        # Appending keeps the file's owner (the server user); later lines win over earlier ones.
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as f:
            f.write("\n# okmot throwaway server\n")
            f.writelines(f"{k} = {v}\n" for k, v in conf.items())

    def start(self) -> None:
        # Another process may grab the port between choosing and binding it: retry on a new one.
        for attempt in range(5):
            self.port = _free_port()
            result = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                               "-o", f"-p {self.port}", "start")
            if result.returncode == 0:
                self.running = True
                return
            if attempt == 4:
                self._check(result, "pg_ctl start")

    def stop(self) -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.running = False
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def admin_connection(self):
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                               autocommit=True, connect_timeout=10)

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        with self.admin_connection() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        with self.admin_connection() as conn:
            # FORCE ends sessions a caller may have left open (PostgreSQL 13+).
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def throwaway_server(**settings: str) -> Iterator[PgServer]:
    """A started server, stopped and removed when the block ends; RuntimeError when none can run here."""
    reason = unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"PostgreSQL cannot run: {reason}")
    server = PgServer(pg_bin_dir())
    try:
        server.init(**settings)
        server.start()
        yield server
    finally:
        server.stop()
