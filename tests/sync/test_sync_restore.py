"""A showroom restored from an older backup takes back from central the sales and returns the backup lacks, so
its books equal central's again, says what the restore lost, and never issues a sale number central holds."""

from sqlalchemy import func, select

from pos.checkout.recorded import find_recorded
from pos.models import (
    Payment,
    Product,
    RemoteSale,
    Sale,
    SaleLine,
    SaleReturn,
    StockLevel,
    StockMovement,
    User,
)
from pos.sync.recovery import recovery_pending
from pos.sync.sender import push_all
from tests.conftest import PASSWORD, give_back, make_product, stock
from tests.sync.conftest import assert_books_match, sell


def _central_numbers(central):
    return set(central.query(lambda s: s.scalars(select(RemoteSale.number)).all()))


def _books(db):
    """What the showroom's books say: sales and their money, per payment method, and stock per product."""
    return {
        "sales": db.session.scalar(select(func.count(Sale.id))),
        "total": db.session.scalar(select(func.sum(Sale.total))),
        "lines": db.session.scalar(select(func.sum(SaleLine.quantity))),
        "returned": db.session.scalar(select(func.sum(SaleLine.returned_quantity))),
        "paid": dict(
            db.session.execute(select(Payment.method, func.sum(Payment.amount)).group_by(Payment.method)).all()
        ),
        "returns": db.session.scalar(select(func.count(SaleReturn.id))),
    }


def _sell_after_restore(db, product_id, quantity=1):
    """A sale made after the restore (the restore ended the session's objects: read them again)."""
    cashier = db.session.scalar(select(User).where(User.username == "cashier"))
    return sell(cashier, db.session.get(Product, product_id), quantity)


def _on_hand(db, product_id):
    return db.session.get(StockLevel, product_id).on_hand


def _ledger_agrees(db, product_id):
    """On hand is the sum of the product's movements: recovered stock went through the ledger."""
    moved = db.session.scalar(select(func.sum(StockMovement.quantity)).where(StockMovement.product_id == product_id))
    return moved == _on_hand(db, product_id)


def test_backup_50_sales_restore_recover(app, db, users, shop, central, central_client, runner, tmp_path):
    tea, flower = shop["tea"], shop["flower"]
    tea_id, flower_id, flower_sku = tea.id, flower.id, flower.sku  # the restore ends the session's objects
    stock(tea, 200)
    for _ in range(5):
        sell(users["cashier"], tea)
    assert push_all(central_client).sent == 5
    assert runner.invoke(args=["backup", "--out", str(tmp_path / "before.sqlite3")]).exit_code == 0

    # After the backup: 50 sales (some paid by card), a return, and flowers received then sold.
    stock(flower, 20, lot="L2")
    sales = [sell(users["cashier"], tea, 1 + i % 3) for i in range(45)]
    sales += [
        sell(
            users["cashier"],
            flower,
            2,
            payments=[{"method": "card", "amount": flower.price * 2, "reference": f"POS-{i}"}],
        )
        for i in range(5)
    ]
    give_back(sales[0].number, users["cashier"])
    assert push_all(central_client).sent == 51
    books_before, tea_before = _books(db), _on_hand(db, tea_id)
    assert books_before["sales"] == 55

    result = runner.invoke(args=["restore", str(tmp_path / "before.sqlite3"), "--yes"])
    assert result.exit_code == 0, result.output
    output = result.output
    assert "gone from them" in output and "enter them again" in output  # what the restore lost
    assert "Taken back from central: 50 sales" in output and "1 returns" in output
    assert f"{flower_sku} (+" in output  # the receipt after the backup is lost: count the flowers
    assert "The books equal central's again" in output

    assert _books(db) == books_before
    assert _on_hand(db, tea_id) == tea_before
    assert _ledger_agrees(db, tea_id) and _ledger_agrees(db, flower_id)
    assert recovery_pending() is None
    assert_books_match(central_client)  # per day, counts and totals, sales and returns

    taken = set(_central_numbers(central))
    new = _sell_after_restore(db, tea_id)
    assert new.number not in taken and "R" not in new.number.split("-")[-1]
    assert push_all(central_client).sent == 1  # central takes it: no conflict with a number it holds
    assert_books_match(central_client)

    again = runner.invoke(args=["sync", "recover"])  # nothing left to take back: nothing doubles
    assert again.exit_code == 0 and "Taken back from central: 0 sales" in again.output
    assert _books(db)["sales"] == 56


def test_a_recovered_sale_and_its_cash_return_keep_their_cash_rounding(
    app, db, users, shop, central, central_client, runner, tmp_path
):
    """45.250 ₫ paid in cash is 45.000 ₫ (rounding −250), and so is its refund: after a restore and recovery the
    sale and the return carry the rounding they were recorded with, figure for figure."""
    honey = make_product(sku="MO-1", name_vi="Mật ong Ba Vì", price=45_250, vat_rate=8)
    stock(honey, 10)
    assert runner.invoke(args=["backup", "--out", str(tmp_path / "before.sqlite3")]).exit_code == 0
    sale = sell(users["cashier"], honey, payments=[{"method": "cash", "amount": 50_000}])
    refund = give_back(sale.number, users["cashier"])
    assert (sale.cash_rounding, sale.paid, refund.cash_rounding) == (-250, 45_000, -250)
    sold, refund_uuid = sale.to_payload(), refund.uuid
    assert push_all(central_client).sent == 2

    result = runner.invoke(args=["restore", str(tmp_path / "before.sqlite3"), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Taken back from central: 1 sales" in result.output and "1 returns" in result.output

    recovered = find_recorded(sold["uuid"])
    assert (recovered.cash_rounding, recovered.paid) == (-250, 45_000)
    assert recovered.to_payload() == sold  # the sale as central holds it, rounding and payments included
    returned = db.session.scalar(select(SaleReturn).where(SaleReturn.uuid == refund_uuid))
    assert (returned.total, returned.cash_rounding, returned.refunded) == (45_250, -250, 45_000)
    assert_books_match(central_client)


def test_restore_while_central_is_away_warns_and_numbers_apart(
    app, db, users, shop, central, central_client, runner, tmp_path, cashier_client
):
    tea = shop["tea"]
    tea_id = tea.id
    sell(users["cashier"], tea)
    runner.invoke(args=["backup", "--out", str(tmp_path / "b.sqlite3")])
    lost = [sell(users["cashier"], tea) for _ in range(3)]
    push_all(central_client)
    central.stop()
    result = runner.invoke(args=["restore", str(tmp_path / "b.sqlite3"), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Central could not be asked" in result.output and "carry an R" in result.output
    assert recovery_pending() is not None
    assert "restored:     from" in runner.invoke(args=["sync", "status"]).output

    page = cashier_client.get("/till?lang=en").get_data(as_text=True)
    assert 'id="restore-warning"' in page and "restored from a backup" in page
    manager = app.test_client()
    manager.post("/login", data={"username": "manager", "password": PASSWORD})
    assert "b.sqlite3" in manager.get("/sync?lang=en").get_data(as_text=True)
    during = _sell_after_restore(db, tea_id)
    assert during.number.split("-")[-1] == "R0001"
    assert during.number not in {s.number for s in lost}
    refund = give_back(during.number, db.session.scalar(select(User).where(User.username == "cashier")), reason="đổi ý")
    assert refund.number == "TH-RR-000001"  # return numbers, counted, have a series of their own too

    central.restart()
    result = runner.invoke(args=["sync", "recover"])
    assert result.exit_code == 0, result.output
    assert "Taken back from central: 3 sales" in result.output
    assert recovery_pending() is None
    assert 'id="restore-warning"' not in cashier_client.get("/till").get_data(as_text=True)
    assert push_all(central_client).sent == 3  # the backup's pending sale again (a duplicate), the R sale, its refund
    assert_books_match(central_client)
    after = _sell_after_restore(db, tea_id)
    assert after.number not in _central_numbers(central)


def test_central_hands_a_showroom_only_its_own_events_a_page_at_a_time(app, db, users, shop, central, central_client):
    stock(shop["tea"], 300)
    for _ in range(250):
        sell(users["cashier"], shop["tea"])
    push_all(central_client)
    first = central_client.showroom_events(None, None)
    assert len(first["events"]) == 200 and first["next"]
    second = central_client.showroom_events(None, first["next"])
    assert len(second["events"]) == 50 and second["next"] is None
    assert {e["showroom"] for e in first["events"] + second["events"]} == {"TH"}
    from pos.central.registry import add_showroom
    from pos.sync.client import CentralClient

    central.query(lambda s: add_showroom("HN", "Điểm bán Hà Nội", secret="h" * 40))
    assert CentralClient(central.url, "HN", "h" * 40).showroom_events(None, None)["events"] == []


def test_a_showroom_s_events_need_its_signature(app, db, users, shop, central, central_client):
    import requests

    from pos.central.registry import add_showroom
    from pos.protocol import signing

    sell(users["cashier"], shop["tea"])
    push_all(central_client)
    assert requests.get(central.url + "/api/v1/sync/events", timeout=5).status_code == 401
    central.query(lambda s: add_showroom("HN", "Điểm bán Hà Nội", secret="h" * 40))
    posing = signing.signed_headers("TH", "h" * 40, "GET", "/api/v1/sync/events", b"")  # HN's secret, TH's name
    assert requests.get(central.url + "/api/v1/sync/events", headers=posing, timeout=5).status_code == 401
    for query in ("after=-1", "after=x", "since=yesterday", "since=2026-11-23T03:12:09%2B07:00"):
        path = f"/api/v1/sync/events?{query}"
        headers = signing.signed_headers("TH", central_client.secret, "GET", path, b"")
        response = requests.get(central.url + path, headers=headers, timeout=5)
        assert response.status_code == 422 and response.json()["error"] == "validation_error", query
