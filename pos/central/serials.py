"""Every showroom's serials, as central learns them: issued (a showroom's `serials` event), sold and returned (sale
and return events whose lines carry a serial), scanned (the scan counts). Central is the one place that sees a
serial printed in one showroom and sold or scanned in another: it flags it there (remote_serials.flag).

The suspect labels page lists the flagged serials and the ones whose scans look like a copy in circulation (the
same rule as the showroom's product page: pos.labels.serials.suspect_reason)."""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from pos.auth.scope import Scope
from pos.core.clock import to_local, utcnow
from pos.core.database import dialect_insert
from pos.core.extensions import db
from pos.labels.serials import scan_summary, suspect_reason
from pos.models import RemoteSerial, RemoteSerialScanDaily, Showroom
from pos.protocol.events import Event


def issued_conflict(showroom: Showroom, event: Event) -> str | None:
    """Why a `serials` event cannot be stored (a serial another showroom issued), or None. Checked before anything
    of the event is written."""
    serials = [unit["serial"] for unit in event.data["units"]]
    for chunk in range(0, len(serials), 500):
        taken = db.session.execute(
            select(RemoteSerial.serial, Showroom.code)
            .join(Showroom, Showroom.id == RemoteSerial.issued_showroom_id)
            .where(
                RemoteSerial.serial.in_(serials[chunk : chunk + 500]), RemoteSerial.issued_showroom_id != showroom.id
            )
            .limit(1)
        ).first()
        if taken:
            return f"conflict: serial {taken[0]} was issued by showroom {taken[1]}"
    return None


def store_issued(showroom: Showroom, event: Event) -> None:
    """The event's serials, issued at `showroom`. A serial central met first on a sale or a scan gets where it was
    issued now, and is flagged if it was sold elsewhere. Sent again, it changes nothing."""
    units = {unit["serial"]: unit for unit in event.data["units"]}
    known = {}
    for chunk in range(0, len(units), 500):
        part = list(units)[chunk : chunk + 500]
        known |= {s.serial: s for s in db.session.scalars(select(RemoteSerial).where(RemoteSerial.serial.in_(part)))}
    now = utcnow()
    for serial, unit in units.items():
        row = known.get(serial)
        if row is None:
            db.session.add(
                RemoteSerial(
                    serial=serial,
                    gtin=unit["gtin"],
                    sku=unit["sku"],
                    lot_code=unit["lot"],
                    issued_showroom_id=showroom.id,
                    issued_at=event.created_at,
                    flag="",
                )
            )
            continue
        if row.issued_showroom_id is None:
            row.issued_showroom_id, row.issued_at = showroom.id, event.created_at
            row.gtin, row.sku, row.lot_code = unit["gtin"], unit["sku"], unit["lot"]
            if row.flag == "sold_not_issued":
                row.flag = ""
            if row.sold_showroom_id is not None and row.sold_showroom_id != showroom.id:
                _flag(row, "sold_elsewhere", row.sold_showroom_id, now)
    db.session.flush()


def note_sold(showroom: Showroom, sale_uuid: str, created_at: datetime, lines: list[dict]) -> None:
    """A sale's serialized lines: the serial is sold there and then; flagged when another showroom issued it, when
    another sale holds it already, or when no showroom ever issued it."""
    now = utcnow()
    for line in lines:
        if line["serial"] is None:
            continue
        row = db.session.scalar(select(RemoteSerial).where(RemoteSerial.serial == line["serial"]))
        if row is None:
            row = RemoteSerial(serial=line["serial"], gtin=line["gtin"], sku=line["sku"], flag="")
            db.session.add(row)
        if row.sale_uuid is not None and row.sale_uuid != sale_uuid:
            _flag(row, "sold_elsewhere", showroom.id, now)  # sold twice: one of the two labels is a copy
            continue
        row.sold_showroom_id, row.sold_at, row.sale_uuid = showroom.id, created_at, sale_uuid
        if row.issued_showroom_id is None:
            _flag(row, "sold_not_issued", showroom.id, now)
        elif row.issued_showroom_id != showroom.id:
            _flag(row, "sold_elsewhere", showroom.id, now)
    db.session.flush()


def note_returned(sale_uuid: str, serials: list[str]) -> None:
    """Units brought back: their serials are in stock again (where they were sold)."""
    for serial in serials:
        row = db.session.scalar(select(RemoteSerial).where(RemoteSerial.serial == serial))
        if row is not None and row.sale_uuid == sale_uuid:
            row.sold_showroom_id, row.sold_at, row.sale_uuid = None, None, None


def note_scanned(showroom: Showroom, rows: list[dict]) -> int:
    """The serials' scan totals per day at `showroom` (the latest total replaces the one before); a serial issued
    by another showroom and scanned here is flagged. Returns the serial rows stored."""
    totals = {(row["day"], serial["serial"]): serial["scans"] for row in rows for serial in row.get("serials", ())}
    if not totals:
        return 0
    statement = dialect_insert(RemoteSerialScanDaily.__table__)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["serial", "day", "showroom_id"], set_={"scans": statement.excluded.scans}
        ),
        [{"serial": s, "day": d, "showroom_id": showroom.id, "scans": n} for (d, s), n in totals.items()],
    )
    serials = sorted({serial for _day, serial in totals})
    now = utcnow()
    for chunk in range(0, len(serials), 500):
        for row in db.session.scalars(
            select(RemoteSerial).where(
                RemoteSerial.serial.in_(serials[chunk : chunk + 500]),
                RemoteSerial.issued_showroom_id.is_not(None),
                RemoteSerial.issued_showroom_id != showroom.id,
                RemoteSerial.flag == "",
            )
        ):
            _flag(row, "scanned_elsewhere", showroom.id, now)
    return len(totals)


def _flag(row: RemoteSerial, flag: str, showroom_id: int, now: datetime) -> None:
    if row.flag in ("", "sold_not_issued") or flag != "scanned_elsewhere":
        row.flag, row.flagged_showroom_id, row.flagged_at = flag, showroom_id, now


# --- the suspect labels page ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SuspectSerial:
    serial: str
    sku: str
    lot_code: str
    issued_at: str  # showroom code, or "" when no showroom issued it
    sold_at: str  # showroom code, or ""
    sold_on: date | None
    flag: str  # remote_serials.flag, or ""
    flagged_at: str  # the showroom where it was flagged
    scans: int
    scan_days: int
    first_seen: date | None
    last_seen: date | None
    reason: str  # why it is listed (pos.labels.serials.suspect_reason, or the flag)


def suspect_serials(scope: Scope, *, sku: str | None = None, limit: int = 500) -> list[SuspectSerial]:
    """Flagged serials, and serials whose scans look like a copy in circulation (SERIAL_SUSPECT_DAYS,
    SERIAL_SUSPECT_SCANS), most recently seen first; of one product (`sku`) if given. A showroom's manager sees
    the serials their showroom issued, sold, flagged or scanned."""
    codes = dict(db.session.execute(select(Showroom.id, Showroom.code)).all())
    scans = {
        serial: (int(total), days, first, last)
        for serial, total, days, first, last in db.session.execute(scan_summary(RemoteSerialScanDaily))
    }
    scanned_here = set()
    if not scope.everything:
        scanned_here = set(
            db.session.scalars(
                select(RemoteSerialScanDaily.serial)
                .join(Showroom, Showroom.id == RemoteSerialScanDaily.showroom_id)
                .where(Showroom.code == scope.showroom)
            )
        )
    rows = {s.serial: s for s in db.session.scalars(select(RemoteSerial).where(RemoteSerial.flag != ""))}
    candidates = set(rows) | set(scans)
    missing = [s for s in candidates if s not in rows]
    for chunk in range(0, len(missing), 500):
        rows |= {
            s.serial: s
            for s in db.session.scalars(
                select(RemoteSerial).where(RemoteSerial.serial.in_(missing[chunk : chunk + 500]))
            )
        }
    config = current_app.config
    found = []
    for serial in candidates:
        row = rows.get(serial)
        total, days, first, last = scans.get(serial, (0, 0, None, None))
        sold_on = to_local(row.sold_at).date() if row is not None and row.sold_at else None
        days_after = _days_after(serial, sold_on) if sold_on else 0
        reason = suspect_reason(
            issued=row is not None and row.issued_showroom_id is not None,
            days_scanned_after_sale=days_after,
            scans=total,
            suspect_days=config["SERIAL_SUSPECT_DAYS"],
            suspect_scans=config["SERIAL_SUSPECT_SCANS"],
        )
        flag = row.flag if row is not None else ""
        if not (reason or flag):
            continue
        if sku is not None and (row is None or row.sku != sku):
            continue
        involved = (
            {codes.get(row.issued_showroom_id), codes.get(row.sold_showroom_id), codes.get(row.flagged_showroom_id)}
            if row is not None
            else set()
        )
        if not scope.everything and scope.showroom not in involved and serial not in scanned_here:
            continue
        found.append(
            SuspectSerial(
                serial=serial,
                sku=row.sku if row is not None else "",
                lot_code=row.lot_code if row is not None else "",
                issued_at=codes.get(row.issued_showroom_id, "") if row is not None else "",
                sold_at=codes.get(row.sold_showroom_id, "") if row is not None else "",
                sold_on=sold_on,
                flag=flag,
                flagged_at=codes.get(row.flagged_showroom_id, "") if row is not None else "",
                scans=total,
                scan_days=days,
                first_seen=first,
                last_seen=last,
                reason=reason or "",
            )
        )
    found.sort(key=lambda s: (s.last_seen or date.min, s.serial), reverse=True)
    return found[:limit]


def _days_after(serial: str, sold_on: date) -> int:
    return db.session.scalar(
        select(func.count(func.distinct(RemoteSerialScanDaily.day))).where(
            RemoteSerialScanDaily.serial == serial, RemoteSerialScanDaily.day > sold_on
        )
    )
