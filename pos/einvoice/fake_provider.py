"""A fake VNPT on loopback, speaking the SOAP of its integration guide (see pos/einvoice/vnpt.py), for tests, the
benchmark and the demo (`flask einvoice fake-provider`).

It keeps what it published in memory and answers like the guide says: `OK:pattern;serial-key_no_code,…`;
`ERR:13` when a key of the list is already there (nothing of the list is stored); `ERR:30` when an invoice is dated
before the last one of its symbol; `ERR:15` when dated after today; `ERR:23` without a tax-authority code; `ERR:1`
for a wrong account or password; `ERR:10` over 5,000 invoices. `GetMCCQThueByFkeys` answers what it holds.

Faults can be queued for the next calls (`fail_next`): "slow" answers after `delay_s` (the client has given up;
the invoices are stored all the same), "drop" stores the invoices and closes the connection without an answer,
"down" answers 503 without storing. Never listens beyond 127.0.0.1."""

import base64
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from lxml import etree

from pos.core.clock import local_today

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://tempuri.org/"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass
class Stored:
    key: str
    pattern: str
    serial: str
    number: str
    code: str
    issued_on: date
    xml: bytes


@dataclass
class FakeVnpt:
    account: str = "fake-account"
    ac_password: str = "fake-acpass"
    username: str = "fake-user"
    password: str = "fake-pass"
    delay_s: float = 2.0  # how long a "slow" answer takes
    invoices: dict[str, Stored] = field(default_factory=dict)
    numbers: set[tuple[str, str]] = field(default_factory=set)  # (serial, SHDon) held
    last_date: dict[tuple[str, str], date] = field(default_factory=dict)
    faults: deque = field(default_factory=deque)
    calls: list[str] = field(default_factory=list)  # method names, in order
    lock: threading.Lock = field(default_factory=threading.Lock)
    busy: int = 0
    today: object = local_today

    # --- control -----------------------------------------------------------------------------------

    def fail_next(self, fault: str, times: int = 1) -> None:
        assert fault in ("slow", "drop", "down")
        self.faults.extend([fault] * times)

    def wait_idle(self, timeout_s: float = 10.0) -> None:
        """Until no call is being answered (a "slow" one finishes after the client gave up)."""
        deadline = time.monotonic() + timeout_s
        while self.busy and time.monotonic() < deadline:
            time.sleep(0.01)

    def hold(self, stored: Stored) -> None:
        """Have this invoice as if published earlier (by another system or by hand)."""
        self.invoices[stored.key] = stored
        self.numbers.add((stored.serial, stored.number))

    def reset(self) -> None:
        with self.lock:
            self.invoices.clear()
            self.numbers.clear()
            self.last_date.clear()
            self.calls.clear()

    # --- the service -------------------------------------------------------------------------------

    def handle(self, body: bytes) -> tuple[int, bytes, str]:
        """(status, response body, fault to act out after storing: "" / "slow" / "drop")."""
        fault = self.faults.popleft() if self.faults else ""
        if fault == "down":
            return 503, b"Service Unavailable", ""
        try:
            envelope = etree.fromstring(body, _PARSER)
            call = envelope.find(f"{{{SOAP_NS}}}Body")[0]
        except (etree.XMLSyntaxError, TypeError, IndexError):
            return 400, _fault("Bad SOAP envelope"), ""
        method = etree.QName(call).localname
        args = {etree.QName(child).localname: (child.text or "") for child in call}
        self.calls.append(method)
        if method == "ImportAndPublishInvMTT":
            result = self.import_and_publish(args)
        elif method == "GetMCCQThueByFkeys":
            result = self.lookup(args)
        else:
            return 500, _fault(f"Unknown method {method}"), ""
        return 200, _answer(method, result), fault

    def _logged_in(self, args: dict) -> bool:
        return (args.get("Account"), args.get("ACpass"), args.get("username"), args.get("password")) == (
            self.account,
            self.ac_password,
            self.username,
            self.password,
        )

    def import_and_publish(self, args: dict) -> str:
        if not self._logged_in(args):
            return "ERR:1"
        pattern, serial = args.get("pattern", ""), args.get("serial", "")
        if not pattern or not serial:
            return "ERR:2"
        try:
            invoices = etree.fromstring(args.get("xmlInvData", "").encode(), _PARSER).findall("HDon")
        except etree.XMLSyntaxError:
            return "ERR:3"
        if not invoices:
            return "ERR:3"
        if len(invoices) > 5000:
            return "ERR:10"
        with self.lock:
            batch, keys = [], set()
            last = self.last_date.get((pattern, serial))
            for hdon in invoices:
                key = (hdon.findtext("key") or "").strip()
                general = hdon.find("DLHDon/TTChung")
                if not key or general is None or general.findtext("DVTTe") != "VND":
                    return "ERR:3"
                if key in self.invoices or key in keys:
                    return "ERR:13"
                try:
                    issued_on = date.fromisoformat(general.findtext("NLap") or "")
                except ValueError:
                    return "ERR:15"
                if issued_on > self.today():
                    return "ERR:15"
                if last and issued_on < last:
                    return "ERR:30"
                code = (hdon.findtext("MCCQT") or "").strip()
                if not code:
                    return "ERR:23"
                number = (general.findtext("SHDon") or "").strip()
                if number and ((serial, number) in self.numbers or any(s.number == number for s in batch)):
                    return "ERR:21"
                keys.add(key)
                last = max(last or issued_on, issued_on)
                batch.append(
                    Stored(key, pattern, serial, number, code, issued_on, etree.tostring(hdon, encoding="utf-8"))
                )
            for stored in batch:
                self.invoices[stored.key] = stored
                self.numbers.add((serial, stored.number))
            self.last_date[(pattern, serial)] = last
        items = ",".join(f"{s.key}_{s.number}_{s.code}" for s in batch)
        return f"OK:{pattern};{serial}-{items}"

    def lookup(self, args: dict) -> str:
        if not self._logged_in(args):
            return "ERR:1"
        keys = [k for k in args.get("fkeys", "").split("_") if k]
        rows = "".join(
            f"<HDon><Fkey>{escape(s.key)}</Fkey><SHDon>{escape(s.number)}</SHDon><MCCQThue>{escape(s.code)}"
            "</MCCQThue><TThai>2</TThai></HDon>"
            for s in (self.invoices.get(k) for k in keys)
            if s
        )
        return base64.b64encode(f"<DSHDon>{rows}</DSHDon>".encode()).decode()

    # --- on loopback -------------------------------------------------------------------------------

    def serve(self, port: int = 0) -> "RunningFake":
        """Listen on 127.0.0.1:`port` (0: any free port) in a background thread."""
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        return RunningFake(self, server, thread)


@dataclass
class RunningFake:
    fake: FakeVnpt
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(fake: FakeVnpt):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle's algorithm the body would wait for the client's
        # delayed ACK, 40 ms a call, which a real service does not add (and which hid the client's own cost).
        disable_nagle_algorithm = True

        def do_POST(self):
            fake.busy += 1
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path == "/_reset":  # the benchmark starts each round afresh (loopback only)
                    fake.reset()
                    self._send(200, b"reset")
                    return
                if not self.path.endswith("/PublishService.asmx"):
                    self._send(404, b"Not Found")
                    return
                status, answer, fault = fake.handle(body)
                if fault == "slow":
                    time.sleep(fake.delay_s)
                if fault == "drop":  # stored, and the connection goes away before any answer
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._send(status, answer)
            finally:
                fake.busy -= 1

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (timed out): what was stored stays stored

        def log_message(self, *args):
            pass

    return Handler


def _answer(method: str, result: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>'
        f'<{method}Response xmlns="{NS}"><{method}Result>{escape(result)}</{method}Result></{method}Response>'
        "</soap:Body></soap:Envelope>"
    ).encode()


def _fault(message: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body><soap:Fault>'
        f"<faultcode>soap:Client</faultcode><faultstring>{escape(message)}</faultstring>"
        "</soap:Fault></soap:Body></soap:Envelope>"
    ).encode()
