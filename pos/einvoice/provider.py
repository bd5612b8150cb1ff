"""What the send queue needs from an e-invoice provider, whoever it is.

A provider takes a batch of invoices (each with its key: the sale's UUID, so a resend is harmless) and answers,
per invoice, one of three things: issued (with the number and tax-authority code it recorded), refused (with its
reason: the invoice must be corrected before it is sent again), or not known yet (try again later). Anything that
is nobody's invoice's fault (offline, a timeout, wrong credentials, the symbol not registered) raises
ProviderUnavailable: the whole batch waits and nothing is marked refused.

VNPT's adapter is pos/einvoice/vnpt.py. A second provider (Viettel S-Invoice, MISA) is another class with the
same two methods, named in PROVIDERS; the sale path and the queue do not change."""

from dataclasses import dataclass
from typing import Protocol

ISSUED, REFUSED, UNKNOWN = "issued", "refused", "unknown"


@dataclass(frozen=True)
class Submission:
    key: str  # the provider's idempotency key: the sale's (or return's) UUID
    xml: bytes  # the invoice's HDon (pos.einvoice.xml.build)
    form: int  # KHMSHDon
    symbol: str  # KHHDon
    number: int  # SHDon
    tax_code: str  # MCCQT


@dataclass(frozen=True)
class Outcome:
    key: str
    status: str  # ISSUED, REFUSED or UNKNOWN
    number: str = ""  # the number the provider recorded
    code: str = ""  # the tax-authority code it recorded
    reason: str = ""  # REFUSED: the provider's words; UNKNOWN: why it is not known yet


class ProviderUnavailable(Exception):
    """The provider cannot take any invoice now (unreachable, timed out, credentials or registration refused):
    every invoice of the batch waits for the next try, none is anyone's fault."""


class Provider(Protocol):
    name: str
    max_batch: int  # invoices per call the provider accepts

    def publish(self, batch: list[Submission]) -> list[Outcome]:
        """Send the batch; an outcome for every submission, in any order. Raises ProviderUnavailable.
        Must be safe to call again with invoices already issued: they come back ISSUED with what was recorded."""
        ...


PROVIDERS = {"vnpt": "pos.einvoice.vnpt:VnptProvider"}


def provider_from_settings(settings, credentials: dict, timeout_s: float) -> Provider:
    """The configured provider's adapter (settings.provider names it), or ProviderUnavailable when it is not
    configured."""
    import importlib

    target = PROVIDERS.get(getattr(settings, "provider", "") or "")
    if target is None:
        raise ProviderUnavailable(f"unknown e-invoice provider {getattr(settings, 'provider', '')!r}")
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name).from_settings(settings, credentials, timeout_s)
