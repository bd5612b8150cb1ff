from datetime import datetime, timezone


def utcnow() -> datetime:
    """Naive UTC: every timestamp is stored in UTC, shown in Asia/Ho_Chi_Minh."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
