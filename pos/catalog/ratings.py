"""OCOP rating validity: 36 months from the decision; 'expiring' within 60 days of the end."""

import calendar
from datetime import date, timedelta

from pos.core.clock import local_today

VALIDITY_MONTHS = 36
EXPIRING_WITHIN_DAYS = 60
STATUSES = ("valid", "expiring", "expired", "revoked", "unrated")


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(decision_date: date) -> date:
    """The last day the rating is valid."""
    return add_months(decision_date, VALIDITY_MONTHS) - timedelta(days=1)


def rating_status(rating, today: date | None = None) -> str:
    if rating is None:
        return "unrated"
    today = today or local_today()
    if rating.revoked_on and rating.revoked_on <= today:
        return "revoked"
    if rating.valid_until < today:
        return "expired"
    if (rating.valid_until - today).days <= EXPIRING_WITHIN_DAYS:
        return "expiring"
    return "valid"


SELLABLE_STATUSES = ("valid", "expiring")  # only a still valid 3★+ rating lets a product carry the OCOP mark


def is_sellable_as_ocop(rating, today: date | None = None) -> bool:
    return rating_status(rating, today) in SELLABLE_STATUSES
