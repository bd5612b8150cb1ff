"""VNPT's cash-register publishing service: SOAP 1.1 `PublishService.asmx`, `ImportAndPublishInvMTT`.

Written from VNPT's public integration guide (repository hachiemptit/hdsdsdn, docs/tutorial-basics/
2.PublishService.md): `ImportAndPublishInvMTT(Account, ACpass, xmlInvData, username, password, pattern, serial,
convert)` takes up to 5,000 invoices as `<DSHDon><HDon><key>FKEY</key><DLHDon>…</DLHDon></HDon>…</DSHDon>` and
answers `OK:pattern;serial-fkey_invNo_MCCQT` (several invoices: comma-separated), or an error code for the whole
call. The key we send is the sale's UUID, so a resend is harmless: `ERR13` (a key of the list is already there)
is answered by looking the keys up (`GetMCCQThueByFkeys`, base64 XML `<DSHDon><HDon><Fkey/><SHDon/>
<MCCQThue/></HDon>…`) and recording what VNPT holds; the rest is sent again.

What VNPT's dialect changes in our HDon (pos.einvoice.xml): a `key` first; `DVTTe` (currency, required by VNPT)
after `NLap`; `TSuat` as VNPT's numbers (`10`, `-1` for KCT, `-2` for KKKNT)."""

import base64
import logging
import re
from dataclasses import dataclass

import requests
from lxml import etree

from pos.core.errors import Text
from pos.einvoice.provider import ISSUED, REFUSED, UNKNOWN, Outcome, ProviderUnavailable, Submission

log = logging.getLogger(__name__)
NS = "http://tempuri.org/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_BATCH = 5000
VNPT_RATES = {"0%": "0", "5%": "5", "8%": "8", "10%": "10", "KCT": "-1", "KKKNT": "-2"}

# The guide's error codes, in English as stored (`Text` marks them for the pages, which show them translated).
# Those about one invoice (its data, its date) refuse it; those about the account, the
# symbol or the service stop the whole queue until someone fixes the settings or VNPT is back.
INVOICE_ERRORS = {
    "3": Text("the invoice data is not in the required format (ERR3)"),
    "15": Text("the invoice date is after today or the XML is malformed (ERR15)"),
    "21": Text("an invoice with this number already exists (ERR21)"),
    "22": Text("the seller's details are longer than allowed (ERR22)"),
    "23": Text("the tax-authority code is empty (ERR23)"),
    "30": Text("the invoice is dated before the last invoice issued (ERR30)"),
}
SERVICE_ERRORS = {
    "1": Text("wrong account or no right to issue invoices (ERR1)"),
    "2": Text("pattern or serial empty (ERR2)"),
    "4": Text("the company is not found (ERR4)"),
    "5": Text("wrong account, or the invoice could not be published (ERR5)"),
    "6": Text("not enough invoices left for the batch (ERR6)"),
    "7": Text("user name not found (ERR7)"),
    "11": Text("pattern or serial in the wrong format (ERR11)"),
    "20": Text("pattern and serial not registered (ERR20)"),
}
DUPLICATE_KEY, TOO_MANY = "13", "10"
_ERROR = re.compile(r"^ERR:?\s*(\d+)")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@dataclass
class VnptConfig:
    url: str  # the service's base, e.g. https://xxx-tt78admindemo.vnpt-invoice.com.vn
    account: str
    ac_password: str
    username: str
    password: str
    pattern: str = ""  # VNPT's template name; "" = the invoice's form digit (KHMSHDon)


class VnptProvider:
    name = "vnpt"
    max_batch = MAX_BATCH

    def __init__(self, config: VnptConfig, timeout_s: float = 60.0):
        self.config, self.timeout_s = config, timeout_s
        self.http = requests.Session()
        self.calls_left = 0

    @classmethod
    def from_settings(cls, settings, credentials: dict, timeout_s: float) -> "VnptProvider":
        missing = [key for key in ("url", "account", "acpass", "username", "password") if not credentials.get(key)]
        if missing:
            raise ProviderUnavailable(
                "VNPT credentials missing: " + ", ".join(f"EINVOICE_{key.upper()}" for key in missing)
            )
        config = VnptConfig(
            url=credentials["url"].rstrip("/"),
            account=credentials["account"],
            ac_password=credentials["acpass"],
            username=credentials["username"],
            password=credentials["password"],
            pattern=credentials.get("pattern", ""),
        )
        return cls(config, timeout_s)

    # --- the two calls -------------------------------------------------------------------------------

    def _call(self, method: str, params: list[tuple[str, str | bytes]]) -> str:
        """One SOAP call; its Result text. Raises ProviderUnavailable when no readable answer came back."""
        fields = b"".join(b"<%s>%s</%s>" % (name.encode(), escaped(value), name.encode()) for name, value in params)
        head = f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>'
        head += f'<{method} xmlns="{NS}">'
        body = head.encode() + fields + f"</{method}></soap:Body></soap:Envelope>".encode()
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NS}{method}"'}
        try:
            response = self.http.post(
                f"{self.config.url}/PublishService.asmx",
                data=body,
                headers=headers,
                timeout=(min(5.0, self.timeout_s), self.timeout_s),
            )
        except requests.Timeout:
            raise ProviderUnavailable(Text("VNPT did not answer in time").render(False)) from None
        except requests.RequestException as error:
            raise ProviderUnavailable(f"VNPT unreachable: {type(error).__name__}") from None
        try:
            root = etree.fromstring(response.content, _PARSER)
        except etree.XMLSyntaxError:
            raise ProviderUnavailable(f"VNPT answered {response.status_code} with something that is not XML") from None
        fault = root.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
        if fault is not None:
            raise ProviderUnavailable(f"VNPT SOAP fault: {(fault.findtext('faultstring') or '').strip()[:200]}")
        result = root.find(f"{{{SOAP_NS}}}Body/{{{NS}}}{method}Response/{{{NS}}}{method}Result")
        if result is None:
            raise ProviderUnavailable(f"VNPT answered {response.status_code} without a {method}Result")
        return (result.text or "").strip()

    def _credentials(self) -> list[tuple[str, str]]:
        c = self.config
        return [("Account", c.account), ("ACpass", c.ac_password)]

    def _logins(self) -> list[tuple[str, str]]:
        c = self.config
        return [("username", c.username), ("password", c.password)]

    def pattern(self, form: int) -> str:
        return self.config.pattern or str(form)

    def import_and_publish(self, batch: list[Submission]) -> str:
        """One call for invoices of one form and symbol (VNPT's pattern and serial)."""
        params = [*self._credentials(), ("xmlInvData", dialect(batch)), *self._logins()]
        where = [("pattern", self.pattern(batch[0].form)), ("serial", batch[0].symbol), ("convert", "0")]
        return self._call("ImportAndPublishInvMTT", params + where)

    def lookup(self, keys: list[str], form: int = 1) -> dict[str, Outcome]:
        """What VNPT holds under these keys: {key: ISSUED outcome}; keys it does not know are left out."""
        params = [*self._credentials(), *self._logins(), ("pattern", self.pattern(form)), ("fkeys", "_".join(keys))]
        answer = self._call("GetMCCQThueByFkeys", params)
        if _ERROR.match(answer):
            code = _ERROR.match(answer).group(1)
            if code in SERVICE_ERRORS:
                raise ProviderUnavailable(SERVICE_ERRORS[code].render(False))
            return {}
        try:
            root = etree.fromstring(base64.b64decode(answer, validate=True), _PARSER)
        except (ValueError, etree.XMLSyntaxError):
            raise ProviderUnavailable("VNPT's look-up answer cannot be read") from None
        found = {}
        for item in root.iterfind("HDon"):
            key = (item.findtext("Fkey") or "").strip()
            if key in keys:
                number, code = (item.findtext("SHDon") or "").strip(), (item.findtext("MCCQThue") or "").strip()
                found[key] = Outcome(key, ISSUED, number=number, code=code)
        return found

    # --- the queue's entry point ---------------------------------------------------------------------

    def publish(self, batch: list[Submission]) -> list[Outcome]:
        """Publish the batch; a call refused for one invoice's sake is halved down to that invoice, which is
        refused; a duplicate key is looked up. At most about 4 × log2(batch) calls; what is left is UNKNOWN."""
        self.calls_left = 4 * max(1, len(batch)).bit_length() + 2
        outcomes: dict[str, Outcome] = {}
        groups: dict[tuple[int, str], list[Submission]] = {}
        for s in batch:
            groups.setdefault((s.form, s.symbol), []).append(s)
        try:
            for group in groups.values():
                self._publish(group, outcomes, allow_lookup=True)
        except ProviderUnavailable as problem:
            if not outcomes:
                raise
            reason = str(problem)
            for s in batch:
                outcomes.setdefault(s.key, Outcome(s.key, UNKNOWN, reason=reason))
        for s in batch:
            outcomes.setdefault(s.key, Outcome(s.key, UNKNOWN, reason="VNPT gave no answer for this invoice"))
        return list(outcomes.values())

    def _publish(self, batch: list[Submission], outcomes: dict, *, allow_lookup: bool) -> None:
        if not batch:
            return
        if self.calls_left <= 0:
            return  # left UNKNOWN: the next round sends them
        self.calls_left -= 1
        answer = self.import_and_publish(batch)
        if answer.startswith("OK"):
            outcomes.update(parse_ok(answer))
            return
        match = _ERROR.match(answer)
        code = match.group(1) if match else ""
        if code in SERVICE_ERRORS:
            raise ProviderUnavailable(SERVICE_ERRORS[code].render(False))
        if code == DUPLICATE_KEY and allow_lookup:
            found = self.lookup([s.key for s in batch], batch[0].form)
            outcomes.update(found)
            self._publish([s for s in batch if s.key not in found], outcomes, allow_lookup=False)
            return
        if len(batch) > 1 and (code in INVOICE_ERRORS or code in (TOO_MANY, DUPLICATE_KEY)):
            middle = len(batch) // 2
            self._publish(batch[:middle], outcomes, allow_lookup=True)
            self._publish(batch[middle:], outcomes, allow_lookup=True)
            return
        if code in INVOICE_ERRORS:
            outcomes[batch[0].key] = Outcome(batch[0].key, REFUSED, reason=INVOICE_ERRORS[code].render(False))
            return
        # ERR13 for a lone invoice its look-up did not find, or an answer the guide does not list
        reason = f"VNPT answered {answer[:200]!r}"
        for s in batch:
            outcomes[s.key] = Outcome(s.key, UNKNOWN, reason=reason)


def parse_ok(answer: str) -> dict[str, Outcome]:
    """`OK:pattern;serial-key_no_code,key_no_code` → {key: ISSUED outcome}. The key is a UUID (it has '-' but no
    '_'), so each item splits at its last two '_'."""
    _, _, rest = answer.partition(";")
    _, _, items = rest.partition("-")
    outcomes = {}
    for item in items.split(","):
        parts = item.strip().rsplit("_", 2)
        if len(parts) == 3 and parts[0]:
            outcomes[parts[0]] = Outcome(parts[0], ISSUED, number=parts[1], code=parts[2])
    return outcomes


_VNPT_RATE_TAGS = [
    (f"<TSuat>{ours}</TSuat>".encode(), f"<TSuat>{theirs}</TSuat>".encode()) for ours, theirs in VNPT_RATES.items()
]


def escaped(text: str | bytes) -> bytes:
    """XML character data: &, < and > escaped, as UTF-8."""
    data = text.encode() if isinstance(text, str) else text
    return data.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")


def dialect(batch: list[Submission]) -> bytes:
    """Our HDons as VNPT's input list, `<DSHDon><HDon>…</HDon>…</DSHDon>`, each HDon with `key` first, `DVTTe`
    after `NLap`, `TSuat` as VNPT's numbers. Plain text edits, safe on what pos.einvoice.xml.build writes (no
    attributes, no prefixes, text escaped): parsing and writing the tree again cost as much as building it. The
    edits every HDon gets are made once on the whole list (each HDon has one `</NLap>`, checked)."""
    parts = [b"<DSHDon>"]
    for submission in batch:
        body = submission.xml
        if not body.startswith(b"<HDon>") or body.count(b"</NLap>") != 1:
            raise ValueError("not an HDon as pos.einvoice.xml.build writes it")
        parts += (b"<HDon><key>", escaped(submission.key), b"</key>", body[len(b"<HDon>") :])
    parts.append(b"</DSHDon>")
    data = b"".join(parts).replace(b"</NLap>", b"</NLap><DVTTe>VND</DVTTe>")
    for ours, theirs in _VNPT_RATE_TAGS:
        data = data.replace(ours, theirs)
    return data
