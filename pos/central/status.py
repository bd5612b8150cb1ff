"""What central knows of each showroom's sync: last contact, lag, today's sales."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from pos.auth.scope import Scope
from pos.core.clock import LOCAL_TZ, utcnow
from pos.core.extensions import db
from pos.models import RefusedRequests, Showroom, ShowroomDaily, ShowroomKey, SyncRejection


@dataclass
class ShowroomSync:
    code: str
    name: str
    active: bool
    last_contact_at: datetime | None
    last_sale_at: datetime | None
    silent_seconds: int | None  # since the last contact: a showroom that is offline shows it here
    sales_today: int
    total_today: int
    rejections: int  # events it sent that central refused (requests nobody proved to be it are not counted)
    einvoices_pending: int  # as the showroom last reported (POST /api/v1/sync/status)
    einvoices_refused: int
    einvoices_unsent_today: int
    status_at: datetime | None  # when it reported; None: never (an older showroom, or e-invoicing never on)


def showroom_status(scope: Scope) -> list[ShowroomSync]:
    """Every showroom in `scope` (a showroom's manager: theirs only)."""
    today = datetime.now(LOCAL_TZ).date()
    query = (
        select(Showroom, ShowroomKey, ShowroomDaily)
        .join(ShowroomKey, ShowroomKey.showroom_id == Showroom.id)
        .outerjoin(ShowroomDaily, (ShowroomDaily.showroom_id == Showroom.id) & (ShowroomDaily.day == today))
        .order_by(Showroom.code)
    )
    rejections = select(SyncRejection.showroom_code, db.func.count()).group_by(SyncRejection.showroom_code)
    if not scope.everything:
        query = query.where(Showroom.code == scope.showroom)
        rejections = rejections.where(SyncRejection.showroom_code == scope.showroom)
    rows = db.session.execute(query).all()
    rejected = dict(db.session.execute(rejections).all())
    now = utcnow()
    return [
        ShowroomSync(
            code=showroom.code,
            name=showroom.name,
            active=key.active,
            last_contact_at=key.last_contact_at,
            last_sale_at=key.last_sale_at,
            silent_seconds=int((now - key.last_contact_at).total_seconds()) if key.last_contact_at else None,
            sales_today=daily.sales_count if daily else 0,
            total_today=daily.sales_total if daily else 0,
            rejections=rejected.get(showroom.code, 0),
            einvoices_pending=key.einvoices_pending,
            einvoices_refused=key.einvoices_refused,
            einvoices_unsent_today=key.einvoices_unsent_today,
            status_at=key.status_at,
        )
        for showroom, key, daily in rows
    ]


@dataclass
class RefusedCount:
    claimed_code: str  # "" when the request named no registered showroom
    reason: str
    count: int


def refused_requests(scope: Scope, hours: int = 24) -> list[RefusedCount]:
    """Requests refused before anyone was authenticated, over the last `hours`, per claimed code and reason. A
    claim proves nothing, so a showroom's own manager does not see the claims made in its name."""
    if not scope.everything:
        return []
    since = utcnow() - timedelta(hours=hours)
    rows = db.session.execute(
        select(RefusedRequests.claimed_code, RefusedRequests.reason, func.sum(RefusedRequests.count))
        .where(RefusedRequests.minute >= since)
        .group_by(RefusedRequests.claimed_code, RefusedRequests.reason)
        .order_by(func.sum(RefusedRequests.count).desc())
    ).all()
    return [RefusedCount(code, reason, int(count)) for code, reason, count in rows]
