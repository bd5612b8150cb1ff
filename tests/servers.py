"""The app as it runs in production, in processes of its own: gunicorn serving wsgi.py, `flask` commands. For the
tests that need real processes (browser journeys, crash and worker tests, the sync sender) and the sync benchmark.
`env` is the whole environment of the process (FLASK_APP, DATABASE_URL, SECRET_KEY...)."""

import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


def flask_cli(env, *args, **options):
    """Run a `flask` command to its end; a failure raises, with its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "flask", *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True, **options
    )


def flask_process(env, *args, **popen):
    """A long-running `flask` command (`sync run`), its output thrown away unless `popen` says otherwise."""
    return subprocess.Popen(
        [sys.executable, "-m", "flask", *args],
        env=env,
        cwd=ROOT,
        **{"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL} | popen,
    )


def gunicorn(env, port: int, *, workers: int = 1, threads: int = 1, **popen):
    """wsgi.py under gunicorn on 127.0.0.1:`port`, as in production."""
    command = ["gunicorn", "--no-control-socket", "--workers", str(workers), "--threads", str(threads)]
    return subprocess.Popen(
        [sys.executable, "-m", *command, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        env=env,
        cwd=ROOT,
        **{"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL} | popen,
    )
