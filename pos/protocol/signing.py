"""HMAC-SHA256 request signatures between a showroom and central (part of the sync protocol).

The signature covers the method, the path with its query string, a Unix timestamp and the body, so
a request cannot be replayed later, redirected to another endpoint or altered in transit."""

import hashlib
import hmac
import time

SHOWROOM_HEADER = "X-POS-Showroom"
TIMESTAMP_HEADER = "X-POS-Timestamp"
SIGNATURE_HEADER = "X-POS-Signature"
MAX_CLOCK_SKEW_S = 300


def signature(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    message = b"\n".join([method.upper().encode(), path.encode(), timestamp.encode(), body])
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(
    showroom_code: str, secret: str, method: str, path: str, body: bytes, now: float | None = None
) -> dict:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        SHOWROOM_HEADER: showroom_code,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, method, path, timestamp, body),
    }


def verify(
    secrets: list[str], method: str, path: str, timestamp: str, body: bytes, given: str, now: float | None = None
) -> str | None:
    """None if the request is authentic and fresh, else the reason it is not."""
    try:
        age = abs((now if now is not None else time.time()) - int(timestamp))
    except (TypeError, ValueError):
        return "missing or malformed timestamp"
    if age > MAX_CLOCK_SKEW_S:
        return f"timestamp off by {int(age)} s (more than {MAX_CLOCK_SKEW_S} s)"
    given = (given or "").strip().lower()
    if not any(hmac.compare_digest(signature(s, method, path, timestamp, body), given) for s in secrets if s):
        return "bad signature"
    return None
