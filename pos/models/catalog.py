from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models.base import BusinessContact, Money, between, not_negative, one_of

PRODUCER_TYPES = ("enterprise", "cooperative", "cooperative_group", "household")
OCOP_GROUPS = ("food", "drinks", "herbs", "textiles_handicrafts", "ornamental", "tourism")
RATING_LEVELS = ("district", "province", "national")
VAT_RATES = (0, 5, 8, 10)
# Groups whose goods spoil: every lot received needs a lot code and an expiry date (a product of another group
# can ask for the same with its own `has_expiry` flag).
SHELF_LIFE_GROUPS = ("food", "drinks", "herbs")


class Producer(BusinessContact, db.Model):
    """An OCOP subject (chủ thể OCOP)."""

    __tablename__ = "producers"
    __table_args__ = (one_of("type", PRODUCER_TYPES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    collective_trademark: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    products: Mapped[list["Product"]] = relationship(back_populates="producer")


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        not_negative("price"),
        one_of("vat_rate", VAT_RATES),
        one_of("ocop_group", OCOP_GROUPS),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    gtin: Mapped[str] = mapped_column(String(14))  # as printed on the pack (8/12/13/14 digits)
    gtin14: Mapped[str] = mapped_column(String(14), unique=True)  # the same number as GTIN-14, for lookups
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    ocop_group: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(20))
    price: Mapped[Money]  # đồng, VAT included
    vat_rate: Mapped[int]
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    applied_standard: Mapped[str] = mapped_column(String(100), default="")  # TCVN/QCVN or producer's own standard
    portal_url: Mapped[str] = mapped_column(String(300), default="")  # national OCOP portal entry
    photo: Mapped[str | None] = mapped_column(String(200))  # file name under instance/uploads
    active: Mapped[bool] = mapped_column(default=True)
    reorder_point: Mapped[int] = mapped_column(default=0)
    has_expiry: Mapped[bool] = mapped_column(default=False, server_default=false())  # see SHELF_LIFE_GROUPS
    # Each unit's label carries its own serial (/21/…), issued when labels are printed for a goods receipt.
    serialized: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Lower-case, diacritics removed: "che sen" finds "Chè Sen Quảng An".
    search_text: Mapped[str] = mapped_column(String(500), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    producer: Mapped[Producer] = relationship(back_populates="products")
    ratings: Mapped[list["OcopRating"]] = relationship(
        back_populates="product", order_by="OcopRating.decision_date.desc(), OcopRating.id.desc()"
    )

    @property
    def rating(self) -> "OcopRating | None":
        """The current rating: the most recent decision."""
        return self.ratings[0] if self.ratings else None

    @property
    def needs_lot_and_expiry(self) -> bool:
        """Goods that spoil are received only with a lot code and an expiry date."""
        return self.ocop_group in SHELF_LIFE_GROUPS or bool(self.has_expiry)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi


class OcopRating(db.Model):
    """One rating decision; a product keeps its history when it is re-rated."""

    __tablename__ = "ocop_ratings"
    __table_args__ = (
        between("stars", 3, 5),
        one_of("level", RATING_LEVELS),
        Index("ix_ocop_ratings_product_decision", "product_id", "decision_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    stars: Mapped[int]
    potential_5_star: Mapped[bool] = mapped_column(default=False)
    level: Mapped[str] = mapped_column(String(20))
    score: Mapped[int | None]
    decision_no: Mapped[str] = mapped_column(String(60))
    decision_date: Mapped[date]
    certificate_no: Mapped[str] = mapped_column(String(60), default="")
    valid_until: Mapped[date]  # decision date + 36 months, computed by the catalog service
    revoked_on: Mapped[date | None]
    revoked_reason: Mapped[str] = mapped_column(String(300), default="")
    certificate_image: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)  # showrooms pull changes by it

    product: Mapped[Product] = relationship(back_populates="ratings")
