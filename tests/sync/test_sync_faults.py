"""Every sale reaches central once and only once, whatever the network does. Each test ends with
central's per-day counts and totals equal to the showroom's."""

import json
import time

import pytest
import requests
from sqlalchemy import func, select

from pos.central.registry import rotate_secret
from pos.checkout.shifts import close_shift
from pos.models import (
    OutboxEntry,
    RefusedRequests,
    RemoteSale,
    RemoteSaleLine,
    SalesRollupDaily,
    ShowroomDaily,
    SyncRejection,
)
from pos.protocol import signing
from pos.sync.client import CentralClient, CentralUnavailable
from pos.sync.sender import push_all, push_once, sync_status
from tests.conftest import give_back
from tests.sync.conftest import SECRET, assert_books_match, sell


def _statuses(db):
    return dict(db.session.execute(select(OutboxEntry.status, func.count()).group_by(OutboxEntry.status)).all())


def _central_sales(central):
    return central.query(lambda s: s.scalar(select(func.count()).select_from(RemoteSale)))


def test_sales_reach_central_once_with_their_lines_and_rollups(app, db, users, shop, central, central_client):
    sales = [sell(users["cashier"], shop["tea"], 2), sell(users["cashier"], shop["flower"], 1)]
    result = push_all(central_client)
    assert (result.sent, result.dead, result.error) == (2, 0, "")
    assert _statuses(db) == {"sent": 2}
    stored = central.query(lambda s: {r.uuid: r.total for r in s.scalars(select(RemoteSale))})
    assert stored == {sale.uuid: sale.total for sale in sales}
    units = central.query(lambda s: s.scalar(select(func.sum(SalesRollupDaily.units))))
    revenue = central.query(lambda s: s.scalar(select(func.sum(SalesRollupDaily.revenue))))
    assert (units, revenue) == (3, sum(sale.total for sale in sales))
    stars = central.query(lambda s: sorted(s.scalars(select(RemoteSaleLine.stars))))
    assert stars == [4, 4]
    assert_books_match(central_client)


def test_central_down_while_selling_then_back(app, db, users, shop, central, central_client):
    central.stop()
    sales = [sell(users["cashier"], shop["tea"]) for _ in range(3)]
    result = push_once(central_client)
    assert result.error.startswith("central unreachable") and result.deferred == 3
    entry = db.session.scalars(select(OutboxEntry)).first()
    assert entry.status == "pending" and entry.attempts == 1 and "unreachable" in entry.last_error
    assert 5 <= (entry.next_attempt_at - entry.created_at).total_seconds() <= 60  # backed off
    assert push_once(central_client).attempted == 0  # nothing is due before the back-off ends
    central.restart()
    assert push_all(central_client, ignore_backoff=True).sent == 3
    assert _central_sales(central) == len(sales)
    assert_books_match(central_client)


class LoseResponses(requests.adapters.HTTPAdapter):
    """Delivers the request, then drops central's answer: the showroom cannot know it was committed."""

    def send(self, request, **kwargs):
        super().send(request, **kwargs)
        raise requests.ConnectionError("connection reset after the request was sent")


def test_a_response_lost_after_central_committed_is_not_counted_twice(app, db, users, shop, central, central_client):
    sales = [sell(users["cashier"], shop["tea"]) for _ in range(2)]
    lossy = CentralClient(central.url, "TH", SECRET)
    lossy.http.mount("http://", LoseResponses())
    assert push_once(lossy).deferred == 2
    assert _central_sales(central) == 2  # central has them…
    assert _statuses(db) == {"pending": 2}  # …the showroom does not know yet
    result = push_all(central_client, ignore_backoff=True)
    assert result.sent == 2
    assert _central_sales(central) == 2
    assert central.query(lambda s: s.scalar(select(func.sum(ShowroomDaily.sales_count)))) == len(sales)
    assert_books_match(central_client)


def test_the_same_batch_sent_twice_counts_once(app, db, users, shop, central, central_client):
    sell(users["cashier"], shop["tea"])
    events = [json.loads(e.payload) for e in db.session.scalars(select(OutboxEntry))]
    first = central_client.send_events(events)
    second = central_client.send_events(events)
    assert [a["status"] for a in first] == ["accepted"] and [a["status"] for a in second] == ["duplicate"]
    assert _central_sales(central) == 1
    push_all(central_client)
    assert_books_match(central_client)


def test_batches_out_of_order_and_a_return_before_its_sale(app, db, users, shop, central, central_client):
    sale = sell(users["cashier"], shop["tea"], 2)
    give_back(sale.number, users["cashier"])
    later = sell(users["cashier"], shop["flower"])
    events = {
        e.kind + str(i): json.loads(e.payload)
        for i, e in enumerate(db.session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))
    }
    answers = central_client.send_events([events["sale2"], events["return1"]])  # newest first, return before sale
    assert [a["status"] for a in answers] == ["accepted", "retry"]
    assert "not been received" in answers[1]["reason"]
    assert [a["status"] for a in central_client.send_events([events["sale0"]])] == ["accepted"]
    result = push_all(central_client, ignore_backoff=True)  # the sender sends all three; two are duplicates
    assert (result.sent, result.dead) == (3, 0)
    revenue = central.query(lambda s: s.scalar(select(func.sum(SalesRollupDaily.revenue))))
    assert revenue == sale.total + later.total - shop["tea"].price  # the return reduced it
    units = central.query(lambda s: s.scalar(select(func.sum(SalesRollupDaily.units))))
    assert units == 2 - 1 + 1
    assert_books_match(central_client)


def _post_raw(central, path, body: bytes, headers):
    return requests.post(
        central.url + path, data=body, headers=headers | {"Content-Type": "application/json"}, timeout=5
    )


def _events_body(db) -> bytes:
    events = [json.loads(e.payload) for e in db.session.scalars(select(OutboxEntry))]
    return json.dumps({"events": events}).encode()


def test_a_body_altered_in_transit_is_refused_and_logged(app, db, users, shop, central, central_client):
    sell(users["cashier"], shop["tea"])
    body = _events_body(db)
    headers = signing.signed_headers("TH", SECRET, "POST", "/api/v1/sync/sales", body)
    altered = body.replace(b'"total": 350000', b'"total": 35000')
    assert altered != body
    response = _post_raw(central, "/api/v1/sync/sales", altered, headers)
    assert response.status_code == 401 and response.json()["error"] == "unauthorized"
    assert "bad signature" in response.json()["message"]
    assert _central_sales(central) == 0
    assert central.query(
        lambda s: s.execute(select(RefusedRequests.claimed_code, RefusedRequests.reason, RefusedRequests.count)).all()
    ) == [("TH", "bad signature", 1)]
    assert central.query(lambda s: s.scalar(select(func.count()).select_from(SyncRejection))) == 0
    push_all(central_client)
    assert_books_match(central_client)


def test_a_stale_timestamp_is_refused(app, db, users, shop, central, central_client):
    sell(users["cashier"], shop["tea"])
    body = _events_body(db)
    headers = signing.signed_headers("TH", SECRET, "POST", "/api/v1/sync/sales", body, now=time.time() - 301)
    response = _post_raw(central, "/api/v1/sync/sales", body, headers)
    assert response.status_code == 401 and "timestamp off by" in response.json()["message"]
    assert _central_sales(central) == 0
    push_all(central_client)
    assert_books_match(central_client)


def test_a_wrong_secret_or_unknown_showroom_is_refused_and_nothing_is_lost(
    app, db, users, shop, central, central_client
):
    sell(users["cashier"], shop["tea"])
    result = push_once(CentralClient(central.url, "TH", "w" * 40))
    assert result.deferred == 1 and "401" in result.error
    # The sender asks in no language, so central answers in its default, Vietnamese; its own log stays English.
    assert push_once(CentralClient(central.url, "ZZ", SECRET), ignore_backoff=True).error.endswith(
        "Yêu cầu bị từ chối: không nhận ra điểm bán."
    )
    assert _statuses(db) == {"pending": 1} and _central_sales(central) == 0
    assert sync_status().last_error.endswith("Yêu cầu bị từ chối: không nhận ra điểm bán.")
    assert sorted(
        central.query(lambda s: s.execute(select(RefusedRequests.claimed_code, RefusedRequests.reason)).all())
    ) == [("", "unknown showroom"), ("TH", "bad signature")]
    push_all(central_client, ignore_backoff=True)
    assert_books_match(central_client)


def test_a_rotated_secret_keeps_the_old_one_working_for_a_grace_period(app, db, users, shop, central):
    new_secret = central.query(lambda s: rotate_secret("TH"))
    sell(users["cashier"], shop["tea"])
    assert push_all(CentralClient(central.url, "TH", SECRET)).sent == 1  # old secret, within the grace period
    sell(users["cashier"], shop["tea"])
    assert push_all(CentralClient(central.url, "TH", new_secret)).sent == 1


def test_an_invalid_event_is_dead_lettered_and_does_not_block_the_rest(
    app, db, users, shop, central, central_client, manager_client
):
    first = sell(users["cashier"], shop["tea"])
    entry = db.session.scalar(select(OutboxEntry).where(OutboxEntry.uuid == first.uuid))
    broken = json.loads(entry.payload) | {"total": -5}
    entry.payload = json.dumps(broken)
    db.session.commit()
    sell(users["cashier"], shop["tea"])
    result = push_all(central_client)
    assert (result.sent, result.dead) == (1, 1)
    dead = db.session.scalar(select(OutboxEntry).where(OutboxEntry.status == "dead"))
    assert dead.uuid == first.uuid and "'total' must be a whole number" in dead.last_error
    page = manager_client.get("/sync").get_data(as_text=True)
    assert first.uuid in page and "&#39;total&#39; must be a whole number" in page
    # fixed at the showroom, retried by the manager: it goes through
    entry = db.session.get(OutboxEntry, dead.id)
    entry.payload = json.dumps(broken | {"total": first.total})
    db.session.commit()
    response = manager_client.post("/sync/retry", data={"entry_id": str(dead.id)})
    assert response.status_code == 302
    assert push_all(central_client).sent == 1
    assert _statuses(db) == {"sent": 2}
    assert_books_match(central_client)


def test_the_same_uuid_with_other_content_is_a_conflict(app, db, users, shop, central, central_client):
    sale = sell(users["cashier"], shop["tea"])
    event = json.loads(db.session.scalar(select(OutboxEntry.payload)))
    central_client.send_events([event])
    tampered = event | {"number": "TH-FAKE-1"}
    assert central_client.send_events([tampered]) == [
        {
            "uuid": sale.uuid,
            "status": "rejected",
            "reason": "conflict: this uuid was received before with different content",
        }
    ]
    assert central.query(lambda s: s.scalar(select(RemoteSale.number))) == sale.number


@pytest.mark.parametrize(
    "body", [b"", b"[]", b'{"events": []}', b'{"events": "x"}', b"\xff\xfe", b'{"events": [1, null, {"kind": "sale"}]}']
)
def test_malformed_batches_get_clear_answers_never_a_500(app, db, central, body):
    headers = signing.signed_headers("TH", SECRET, "POST", "/api/v1/sync/sales", body)
    response = _post_raw(central, "/api/v1/sync/sales", body, headers)
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert {a["status"] for a in response.json()["results"]} == {"rejected"}
    else:
        assert response.json()["error"] == "validation_error"
    assert _central_sales(central) == 0


def test_shift_close_and_reconcile_page(app, db, users, shop, central, central_client, manager_client):
    sell(users["cashier"], shop["tea"])
    shift_id = (
        db.session.scalar(select(OutboxEntry.payload))
        and json.loads(db.session.scalar(select(OutboxEntry.payload)))["shift_id"]
    )
    close_shift(users["cashier"], shift_id, {"500000": 2, "200000": 1, "100000": 1})
    assert push_all(central_client).sent == 2
    page = manager_client.get("/sync").get_data(as_text=True)
    assert 'id="pending">0<' in page and 'id="sent">2<' in page
    assert page.count("badge-valid") == 7 and "badge-expired" not in page  # seven days, all matching


def test_reconcile_page_shows_a_mismatch_while_events_wait(app, db, users, shop, central, manager_client):
    sell(users["cashier"], shop["tea"])
    page = manager_client.get("/sync").get_data(as_text=True)
    assert 'id="pending">1<' in page and "badge-expired" in page


def test_sync_page_without_central_still_shows_the_queue(app, db, users, shop, manager_client):
    sell(users["cashier"], shop["tea"])
    page = manager_client.get("/sync").get_data(as_text=True)
    assert 'id="pending">1<' in page and "CENTRAL_URL" in page


def test_central_unreachable_on_the_sync_page(app, db, users, shop, central, manager_client):
    central.stop()
    sell(users["cashier"], shop["tea"])
    page = manager_client.get("/sync").get_data(as_text=True)
    assert "badge-expiring" in page  # "central unreachable", not an error page
    central.restart()


def test_push_without_configuration_is_a_clear_error(app, runner, db):
    result = runner.invoke(args=["sync", "push"])
    assert result.exit_code == 1 and "set CENTRAL_URL and SYNC_SECRET" in result.output


def test_status_command(app, runner, db, users, shop, central):
    sell(users["cashier"], shop["tea"])
    result = runner.invoke(args=["sync", "status"])
    assert "pending:      1" in result.output and "configured:   yes" in result.output
    result = runner.invoke(args=["sync", "push"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert "sent:         1" in runner.invoke(args=["sync", "status"]).output


def test_unavailable_central_client_raises_one_exception():
    with pytest.raises(CentralUnavailable):
        CentralClient("http://127.0.0.1:9", "TH", SECRET, timeout_s=1).send_events([{}])
