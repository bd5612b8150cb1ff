from datetime import datetime, timezone
from typing import Annotated

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    """Naive UTC: every timestamp is stored in UTC, shown in Asia/Ho_Chi_Minh."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


# Money (integer đồng) is 64-bit on every database: one sale of three peach trees passes 2^31 - 1 đồng, the
# largest a PostgreSQL `integer` holds (pos.limits bounds what is accepted; see SALE_TOTAL_MAX). SQLite's
# INTEGER already stores 64 bits, so it keeps that name there and a showroom's tables are not rebuilt.
_INT64 = BigInteger().with_variant(Integer, "sqlite")
Money = Annotated[int, mapped_column(_INT64)]
# A count that a ledger adds up without bound (units on hand), 64-bit for the same reason.
Count = Annotated[int, mapped_column(_INT64)]
