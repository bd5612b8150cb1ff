"""Writers to a showroom's SQLite file queue on one lock across threads and worker processes."""

import subprocess
import sys
import threading
import time

from pos.core.database import sqlite_writer

TRY_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1] + ".writer-lock", os.O_RDWR | os.O_CREAT)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("acquired")
except BlockingIOError:
    print("busy")
"""


def other_process_can_write(database) -> bool:
    out = subprocess.run([sys.executable, "-c", TRY_LOCK, str(database)], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "acquired"


def test_a_writer_holds_off_other_worker_processes_until_it_is_done(tmp_path):
    database = tmp_path / "pos.sqlite3"
    with sqlite_writer(str(database)):
        assert not other_process_can_write(database)
    assert other_process_can_write(database)


def test_threads_of_one_process_take_turns(tmp_path):
    database, inside, overlaps = str(tmp_path / "pos.sqlite3"), [], []

    def write():
        with sqlite_writer(database):
            if inside:
                overlaps.append(1)
            inside.append(1)
            time.sleep(0.01)
            inside.pop()

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
