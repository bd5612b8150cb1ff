"""Eight tills selling the same scarce products at once: no oversell, every acknowledged sale counted once,
stock equal to the ledger, on a file SQLite database and on PostgreSQL."""

import uuid

from sqlalchemy import func, select

from pos.auth.service import create_user
from pos.checkout.sales import record_sale
from pos.checkout.shifts import open_shift
from pos.core.database import atomic
from pos.core.errors import DomainError
from pos.core.extensions import db as _db
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.models import Lot, Sale, SaleLine, StockLevel, StockMovement
from tests.conftest import make_app_with_tables, make_product, run_tills

TILLS, SALES_PER_TILL, UNITS = 8, 6, 20


def _run_tills(app):
    with app.app_context():
        cashier = create_user("till", "a-long-password", "cashier")
        open_shift(cashier, 0)
        scarce = [make_product(sku=f"SCARCE-{i}", price=10_000 * (i + 1)) for i in range(2)]
        for product in scarce:
            with atomic():
                lot = find_or_create_lot(product.id, "A")
                move_stock(product.id, lot.id, UNITS, "receipt", unit_cost=5_000)
        ids = [p.id for p in scarce]
        _db.session.remove()
    acknowledged, refused = [], []

    def sell(user, n, k):
        body = {
            "uuid": str(uuid.uuid4()),
            "lines": [{"product_id": ids[(n + k) % 2], "quantity": 1 + (n + k) % 3}],
            "payments": [{"method": "cash", "amount": 200_000}],
        }
        try:
            sale, _ = record_sale(body, user)
            acknowledged.append((sale.uuid, sale.total))
        except DomainError as error:
            refused.append(error.code)

    errors = run_tills(app, TILLS, SALES_PER_TILL, sell)
    with app.app_context():
        assert errors == []
        assert set(refused) <= {"out_of_stock", "approval_required"}
        stored = dict(_db.session.execute(select(Sale.uuid, Sale.total)).all())
        assert stored == dict(acknowledged)  # every acknowledged sale, exactly once, with its total
        for product_id in ids:
            sold = _db.session.scalar(select(func.sum(SaleLine.quantity)).where(SaleLine.product_id == product_id)) or 0
            level = _db.session.get(StockLevel, product_id).on_hand
            ledger = _db.session.scalar(
                select(func.sum(StockMovement.quantity)).where(StockMovement.product_id == product_id)
            )
            lots = _db.session.scalar(select(func.sum(Lot.on_hand)).where(Lot.product_id == product_id))
            assert sold <= UNITS and level == UNITS - sold == ledger == lots
        assert len(acknowledged) > 0 and len(refused) > 0  # the stock really ran out during the run
        _db.session.remove()
        _db.engine.dispose()


def test_eight_tills(database):
    _run_tills(make_app_with_tables(database))
