"""Demo data for central: the other Hanoi showrooms and a few months of their sales, sent through the
same ingest the real sync uses (so rollups, lines and reconciliation all agree). The demo showroom TH
is registered but gets no invented history: its real sales arrive through `flask sync run`."""

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from pos.catalog.ratings import is_sellable_as_ocop
from pos.central.ingest import MAX_BATCH, ingest_batch
from pos.central.registry import add_showroom
from pos.central.scan_ingest import store_scans
from pos.core.clock import LOCAL_TZ
from pos.core.database import atomic
from pos.core.extensions import db
from pos.core.money import vat_inside
from pos.core.outbox import iso_utc
from pos.models import Product, RemoteSale, Showroom, ShowroomKey

OTHER_SHOWROOMS = [
    ("HK", "Điểm bán OCOP Hoàn Kiếm", 1.6),  # a busy old-quarter point sells more
    ("LB", "Điểm bán OCOP Long Biên", 1.0),
    ("BV", "Điểm bán OCOP Ba Vì", 0.6),
    ("SS", "Điểm bán OCOP Sóc Sơn", 0.5),
]


HISTORY_DAYS = 120


def register_demo_showrooms(local_code: str, local_name: str, secret: str) -> None:
    """TH with the secret the local showroom is configured with; the others with fresh secrets. All of them
    selling since before the history seed_sales_history makes up."""
    since = datetime.now(LOCAL_TZ).date() - timedelta(days=HISTORY_DAYS + 1)
    for code, name, secret_for in [(local_code, local_name, secret)] + [(c, n, None) for c, n, _ in OTHER_SHOWROOMS]:
        registered = db.session.scalar(select(ShowroomKey.id).join(Showroom).where(Showroom.code == code))
        if not registered:
            add_showroom(code, name, secret=secret_for, since=since)
        elif secret_for:
            with atomic():  # make run re-pairs with the secret in instance/sync_secret
                key = db.session.scalar(select(ShowroomKey).join(Showroom).where(Showroom.code == code))
                key.secret = secret_for
    db.session.commit()


SCAN_KEYS = ("sku", "gtin", "name_vi", "producer", "producer_tax_code", "ocop_group")


def seed_sales_history(days: int = HISTORY_DAYS, today: date | None = None, seed: int = 2026) -> int:
    """Generate `days` of sales (and a few returns) for the other showrooms; once only."""
    if db.session.scalar(select(func.count()).select_from(RemoteSale)):
        return 0
    rng = random.Random(seed)
    today = today or datetime.now(LOCAL_TZ).date()
    products = list(db.session.scalars(select(Product).where(Product.active.is_(True))))
    popularity = [rng.uniform(0.3, 3.0) for _ in products]
    showrooms = {s.code: s for s in db.session.scalars(select(Showroom))}
    count = 0
    for code, _, busyness in OTHER_SHOWROOMS:
        showroom, events, scans = showrooms[code], [], {}
        for offset in range(days, -1, -1):
            day = today - timedelta(days=offset)
            weekend = 1.5 if day.weekday() >= 5 else 1.0
            tet = 2.0 if day.month in (1, 2) else 1.0  # gifts before Tết
            for n in range(int(rng.gauss(22, 5) * busyness * weekend * tet)):
                moment = datetime.combine(day, time(8), tzinfo=LOCAL_TZ) + timedelta(minutes=rng.randint(0, 13 * 60))
                if moment > datetime.now(LOCAL_TZ):
                    continue
                sale = _sale(rng, code, day, n, moment, rng.choices(products, popularity, k=rng.randint(1, 4)))
                events.append(sale)
                for line in sale["lines"]:  # about one label scan per unit sold: some look and don't buy
                    described = scans.setdefault((day, line["sku"]), {k: line[k] for k in SCAN_KEYS} | {"scans": 0})
                    described["scans"] += rng.randint(0, 2 * line["quantity"])
                returned_at = moment + timedelta(days=rng.randint(0, 3))
                if rng.random() < 0.02 and returned_at <= datetime.now(LOCAL_TZ):
                    events.append(_return(rng, code, sale, returned_at))
        events.sort(key=lambda e: e["created_at"])
        for start in range(0, len(events), MAX_BATCH):
            ingest_batch(showroom, events[start : start + MAX_BATCH])
        store_scans(showroom, [{"day": day} | row for (day, _sku), row in scans.items()])
        count += sum(e["kind"] == "sale" for e in events)
    return count


def _utc(moment: datetime) -> str:
    return iso_utc(moment.astimezone(UTC).replace(tzinfo=None))


def _uuid(rng) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _sale(rng, code: str, day: date, n: int, moment: datetime, chosen: list[Product]) -> dict:
    lines = []
    for line_no, product in enumerate(dict.fromkeys(chosen), start=1):
        quantity = rng.choice((1, 1, 1, 2, 2, 3))
        amount = product.price * quantity
        rating = product.rating
        sellable = rating is not None and is_sellable_as_ocop(rating, day)
        consignment = product.producer.type == "household" and rng.random() < 0.7
        lines.append(
            {
                "line_no": line_no,
                "sku": product.sku,
                "gtin": product.gtin14,
                "name_vi": product.name_vi,
                "producer": product.producer.name,
                "producer_tax_code": product.producer.tax_code,
                "ocop_group": product.ocop_group,
                "stars": rating.stars if sellable else None,
                "potential_5_star": bool(sellable and rating.potential_5_star),
                "quantity": quantity,
                "unit_price": product.price,
                "discount": 0,
                "amount": amount,
                "vat_rate": product.vat_rate,
                "vat_amount": vat_inside(amount, product.vat_rate),
                "unit_cost": None if rng.random() < 0.1 else product.price * 7 // 10,
                "consignment": consignment,
                "commission": amount * 15 // 100 if consignment else 0,
            }
        )
    total = sum(line["amount"] for line in lines)
    return {
        "version": 1,
        "kind": "sale",
        "uuid": _uuid(rng),
        "showroom": code,
        "number": f"{code}-{day:%Y%m%d}-{n + 1:04d}",
        "created_at": _utc(moment),
        "cashier": "demo",
        "shift_id": 1,
        "total": total,
        "vat_total": sum(line["vat_amount"] for line in lines),
        "discount_total": 0,
        "lines": lines,
        "payments": [
            {
                "method": rng.choice(("cash", "cash", "card", "vietqr")),
                "amount": total,
                "tendered": total,
                "change": 0,
                "reference": "",
            }
        ],
    }


def _return(rng, code: str, sale: dict, moment: datetime) -> dict:
    line = sale["lines"][0]
    return {
        "version": 1,
        "kind": "return",
        "uuid": _uuid(rng),
        "showroom": code,
        "sale_uuid": sale["uuid"],
        "sale_number": sale["number"],
        "number": f"{code}-R-{moment:%Y%m%d}-{rng.randint(1, 9999):04d}",
        "created_at": _utc(moment),
        "reason": "khách đổi ý",
        "approved_by": "manager",
        "refund_method": "cash",
        "total": line["amount"],
        "vat_total": line["vat_amount"],
        "lines": [
            {
                "line_no": line["line_no"],
                "sku": line["sku"],
                "quantity": line["quantity"],
                "amount": line["amount"],
                "vat_amount": line["vat_amount"],
            }
        ],
    }
