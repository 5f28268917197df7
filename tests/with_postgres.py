"""Runs a command against a throwaway PostgreSQL server made from the installed binaries.

    python tests/with_postgres.py pytest -q

The server lives in a temporary folder, listens on 127.0.0.1 only, and is removed afterwards.
TEST_DATABASE_URL is set for the command. Where the binaries are missing this says so loudly
and exits 0, unless REQUIRE_POSTGRES=1, when it fails.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_unprivileged_user():
    """PostgreSQL refuses to run as root; CI runs as root, so drop to the postgres user."""
    if os.geteuid() != 0:
        return None, None
    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue

        def demote(uid=entry.pw_uid, gid=entry.pw_gid):
            os.setgid(gid)
            os.setuid(uid)

        return demote, entry
    raise SystemExit("Running as root and no unprivileged user to run PostgreSQL as.")


def available() -> bool:
    return bool(find_binary("initdb") and find_binary("pg_ctl"))


@contextlib.contextmanager
def throwaway_server(database: str = "workspace_test"):
    """A PostgreSQL server in a temporary folder on 127.0.0.1, with one empty database; yields its URL."""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    demote, entry = as_unprivileged_user()
    root = tempfile.mkdtemp(prefix="workspace-pg-")
    data, log = os.path.join(root, "data"), os.path.join(root, "server.log")
    if entry is not None:
        os.chown(root, entry.pw_uid, entry.pw_gid)
    port = free_port()
    try:
        subprocess.run(
            [initdb, "-D", data, "-U", "workspace", "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True,
            stdout=subprocess.DEVNULL,
            preexec_fn=demote,
            cwd=root,
        )
        subprocess.run(
            [
                pg_ctl,
                "-D",
                data,
                "-l",
                log,
                "-w",
                "-o",
                f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            preexec_fn=demote,
            cwd=root,
        )
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={port} user=workspace dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f"CREATE DATABASE {database}")
        print(f"PostgreSQL server on 127.0.0.1:{port}", file=sys.stderr)
        yield f"postgresql+psycopg://workspace@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(
            [pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=demote,
            cwd=root,
        )
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    if not available():
        banner = (
            "PostgreSQL binaries (initdb, pg_ctl) not found: the PostgreSQL half of the suite is SKIPPED."
        )
        print("\n" + "!" * len(banner) + "\n" + banner + "\n" + "!" * len(banner) + "\n", file=sys.stderr)
        return 1 if os.environ.get("REQUIRE_POSTGRES") == "1" else 0
    with throwaway_server() as url:
        return subprocess.run(argv, env=dict(os.environ, TEST_DATABASE_URL=url)).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
