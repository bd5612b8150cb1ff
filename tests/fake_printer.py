"""A network receipt printer on 127.0.0.1 that keeps the bytes it receives, and a reader for them."""

import re
import socket
import threading


class FakePrinter(threading.Thread):
    """Accepts one job per connection, as a port-9100 printer does; `jobs` holds each connection's bytes."""

    def __init__(self):
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.jobs: list[bytes] = []
        self.job_done = threading.Semaphore(0)

    def run(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            self.jobs.append(data)
            self.job_done.release()

    def next_job(self, timeout: float = 5) -> bytes:
        assert self.job_done.acquire(timeout=timeout), "the printer received nothing"
        return self.jobs[-1]

    def close(self):
        self.server.close()


CUTS = (b"\x1dV\x00", b"\x1dVA\x00", b"\x1dV\x01", b"\x1dVB\x00")


def raster_widths(job: bytes) -> set[int]:
    """The width in dots of every GS v 0 raster image in a job."""
    return {(m.group(1)[0] + 256 * m.group(1)[1]) * 8 for m in re.finditer(rb"\x1dv0\x00(..)..", job, re.DOTALL)}


def ends_with_cut(job: bytes) -> bool:
    return job.endswith(CUTS)
