"""E-invoicing settings: off by default; when on, the seller as registered, the invoice form and symbol, the
5-character block of MCCQT, the provider and the spec version. Inconsistent settings are refused field by field.

The provider's credentials are never stored in the database or the repository: they come from the environment
(EINVOICE_URL, EINVOICE_ACCOUNT, EINVOICE_ACPASS, EINVOICE_USERNAME, EINVOICE_PASSWORD) or, failing that, from
instance/einvoice.json (the same keys in lower case, without the prefix: {"url": …, "account": …})."""

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from pos.core.audit import record_audit
from pos.core.clock import local_today
from pos.core.database import Sql, atomic
from pos.core.errors import Text, ValidationError, problem_list
from pos.core.extensions import db
from pos.core.limits import ADDRESS_MAX, NAME_MAX, unstorable
from pos.models import EINVOICE_FORMS, EINVOICE_PROVIDERS, EINVOICE_SPEC_VERSIONS, EinvoiceSettings

CREDENTIAL_KEYS = ("url", "account", "acpass", "username", "password")  # VNPT's: service URL, Account/ACpass, user
CREDENTIALS_FILE = "einvoice.json"

FIELDS = {  # field → its label on the settings page and in messages
    "enabled": Text("E-invoicing on"),
    "seller_tax_code": Text("Seller's tax code"),
    "seller_name": Text("Seller's name as registered"),
    "seller_address": Text("Seller's address as registered"),
    "form": Text("Invoice form (KHMSHDon)"),
    "symbol": Text("Invoice symbol (KHHDon)"),
    "block": Text("Tax authority's 5-character block"),
    "provider": Text("Provider"),
    "spec_version": Text("Spec version sent"),
}
TAX_CODE = re.compile(r"\d{10}(-\d{3})?")
SYMBOL = re.compile(r"C(\d{2})M[A-Z]{2}")
BLOCK = re.compile(r"[A-Z0-9]{5}")


@dataclass(frozen=True)
class Settings:
    """The settings a sale issues its invoice with (only when e-invoicing is on)."""

    seller_tax_code: str
    seller_name: str
    seller_address: str
    form: str
    symbol: str
    block: str
    provider: str
    spec_version: str


_CURRENT = Sql(
    "SELECT seller_tax_code, seller_name, seller_address, form, symbol, block, provider, spec_version"
    " FROM einvoice_settings WHERE id = 1 AND enabled"
)


def current_settings() -> Settings | None:
    """The settings when e-invoicing is on, else None. One indexed read: a sale calls it."""
    row = _CURRENT.run().fetchone()
    return Settings(*row) if row else None


def settings_row() -> EinvoiceSettings:
    """The stored settings, or the defaults (off) when none were ever saved."""
    return db.session.get(EinvoiceSettings, 1) or EinvoiceSettings(
        id=1, enabled=False, form="1", provider=EINVOICE_PROVIDERS[0], spec_version=EINVOICE_SPEC_VERSIONS[0]
    )


def credentials() -> dict[str, str]:
    """The provider's credentials from the environment, else from instance/einvoice.json; {} when neither has
    them. Only keys of CREDENTIAL_KEYS with a value are answered."""
    found = {key: os.environ.get(f"EINVOICE_{key.upper()}", "") for key in CREDENTIAL_KEYS}
    if not any(found.values()):
        path = Path(current_app.instance_path) / CREDENTIALS_FILE
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = {}
        if isinstance(stored, dict):
            found = {key: str(stored.get(key) or "") for key in CREDENTIAL_KEYS}
    return {key: value for key, value in found.items() if value}


def missing_credentials() -> list[str]:
    """What the provider needs and neither the environment nor instance/ gives."""
    have = credentials()
    return [key for key in CREDENTIAL_KEYS if key not in have]


def validate(data) -> dict:
    """The form's values, clean, or ValidationError with a problem per field. Off, anything goes but wrong
    choices; on, every field must be set and consistent."""
    clean = {field: str(data.get(field) or "").strip() for field in FIELDS if field != "enabled"}
    clean["symbol"] = clean["symbol"].upper()
    clean["block"] = clean["block"].upper()
    enabled = str(data.get("enabled") or "").lower() in ("1", "on", "true", "yes")
    errors: dict[str, Text] = {}
    if clean["form"] not in EINVOICE_FORMS:
        errors["form"] = Text("1 (VAT invoice) or 2 (sales invoice)")
    if clean["provider"] not in EINVOICE_PROVIDERS:
        errors["provider"] = Text("one of %(choices)s", choices=", ".join(EINVOICE_PROVIDERS))
    if clean["spec_version"] not in EINVOICE_SPEC_VERSIONS:
        errors["spec_version"] = Text("one of %(choices)s", choices=", ".join(EINVOICE_SPEC_VERSIONS))
    for field, limit in (("seller_name", NAME_MAX), ("seller_address", ADDRESS_MAX)):
        if len(clean[field]) > limit:
            errors[field] = Text("at most %(max)d characters", max=limit)
    for field, value in clean.items():
        if unstorable(value):
            errors[field] = Text("contains a character that cannot be stored (NUL or an invalid Unicode character)")
    if clean["seller_tax_code"] and not TAX_CODE.fullmatch(clean["seller_tax_code"]):
        errors["seller_tax_code"] = Text("10 digits, or 10-3 for a branch")
    year = f"{local_today().year % 100:02d}"
    if clean["symbol"]:
        symbol = SYMBOL.fullmatch(clean["symbol"])
        if symbol is None:
            errors["symbol"] = Text(
                "6 characters: C, the year's two digits, M, two capital letters (e.g. C%(year)sMTH)", year=year
            )
        elif symbol.group(1) != year:
            errors["symbol"] = Text("the year part must be this year's, %(year)s", year=year)
    if clean["block"] and not BLOCK.fullmatch(clean["block"]):
        errors["block"] = Text("5 capital letters or digits, as the tax authority issued them")
    if enabled:
        for field in ("seller_tax_code", "seller_name", "seller_address", "symbol", "block"):
            if not clean[field] and field not in errors:
                errors[field] = Text("required when e-invoicing is on")
        if "provider" not in errors and (missing := missing_credentials()):
            errors["provider"] = Text(
                "credentials missing (%(keys)s): set them in the environment or in instance/%(file)s",
                keys=", ".join(f"EINVOICE_{key.upper()}" for key in missing),
                file=CREDENTIALS_FILE,
            )
    if errors:
        raise ValidationError(
            "E-invoice settings not saved: %(problems)s.", problems=problem_list(errors, FIELDS.get), fields=errors
        )
    return clean | {"enabled": enabled}


def save_settings(data) -> EinvoiceSettings:
    """Validate and store the settings (audited)."""
    clean = validate(data)
    with atomic():
        row = db.session.get(EinvoiceSettings, 1)
        before = _snapshot(row) if row else None
        row = row or EinvoiceSettings(id=1)
        for field, value in clean.items():
            setattr(row, field, value)
        db.session.add(row)
        db.session.flush()
        record_audit("update" if before else "create", "einvoice_settings", 1, before=before, after=_snapshot(row))
    return row


def _snapshot(row: EinvoiceSettings) -> dict:
    return {field: getattr(row, field) for field in FIELDS}
