"""schemathesis against /api/v1/openapi.json: no 500, no response that breaks the document."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from pos.checkout.shifts import open_shift
from tests.conftest import login, make_product, stock

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_api_operation_answers_by_its_document(app, users, db):
    open_shift(users["cashier"], 0)
    stock(make_product(sku="API-1"), 1000)
    client = app.test_client()
    login(client, "cashier")
    cookies = {"session": client.get_cookie("session").value}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:

        @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def answers_by_the_document(case):
            response = case.call(cookies=cookies)
            case.validate_response(response, checks=CHECKS)

        answers_by_the_document()
