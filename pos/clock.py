"""The one clock: timestamps are stored as naive UTC, days are the shop's days in Asia/Ho_Chi_Minh.

Use local_today() for "today" (an expiry, a rating's validity, a report's day), never the server's own date: its
zone is usually UTC, seven hours behind the shop, so the server's date is yesterday from midnight to 7 am."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> date:
    return datetime.now(timezone.utc).astimezone(LOCAL_TZ).date()
