"""What a showroom reports of its own state (POST /api/v1/sync/status, pos.protocol.events.STATUS): its e-invoices
not yet accepted by the provider, refused, and of today unsent, kept on its key row for the showrooms page. A
report older than the one held is ignored, so a late or replayed request never brings back stale counts."""

from sqlalchemy import or_, update

from pos.core.clock import utcnow
from pos.core.database import atomic
from pos.core.errors import ValidationError
from pos.core.extensions import db
from pos.models import Showroom, ShowroomKey
from pos.protocol.events import Invalid, parse_status


def store_status(showroom: Showroom, body) -> bool:
    """Keep the report unless central holds a newer one; True when it was kept. Malformed: 422, nothing kept."""
    try:
        status = parse_status(body, now=utcnow())
    except Invalid as problem:
        raise ValidationError(
            "The status report is invalid; nothing was stored.", fields={"status": str(problem)}
        ) from None
    with atomic():
        result = db.session.execute(
            update(ShowroomKey)
            .where(
                ShowroomKey.showroom_id == showroom.id,
                or_(ShowroomKey.status_at.is_(None), ShowroomKey.status_at < status["at"]),
            )
            .values(
                status_at=status["at"],
                einvoices_pending=status["einvoices_pending"],
                einvoices_refused=status["einvoices_refused"],
                einvoices_unsent_today=status["einvoices_unsent_today"],
            )
        )
    return result.rowcount == 1
