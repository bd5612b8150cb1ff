"""Stock valuation at weighted-average cost: now from the stock levels, as of a past date from the ledger."""

import io
import itertools
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from pos.core.clock import local_today, utc_bounds
from pos.core.database import atomic
from pos.core.errors import OutOfStock
from pos.core.extensions import db as _db
from pos.inventory.ledger import find_or_create_lot, move_stock, take_stock
from pos.inventory.receipts import create_receipt, post_receipt, reverse_receipt
from pos.inventory.transfers import create_transfer_in, create_transfer_out, post_transfer
from pos.inventory.valuation import valuation_as_of, valuation_now
from pos.models import Lot, Product, StockLevel, StockMovement
from tests.conftest import make_product


def at(document_id: str, moment: datetime):
    with atomic():
        _db.session.execute(update(StockMovement).where(StockMovement.document_id == document_id).values(at=moment))


def receive(product, user, quantity, cost, moment, lot="A"):
    receipt = create_receipt(
        product.producer_id,
        [
            {
                "sku": product.sku,
                "lot_code": lot,
                "quantity": str(quantity),
                "unit_cost": str(cost),
                "expiry_date": "2027-12-31",
            }
        ],
        user,
    )
    post_receipt(receipt.id, user)
    at(receipt.number, moment)
    return receipt


def test_as_of_a_past_date_equals_a_hand_computation(manager_client, users, db):
    manager = users["manager"]
    tea = make_product(sku="TEA")
    rice = make_product(sku="RICE", name_vi="Xôi vò")
    # Hanoi is UTC+7: 17:00 UTC is midnight in Hanoi.
    receive(tea, manager, 10, 100_000, datetime(2026, 3, 1, 3, 0))  # 1 Mar: 10 @ 100.000
    with atomic():
        take_stock(tea.id, 4, document=("sale", "S1"))
    at("S1", datetime(2026, 3, 2, 3, 0))  # 2 Mar: −4 → 6 @ 100.000
    transfer = create_transfer_in(
        "HK", "XC-9", [{"sku": "TEA", "lot_code": "B", "quantity": "5", "unit_cost": "130001"}], manager
    )
    post_transfer(transfer.id, manager)
    at(transfer.number, datetime(2026, 3, 2, 16, 59))  # 2 Mar 23:59: +5 @ 130.001
    receive(rice, manager, 8, 40_000, datetime(2026, 3, 2, 17, 0), lot="R")  # 3 Mar 00:00: rice
    out = create_transfer_out("HP", [{"sku": "TEA", "quantity": "3"}], manager)
    post_transfer(out.id, manager)
    at(out.number, datetime(2026, 3, 4, 1, 0))  # 4 Mar: −3 tea
    bad = receive(rice, manager, 2, 99_000, datetime(2026, 3, 5, 1, 0), lot="R")
    reverse_receipt(bad.id, manager, "nhầm giá")
    at(
        _db.session.scalar(select(StockMovement.document_id).order_by(StockMovement.id.desc())),
        datetime(2026, 3, 6, 1, 0),
    )  # 6 Mar: the 2 rice reversed

    def figures(day):
        v = valuation_as_of(day)
        return {r.product.sku: (r.on_hand, r.average_cost, r.value) for r in v.rows}, v.total

    assert figures(date(2026, 2, 28)) == ({}, 0)
    assert figures(date(2026, 3, 1)) == ({"TEA": (10, 100_000, 1_000_000)}, 1_000_000)
    # (6 × 100.000 + 5 × 130.001) / 11 = 113.636,8… → 113.637
    assert figures(date(2026, 3, 2)) == ({"TEA": (11, 113_637, 1_250_007)}, 1_250_007)
    assert figures(date(2026, 3, 3)) == ({"TEA": (11, 113_637, 1_250_007), "RICE": (8, 40_000, 320_000)}, 1_570_007)
    assert figures(date(2026, 3, 4))[0]["TEA"] == (8, 113_637, 909_096)
    # (8 × 40.000 + 2 × 99.000) / 10 = 51.800; the reversal takes the 2 out and leaves the average
    assert figures(date(2026, 3, 5))[0]["RICE"] == (10, 51_800, 518_000)
    assert figures(date(2026, 3, 6)) == ({"TEA": (8, 113_637, 909_096), "RICE": (8, 51_800, 414_400)}, 1_323_496)
    assert figures(local_today()) == figures(date(2026, 3, 6))
    now = valuation_now()
    assert {r.product.sku: (r.on_hand, r.average_cost) for r in now.rows} == {"TEA": (8, 113_637), "RICE": (8, 51_800)}

    page = manager_client.get("/inventory/valuation?date=2026-03-03").get_data(as_text=True)
    assert '<strong id="valuation-total">1.570.007\u00a0₫</strong>' in page and "03/03/2026" in page
    assert "Giá trị tồn kho" in page  # Vietnamese first
    english = manager_client.get("/inventory/valuation?date=2026-03-03&lang=en").get_data(as_text=True)
    assert "1,570,007\u00a0₫" in english and "Stock valuation" in english
    csv = manager_client.get("/inventory/valuation?date=2026-03-03&format=csv").get_data(as_text=True)
    assert "TEA,Chè Sen Quảng An,11,113637,1250007" in csv and "RICE,Xôi vò,8,40000,320000" in csv
    assert "TOTAL" not in csv and "Tổng cộng" not in csv  # CSV: the rows only
    for query, units, value in (("date=2026-03-03&", 19, 1_570_007), ("", 16, 1_323_496)):
        sheet = load_workbook(io.BytesIO(manager_client.get(f"/inventory/valuation?{query}format=xlsx").data)).active
        assert [cell.value for cell in list(sheet.iter_rows())[-1]] == ["Tổng cộng", None, units, None, value]


def test_bad_dates_show_the_problem_and_the_current_value(manager_client, users, db):
    product = make_product(sku="TEA")
    receive(product, users["manager"], 3, 10_000, datetime.now() - timedelta(days=1))
    for raw in ("hôm qua", "2026-13-01", "1999-12-31", (local_today() + timedelta(days=1)).isoformat(), "9" * 20):
        page = manager_client.get("/inventory/valuation", query_string={"date": raw})
        assert page.status_code == 422
        assert '<strong id="valuation-total">30.000\u00a0₫</strong>' in page.get_data(as_text=True)


def test_the_valuation_page_is_for_managers(cashier_client):
    assert cashier_client.get("/inventory/valuation").status_code == 403


operations = st.lists(
    st.one_of(
        st.tuples(st.just("receipt"), st.integers(0, 2), st.integers(1, 40), st.integers(0, 900_000)),
        st.tuples(st.just("transfer_in"), st.integers(0, 2), st.integers(1, 40), st.integers(0, 900_000)),
        st.tuples(st.just("sell"), st.integers(0, 2), st.integers(1, 30), st.just(0)),
        st.tuples(st.just("transfer_out"), st.integers(0, 2), st.integers(1, 30), st.just(0)),
        st.tuples(st.just("count"), st.integers(0, 2), st.integers(-10, 10).filter(bool), st.just(0)),
        st.tuples(st.just("uncosted_in"), st.integers(0, 2), st.integers(1, 10), st.just(0)),
    ),
    min_size=1,
    max_size=25,
)


def apply(kind: str, product, quantity: int, cost: int) -> None:
    """One operation of `operations` through the ledger's own functions."""
    if kind in ("receipt", "transfer_in"):
        lot = find_or_create_lot(product.id, kind)
        move_stock(product.id, lot.id, quantity, kind, unit_cost=cost)
    elif kind in ("sell", "transfer_out"):
        take_stock(product.id, quantity, kind="sale" if kind == "sell" else kind, amount=quantity)
    else:  # a count's difference or a return without a cost: quantity only
        lot = find_or_create_lot(product.id, "")
        move_stock(product.id, lot.id, quantity, "count" if kind == "count" else "return")


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_valuation_as_of_today_from_the_ledger_equals_the_stock_levels(app, ops):
    with atomic():  # each example starts from an empty ledger
        for model in (StockMovement, Lot, StockLevel):
            _db.session.execute(delete(model))
    products = _db.session.scalars(select(Product).order_by(Product.id)).all() or [
        make_product(stars=None) for _ in range(3)
    ]
    for kind, index, quantity, cost in ops:
        product = products[index]
        try:
            with atomic():
                apply(kind, product, quantity, cost)
        except OutOfStock:
            continue
    now, ledger = valuation_now(), valuation_as_of(local_today())
    as_rows = lambda v: [(r.product.id, r.on_hand, r.average_cost, r.value) for r in v.rows]  # noqa: E731
    assert as_rows(ledger) == as_rows(now)
    levels = _db.session.execute(
        select(
            func.coalesce(func.sum(StockLevel.on_hand * StockLevel.average_cost), 0),
            func.coalesce(func.sum(StockLevel.on_hand), 0),
        )
    ).one()
    assert (now.total, now.units) == (ledger.total, ledger.units) == tuple(levels)
    assert valuation_as_of(local_today() - timedelta(days=1)).rows == []


def replayed(until: datetime) -> dict[int, tuple[int, int]]:
    """The ledger replayed movement by movement (id order) up to `until`, by move_stock's rule: the reference that
    valuation as of a date must equal."""
    positions: dict[int, tuple[int, int]] = {}
    for product_id, quantity, unit_cost in _db.session.execute(
        select(StockMovement.product_id, StockMovement.quantity, StockMovement.unit_cost)
        .where(StockMovement.at < until)
        .order_by(StockMovement.id)
    ):
        on_hand, average = positions.get(product_id, (0, 0))
        if quantity > 0 and unit_cost is not None:
            average = round((on_hand * average + quantity * unit_cost) / (on_hand + quantity))
        positions[product_id] = (on_hand + quantity, average)
    return {product_id: position for product_id, position in positions.items() if position[0] != 0}


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, days=st.lists(st.integers(0, 30), min_size=1, max_size=25), recovered_day=st.integers(0, 30))
def test_valuation_as_of_any_day_equals_replaying_the_ledger(app, ops, days, recovered_day):
    with atomic():
        for model in (StockMovement, Lot, StockLevel):
            _db.session.execute(delete(model))
    products = _db.session.scalars(select(Product).order_by(Product.id)).all() or [
        make_product(stars=None) for _ in range(3)
    ]
    start = datetime.combine(local_today() - timedelta(days=31), datetime.min.time())
    moment = start
    for (kind, index, quantity, cost), day in zip(ops, itertools.cycle(days)):
        product = products[index]
        moment = max(moment, start + timedelta(days=day, hours=index))  # recorded in time order, as the ledger is
        before = _db.session.scalar(select(func.coalesce(func.max(StockMovement.id), 0)))
        try:
            with atomic():
                apply(kind, product, quantity, cost)
                _db.session.execute(update(StockMovement).where(StockMovement.id > before).values(at=moment))
        except OutOfStock:
            continue
    try:  # a sale recovered after a restore: recorded last, dated back to when it was made
        with atomic():
            take_stock(products[0].id, 1, amount=1, at=start + timedelta(days=recovered_day, minutes=30))
    except OutOfStock:
        pass
    for day in range(0, 32, 3):
        as_of = (start + timedelta(days=day)).date()
        valuation = valuation_as_of(as_of)
        _, until = utc_bounds(as_of)
        expected = replayed(until)
        assert {row.product.id: (row.on_hand, row.average_cost) for row in valuation.rows} == expected


def test_the_migration_fills_each_costed_movements_average_as_the_ledger_did(database):
    """A showroom upgraded with a ledger already written: 0026 replays it once and stores, on each movement bringing
    goods in at a cost, the average move_stock left; valuation as of a date reads the same as before."""
    from flask_migrate import downgrade, upgrade

    from tests.conftest import make_app

    app = make_app(database)
    with app.app_context():
        upgrade()
        product = make_product(stars=None)
        with atomic():
            lot = find_or_create_lot(product.id, "A")
            move_stock(product.id, lot.id, 10, "receipt", unit_cost=1_000)
            take_stock(product.id, 4, amount=4)
            move_stock(product.id, lot.id, 6, "transfer_in", unit_cost=2_001)
            move_stock(product.id, lot.id, 2, "return")
            move_stock(product.id, lot.id, 3, "receipt", unit_cost=500)
        stored = lambda: _db.session.execute(  # noqa: E731
            select(StockMovement.kind, StockMovement.average_cost_after).order_by(StockMovement.id)
        ).all()
        written = stored()
        # (6×1,000 + 6×2,001) / 12 = 1,500.5 → 1,500; (14×1,500 + 3×500) / 17 = 1,323.5 → 1,324 (round(), as move_stock)
        assert [average for _, average in written] == [1_000, None, 1_500, None, 1_324]
        before = valuation_as_of(local_today())
        _db.session.commit()
        downgrade(revision="0025")  # the showroom as it was, with this ledger
        upgrade()
        assert stored() == written
        assert valuation_as_of(local_today()) == before and before.total == 17 * 1_324
        _db.session.remove()
        _db.engine.dispose()
