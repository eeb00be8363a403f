"""schemathesis drives every operation of the API in-process with a live write token: no
answer may be a 5xx, and every answer must match the OpenAPI document (status, headers, body).

Each operation is tried on generated paths (mostly someone else's or no report: 404s) and on
alice's real EMISSARY-1 and project, so the writes reach the services and their refusals (409,
422) and imports file reports.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import People

EXAMPLES = 25


def exercise(operation: Any, token: str, **overrides: Any) -> None:
    @given(case=operation.as_strategy(**overrides))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            # A well-formed value can still be wrong in ways no schema can say (a cursor no
            # page gave, an 11th search word, a release line the project lacks): those get
            # a 422 naming the field, which this heuristic check would count as a failure.
            excluded_checks=[positive_data_acceptance],
        )

    call()


@pytest.fixture
def in_test_transaction() -> Iterator[None]:
    """Keep the test's connection open across requests, as Django's test client does: the
    handler would otherwise close it, and with it the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("in_test_transaction")
def test_the_api_answers_every_generated_request_as_its_schema_says(people: People) -> None:
    assert people.alice.raw is not None
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == 60
    for operation in operations:
        exercise(operation, people.alice.raw)
        names = {parameter.name for parameter in operation.path_parameters}
        if {"project", "number"} <= names:
            real = {"project": "emissary", "number": 1}
            exercise(operation, people.alice.raw, path_parameters=real)
        if names == {"slug"}:
            exercise(operation, people.alice.raw, path_parameters={"slug": "emissary"})
