"""Pairing a customer display with a till, and what the display shows.

The flow: a display nobody has paired asks for a code (six digits, ten minutes, one use) and shows it; the
cashier types it at the till. The till then holds a token of its own (kept in its browser, as its cart is), and
the display its cookie. The till sends what the shopper may see each time its cart changes; the display asks
for it every POLL_MS milliseconds (a short poll: gunicorn's few threads per worker are the tills', and a
stream held open per display would take one for good). Nobody without a cashier's login can pair, so a stranger's
screen only ever shows a cart if a cashier typed its code; a display sees only its own till's state; any cashier
can end a pairing from the till, and pairing a display again replaces the till's previous one."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select

from pos.core.audit import record_audit
from pos.core.clock import utcnow
from pos.core.database import atomic
from pos.core.errors import DomainError, NotFound, Text, ValidationError
from pos.core.extensions import db
from pos.core.limits import (
    DOCUMENT_NUMBER_MAX,
    LINE_TOTAL_MAX,
    NAME_MAX,
    PAYMENT_MAX,
    QUANTITY_MAX,
    SALE_LINES_MAX,
    SALE_TOTAL_MAX,
    UNIT_PRICE_MAX,
    OutOfLimits,
    check_text,
    whole_number,
)
from pos.models import CustomerDisplay

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
WAITING_PER_ADDRESS = 20  # displays waiting for a code from one address at once (bounds the table)
POLL_MS = 300  # how often a display asks: within a second of the till, even on a loaded machine
STALE_AFTER = timedelta(minutes=30)  # a cart the till has not touched for this long is no longer shown
PHASES = ("idle", "cart", "vietqr", "paid")
QR_PAYLOAD_MAX = 512


class TooManyWaiting(DomainError, code="too_many_waiting", status=429): ...


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _by_display(display_token: str | None) -> CustomerDisplay | None:
    if not display_token or len(display_token) > 100:
        return None
    return db.session.scalar(
        select(CustomerDisplay).where(CustomerDisplay.display_token_hash == token_hash(display_token))
    )


def _paired_to_till(till_token) -> CustomerDisplay | None:
    if not isinstance(till_token, str) or not till_token or len(till_token) > 100:
        return None
    return db.session.scalar(
        select(CustomerDisplay).where(
            CustomerDisplay.till_token_hash == token_hash(till_token), CustomerDisplay.revoked_at.is_(None)
        )
    )


def _waiting(row: CustomerDisplay | None, now) -> bool:
    return bool(row and row.paired_at is None and row.code and row.code_expires_at > now)


def _paired(row: CustomerDisplay | None) -> bool:
    return bool(row and row.paired_at is not None and row.revoked_at is None)


# --- the display's side ------------------------------------------------------------------------------------


def request_code(display_token: str | None, address: str) -> tuple[str, CustomerDisplay]:
    """The display's token and row, waiting with a code: the same code again while it lasts (a reload shows it
    again), else a new display with a new code. A display that is paired keeps its pairing."""
    now = utcnow()
    with atomic():
        row = _by_display(display_token)
        if _waiting(row, now) or _paired(row):
            return display_token, row
        # codes that ran out, and the displays that never used theirs, are forgotten
        db.session.execute(
            delete(CustomerDisplay).where(CustomerDisplay.paired_at.is_(None), CustomerDisplay.code_expires_at <= now)
        )
        address = (address or "")[:64]
        waiting = db.session.scalar(
            select(func.count())
            .select_from(CustomerDisplay)
            .where(CustomerDisplay.paired_at.is_(None), CustomerDisplay.requested_from == address)
        )
        if waiting >= WAITING_PER_ADDRESS:
            raise TooManyWaiting(
                "Too many screens are waiting to be paired from this address: pair one, or try again in a few minutes."
            )
        live = set(db.session.scalars(select(CustomerDisplay.code).where(CustomerDisplay.code.is_not(None))))
        code = _random_code(live)
        token = _new_token()
        row = CustomerDisplay(
            display_token_hash=token_hash(token),
            code=code,
            code_expires_at=now + CODE_LIFETIME,
            requested_from=address,
            created_at=now,
            version=0,
        )
        db.session.add(row)
    return token, row


def _random_code(taken: set[str]) -> str:
    while True:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        if code not in taken:
            return code


def display_view(display_token: str | None) -> dict:
    """What the display with this cookie may show: its till's current state, its own waiting code, or nothing
    (`paired` false and no code: it asks for one). `version` changes whenever what it shows changes."""
    now = utcnow()
    row = _by_display(display_token)
    if _waiting(row, now):
        return {
            "paired": False,
            "code": row.code,
            "expires_in": int((row.code_expires_at - now).total_seconds()),
        }
    if not _paired(row):
        return {"paired": False, "code": None}
    state = row.state or {"phase": "idle"}
    version = str(row.version)
    if state.get("phase") != "idle" and (row.state_at is None or now - row.state_at > STALE_AFTER):
        state, version = {"phase": "idle"}, f"{row.version}-idle"  # a cart left behind is not shown for ever
    return {
        "paired": True,
        "version": version,
        "phase": state["phase"],
        "lines": state.get("lines", []),
        "total": state.get("total", 0),
        "qr": state.get("qr"),
        "paid": state.get("paid"),
    }


def display_qr(display_token: str | None) -> dict | None:
    """The QR the display's till is showing now ({amount, number, payload?}), or None."""
    view = display_view(display_token)
    return view["qr"] if view.get("paired") and view["phase"] == "vietqr" else None


# --- the till's side ---------------------------------------------------------------------------------------


def pair(code, user, till_token=None) -> tuple[str, CustomerDisplay]:
    """Pair the display showing `code` with this till: the code is used up, the till's previous display (if it
    sends its token) is let go, and the till gets a new token. A wrong, expired or used code is refused with
    the same words (nothing tells a guess apart)."""
    typed = "".join(code.split()) if isinstance(code, str) else ""
    if not (typed.isascii() and typed.isdigit() and len(typed) == CODE_DIGITS):
        raise ValidationError(
            "Type the %(digits)d-digit code the customer display shows.",
            digits=CODE_DIGITS,
            fields={"code": Text("%(digits)d digits", digits=CODE_DIGITS)},
        )
    now = utcnow()
    with atomic():
        row = db.session.scalar(
            select(CustomerDisplay).where(
                CustomerDisplay.code == typed,
                CustomerDisplay.paired_at.is_(None),
                CustomerDisplay.revoked_at.is_(None),
                CustomerDisplay.code_expires_at > now,
            )
        )
        if row is None:
            raise ValidationError(
                "No customer display shows this code. A code lasts 10 minutes and pairs once: type the one the "
                "display shows now.",
                fields={"code": Text("unknown or expired")},
            )
        previous = _paired_to_till(till_token)
        if previous is not None:
            _revoke(previous, now, "replaced by another display")
        token = _new_token()
        row.till_token_hash = token_hash(token)
        row.code, row.code_expires_at = None, None
        row.paired_at, row.paired_by_id = now, user.id
        row.state, row.state_at, row.version = {"phase": "idle"}, now, row.version + 1
        db.session.flush()
        record_audit("display_paired", "customer_display", row.id, user=user)
    return token, row


def _revoke(row: CustomerDisplay, now, note: str) -> None:
    row.revoked_at = now
    row.state, row.version = None, row.version + 1
    record_audit("display_unpaired", "customer_display", row.id, note=note)


def revoke(display_id: int, user) -> None:
    """End a display's pairing (any cashier, from the till): it shows nothing more and asks for a new code."""
    with atomic():
        row = db.session.get(CustomerDisplay, display_id)
        if not _paired(row):
            raise NotFound("No customer display is paired under this number.")
        _revoke(row, utcnow(), "ended at the till")


def pairings() -> list[CustomerDisplay]:
    """The displays paired now, oldest first."""
    return list(
        db.session.scalars(
            select(CustomerDisplay)
            .where(CustomerDisplay.paired_at.is_not(None), CustomerDisplay.revoked_at.is_(None))
            .order_by(CustomerDisplay.id)
        )
    )


def push_state(till_token, body) -> CustomerDisplay:
    """The till's new state for its display (only the fields a shopper may see are kept)."""
    state = clean_state(body)
    with atomic():
        row = _paired_to_till(till_token)
        if row is None:
            raise NotFound("This till has no customer display paired.", code="not_paired")
        row.state, row.state_at, row.version = state, utcnow(), row.version + 1
    return row


def announce_payment(number: str, amount: int) -> int:
    """The bank confirmed the transfer for sale `number`: a display showing its QR thanks the shopper.
    Answers how many displays were showing it."""
    shown = 0
    with atomic():
        for row in pairings():
            qr = (row.state or {}).get("qr") or {}
            if (row.state or {}).get("phase") == "vietqr" and qr.get("number") == number:
                row.state = {
                    "phase": "paid",
                    "lines": [],
                    "total": row.state.get("total", 0),
                    "qr": None,
                    "paid": {"amount": amount, "number": number},
                }
                row.state_at, row.version = utcnow(), row.version + 1
                shown += 1
    return shown


def clean_state(body) -> dict:
    """The state as a display may show it: each field checked against the limits, nothing else kept (no staff
    name, no other sale). Refused as a whole, naming the fields, when anything is out of bounds."""
    if not isinstance(body, dict):
        raise ValidationError("The state must be a JSON object.", fields={"state": "not an object"})
    errors = {}

    def field(path, check, value, *args, **kwargs):
        try:
            return check(value, *args, **kwargs)
        except OutOfLimits as error:
            errors[path] = error.problem
            return None

    phase = body.get("phase")
    if phase not in PHASES:
        errors["phase"] = Text("one of %(choices)s", choices=", ".join(PHASES))
    lines = body.get("lines") or []
    if not isinstance(lines, list) or len(lines) > SALE_LINES_MAX:
        errors["lines"] = Text("a list of at most %(max)d lines", max=SALE_LINES_MAX)
        lines = []
    clean_lines = []
    for i, line in enumerate(lines):
        if not isinstance(line, dict):
            errors[f"lines[{i}]"] = Text("must be an object")
            continue
        stars = line.get("stars")
        clean_lines.append(
            {
                "name": field(f"lines[{i}].name", check_text, line.get("name"), NAME_MAX, required=True),
                "name_en": field(f"lines[{i}].name_en", check_text, line.get("name_en"), NAME_MAX),
                "quantity": field(f"lines[{i}].quantity", whole_number, line.get("quantity"), 1, QUANTITY_MAX),
                "unit_price": field(f"lines[{i}].unit_price", whole_number, line.get("unit_price"), 0, UNIT_PRICE_MAX),
                "amount": field(f"lines[{i}].amount", whole_number, line.get("amount"), 0, LINE_TOTAL_MAX),
                "stars": None if stars is None else field(f"lines[{i}].stars", whole_number, stars, 1, 5),
            }
        )
    state = {
        "phase": phase,
        "lines": clean_lines,
        "total": field("total", whole_number, body.get("total", 0), 0, SALE_TOTAL_MAX),
        "qr": None,
        "paid": None,
    }
    if phase == "vietqr":
        state["qr"] = _money_and_number("qr", body.get("qr"), errors, field, minimum=1)
        payload = (body.get("qr") or {}).get("payload") if isinstance(body.get("qr"), dict) else None
        if payload is not None and state["qr"] is not None:
            state["qr"]["payload"] = field("qr.payload", _qr_payload, payload)
    if phase == "paid":
        state["paid"] = _money_and_number("paid", body.get("paid"), errors, field, minimum=0)
    if errors:
        raise ValidationError("The display's state is not valid.", fields=errors)
    return state


def _money_and_number(name, value, errors, field, minimum) -> dict | None:
    if not isinstance(value, dict):
        errors[name] = Text("must be an object")
        return None
    return {
        "amount": field(f"{name}.amount", whole_number, value.get("amount"), minimum, PAYMENT_MAX),
        "number": field(f"{name}.number", check_text, value.get("number"), DOCUMENT_NUMBER_MAX, required=True),
    }


def _qr_payload(value) -> str:
    """A QR the till shows that is not the showroom's own VietQR (a payment provider's): an EMVCo string whose
    checksum holds."""
    from pos.checkout.vietqr import crc16_ccitt_false

    text = check_text(value, QR_PAYLOAD_MAX, required=True)
    if not (text.isascii() and text.isprintable() and text.startswith("000201") and text[-8:-4] == "6304"):
        raise OutOfLimits(Text("not a VietQR payload"))
    if crc16_ccitt_false(text[:-4]) != text[-4:].upper():
        raise OutOfLimits(Text("not a VietQR payload"))
    return text
