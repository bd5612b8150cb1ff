"""Cash-register e-invoices (hóa đơn điện tử khởi tạo từ máy tính tiền, "MTT"): the settings, the invoices
issued in each sale's (or return's) transaction, and the counters that number them.

An invoice is written once, in the same transaction as its sale or return, and never changes afterwards
except for its sending columns (status … provider_reply), which belong to the sending queue
(pos/einvoice/ sending side). Everything the invoice XML needs is on the row: the seller and buyer as issued,
the totals, and `content` (JSON) with the lines and the per-rate summary, so the XML sent later is exactly the
invoice the buyer got on the receipt, whatever happens to the catalog or the settings meanwhile.
"""

import json
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models.base import Count, Money, one_of
from pos.models.sales import Sale, SaleReturn

EINVOICE_FORMS = ("1", "2")  # KHMSHDon: 1 VAT invoice (hóa đơn GTGT), 2 sales invoice (hóa đơn bán hàng)
EINVOICE_SPEC_VERSIONS = ("2.0.1", "2.1.0")  # PBan: the tax authority's XML format version sent
EINVOICE_PROVIDERS = ("vnpt",)  # the provider adapters there are (sending side)
# original: the sale's invoice. adjustment: issued for a return, reducing the original (amounts positive, the
# XML marks it as an adjustment of `related`). replacement: replaces `related` entirely.
EINVOICE_KINDS = ("original", "adjustment", "replacement")
# Owned by the sending queue: pending (written with the sale, not yet accepted by the provider), sending
# (claimed by a sender), sent (the provider accepted it), refused (the provider said no: last_error says why;
# corrected and sent again, it goes back to pending).
EINVOICE_STATES = ("pending", "sending", "sent", "refused")


class EinvoiceSettings(db.Model):
    """The showroom's e-invoicing settings (one row, id 1; no row means off). Credentials for the provider are
    never here: they come from the environment or instance/ (pos/einvoice/settings.py)."""

    __tablename__ = "einvoice_settings"
    __table_args__ = (
        one_of("form", EINVOICE_FORMS),
        one_of("spec_version", EINVOICE_SPEC_VERSIONS),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    seller_tax_code: Mapped[str] = mapped_column(String(14), default="")  # MST as registered: 10 or 10-3 digits
    seller_name: Mapped[str] = mapped_column(String(400), default="")  # as registered with the tax authority
    seller_address: Mapped[str] = mapped_column(String(400), default="")
    form: Mapped[str] = mapped_column(String(1), default="1")  # KHMSHDon
    # KHHDon as entered, e.g. C26MTH: C (coded), YY, M (cash register), two characters the seller chose. An
    # invoice takes the year part from its own date (pos/einvoice/service.py: symbol_for), so 1 January starts
    # the next year's symbol and its numbering by itself.
    symbol: Mapped[str] = mapped_column(String(6), default="")
    block: Mapped[str] = mapped_column(String(5), default="")  # the 5 characters of MCCQT the tax authority issued
    provider: Mapped[str] = mapped_column(String(16), default="vnpt")
    spec_version: Mapped[str] = mapped_column(String(8), default="2.0.1")  # PBan
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EinvoiceCounter(db.Model):
    """The last number handed out in a series, bumped in the invoice's transaction (so a rolled-back sale gives
    its number back: never skipped, never reused). Keys: `shdon:{form}{symbol}` (SHDon, per symbol; the symbol
    carries the year, so numbering restarts on 1 January) and `mtt:{block}` (the 11 digits of MCCQT, increasing
    for as long as the block is used, across tills and years)."""

    __tablename__ = "einvoice_counters"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[Count]


class Einvoice(db.Model):
    """One cash-register e-invoice: a sale's (kind original), or one a return issued for the sale's invoice
    (adjustment or replacement, `related_id` the invoice it adjusts or replaces, `return_id` the return).

    Identity: `uuid` is the key the provider deduplicates on (FKEY): the sale's UUID for an original, the
    return's UUID for what a return issued. (`form`, `symbol`, `number`) is the invoice's legal number: KHMSHDon,
    KHHDon with this invoice's year, SHDon (1 to 99,999,999, in sequence per form and symbol).
    `authority_code` is MCCQT, `M{form}-{YY}-{block}-{11 digits}`, made here (no round trip to the tax authority).

    Money is integer đồng, VAT included in the prices as on the receipt; an adjustment's amounts are what it
    takes off the original (positive). total_before_vat + vat_total = total (TgTCThue + TgTThue = TgTTTBSo).

    `content` (JSON text) holds the lines and the per-rate summary as issued:
      {"lines": [{"no", "kind" (1 goods, 3 discount: HHDVu.TChat), "sku", "name", "unit", "quantity",
                  "unit_price", "amount", "vat_rate", "vat_amount", "amount_before_vat"}, …],
       "rates": [{"vat_rate", "amount", "vat_amount", "amount_before_vat"}, …]}
    A goods line carries quantity × unit price; a discounted sale line is followed by its discount line (kind 3,
    no quantity or unit price, its amount positive and taken off). A line's VAT is its share of its rate's VAT
    (computed once per rate, as the sale does), so the lines add up to the rates and the rates to the totals.
    vat_rate is a percent (0, 5, 8, 10).
    """

    __tablename__ = "einvoices"
    __table_args__ = (
        UniqueConstraint("form", "symbol", "number"),
        one_of("kind", EINVOICE_KINDS),
        one_of("status", EINVOICE_STATES),
        CheckConstraint("number >= 1 AND number <= 99999999", name="number_range"),
        Index("ix_einvoices_status_next", "status", "next_attempt_at"),
        Index("ix_einvoices_issued_at", "issued_at"),
        Index("ix_einvoices_sale_id", "sale_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)  # the provider's key (FKEY)
    kind: Mapped[str] = mapped_column(String(12), default="original")
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"))  # the sale (for an adjustment: the original's)
    return_id: Mapped[int | None] = mapped_column(ForeignKey("sale_returns.id"), unique=True)
    related_id: Mapped[int | None] = mapped_column(ForeignKey("einvoices.id"))  # what it adjusts or replaces
    form: Mapped[str] = mapped_column(String(1))  # KHMSHDon
    symbol: Mapped[str] = mapped_column(String(6))  # KHHDon, e.g. C26MTH
    number: Mapped[int]  # SHDon
    authority_code: Mapped[str] = mapped_column(String(23), unique=True)  # MCCQT
    issued_at: Mapped[datetime]  # UTC; the invoice's date (NLap) is its Asia/Ho_Chi_Minh date
    spec_version: Mapped[str] = mapped_column(String(8))  # PBan
    provider: Mapped[str] = mapped_column(String(16))
    seller_tax_code: Mapped[str] = mapped_column(String(14))
    seller_name: Mapped[str] = mapped_column(String(400))
    seller_address: Mapped[str] = mapped_column(String(400))
    # Only what the buyer asked for; "" when not given.
    buyer_name: Mapped[str] = mapped_column(String(400), default="")
    buyer_tax_code: Mapped[str] = mapped_column(String(14), default="")
    buyer_address: Mapped[str] = mapped_column(String(400), default="")
    buyer_phone: Mapped[str] = mapped_column(String(20), default="")
    buyer_id_number: Mapped[str] = mapped_column(String(12), default="")  # CCCD (12 digits) or passport
    discount_total: Mapped[Money]  # what discounts took off, VAT included (the discount lines' sum)
    total_before_vat: Mapped[Money]  # TgTCThue
    vat_total: Mapped[Money]  # TgTThue
    total: Mapped[Money]  # TgTTTBSo, VAT included
    amount_in_words: Mapped[str] = mapped_column(String(400))  # TgTTTBChu, Vietnamese
    content: Mapped[str] = mapped_column(Text)  # JSON: lines and per-rate summary (see above)
    # --- sending: owned by the sending queue --------------------------------------------------------------
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")  # the provider's reason for a refusal, or the fault
    sent_at: Mapped[datetime | None]
    provider_reply: Mapped[str] = mapped_column(Text, default="")  # what the provider recorded: "number code"

    sale: Mapped[Sale] = relationship(foreign_keys=[sale_id])
    sale_return: Mapped[SaleReturn | None] = relationship(foreign_keys=[return_id])
    related: Mapped["Einvoice | None"] = relationship(remote_side=[id])

    @property
    def data(self) -> dict:
        """`content` parsed: {"lines": […], "rates": […]}."""
        return json.loads(self.content)

    @property
    def code_parts(self) -> tuple[str, str]:
        """(KHMSHDon + KHHDon, SHDon as printed): e.g. ("1C26MTH", "00000042")."""
        return self.form + self.symbol, f"{self.number:08d}"


class EinvoiceXml(db.Model):
    """An invoice's HDon as built from its row and checked against the schema, once, by the sending queue's first
    step soon after the sale (pos/einvoice/sender.py: build_pending): every send and resend posts these bytes, and
    they stay as what was sent. No row until built; a correction deletes it, which has it built again.

    Apart from the invoice so that the rows the queue reads and rewrites with every answer stay narrow (on SQLite
    an update rewrites the whole row): the XML is read only to make the provider call."""

    __tablename__ = "einvoice_xml"
    einvoice_id: Mapped[int] = mapped_column(ForeignKey("einvoices.id"), primary_key=True)
    xml: Mapped[bytes] = mapped_column(LargeBinary)  # UTF-8, as built: what the provider call is made of
