"""A signed body nested deeper than any event is refused with a reason (422), never a 500, nothing stored."""

import pytest
import requests
from sqlalchemy import func, select

from pos.models import RemoteSale
from pos.protocol import signing
from tests.sync.conftest import SECRET
from tests.test_odd_bodies import DEEP


@pytest.mark.parametrize("path", ["/api/v1/sync/sales", "/api/v1/sync/scans"])
@pytest.mark.parametrize("body", DEEP, ids=["50000-arrays", "40-arrays-in-a-sale", "500-objects-in-an-event"])
def test_deeply_nested_json_on_the_sync_api_is_refused_with_a_reason(app, central, path, body):
    headers = signing.signed_headers("TH", SECRET, "POST", path, body) | {"Content-Type": "application/json"}
    response = requests.post(central.url + path, data=body, headers=headers, timeout=10)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "too_deeply_nested"
    assert central.query(lambda s: s.scalar(select(func.count()).select_from(RemoteSale))) == 0
