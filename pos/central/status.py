"""What central knows of each showroom's sync: last contact, lag, today's sales."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from pos.auth.scope import Scope
from pos.extensions import db
from pos.i18n import LOCAL_TZ
from pos.models import Showroom, ShowroomDaily, ShowroomKey, SyncRejection
from pos.models.base import utcnow


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
    rejections: int


def showroom_status(scope: Scope) -> list[ShowroomSync]:
    """Every showroom in `scope` (a showroom's manager: theirs only)."""
    today = datetime.now(LOCAL_TZ).date()
    query = (select(Showroom, ShowroomKey, ShowroomDaily)
             .join(ShowroomKey, ShowroomKey.showroom_id == Showroom.id)
             .outerjoin(ShowroomDaily, (ShowroomDaily.showroom_id == Showroom.id) & (ShowroomDaily.day == today))
             .order_by(Showroom.code))
    rejections = select(SyncRejection.showroom_code, db.func.count()).group_by(SyncRejection.showroom_code)
    if not scope.everything:
        query = query.where(Showroom.code == scope.showroom)
        rejections = rejections.where(SyncRejection.showroom_code == scope.showroom)
    rows = db.session.execute(query).all()
    rejected = dict(db.session.execute(rejections).all())
    now = utcnow()
    return [ShowroomSync(
        code=showroom.code, name=showroom.name, active=key.active, last_contact_at=key.last_contact_at,
        last_sale_at=key.last_sale_at,
        silent_seconds=int((now - key.last_contact_at).total_seconds()) if key.last_contact_at else None,
        sales_today=daily.sales_count if daily else 0, total_today=daily.sales_total if daily else 0,
        rejections=rejected.get(showroom.code, 0)) for showroom, key, daily in rows]
