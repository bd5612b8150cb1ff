"""The one clock: timestamps are stored as naive UTC, days are the shop's days in Asia/Ho_Chi_Minh.

Use local_today() for "today" (an expiry, a rating's validity, a report's day), never date.today(): the server's
own zone is usually UTC, seven hours behind the shop, so date.today() is yesterday from midnight to 7 am."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Naive UTC: every timestamp is stored in UTC, shown in Asia/Ho_Chi_Minh."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(moment: datetime | None) -> datetime | None:
    """A stored (naive UTC) time, or an aware one, as Asia/Ho_Chi_Minh time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def local_today() -> date:
    return datetime.now(UTC).astimezone(LOCAL_TZ).date()


def utc_bounds(day: date) -> tuple[datetime, datetime]:
    """A local (Asia/Ho_Chi_Minh) day as naive UTC bounds, the way times are stored."""
    start = datetime.combine(day, time.min, tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)
    return start, start + timedelta(days=1)
