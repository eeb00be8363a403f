"""`vulndesk audit verify`: find audit events changed or deleted behind vulndesk's back."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.cli.helpers import vulndesk, vulndesk_json
from tests.desk.factories import make_project, make_report
from vulndesk.desk.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_events() -> None:
    report = make_report(make_project("emissary", preset="envoy"))
    vulndesk("report", "transition", report.key, "triaging")
    vulndesk("report", "score", report.key, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
    assert AuditEvent.objects.count() == 3


def raw_sql(sql: str, params: list[str | int]) -> None:
    """Change the table the way someone with database access would, around the model."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def test_an_intact_trail_passes_with_its_count(three_events: None) -> None:
    assert vulndesk("audit", "verify").strip() == (
        "audit trail intact: 3 events, every hash checks out"
    )
    assert vulndesk_json("audit", "verify") == {"events": 3, "intact": True, "problems": []}


def test_an_empty_trail_is_intact() -> None:
    assert "audit trail intact: 0 events" in vulndesk("audit", "verify")


def test_an_event_edited_in_the_database_is_named_by_its_seq(three_events: None) -> None:
    raw_sql(
        "UPDATE {table} SET data = %s WHERE seq = %s",
        [json.dumps({"from": "received", "to": "closed", "reason": ""}), 2],
    )
    with pytest.raises(CommandError) as refused:
        vulndesk("audit", "verify")
    message = str(refused.value)
    assert message.startswith("audit trail tampered with:")
    assert "seq 2: content does not match its hash (the row was edited)" in message
    assert "seq 1" not in message
    assert "seq 3" not in message


def test_the_newest_event_deleted_in_the_database_is_found(three_events: None) -> None:
    raw_sql("DELETE FROM {table} WHERE seq = %s", [3])
    with pytest.raises(CommandError, match="seq 3 missing: the newest events were deleted"):
        vulndesk("audit", "verify")


def test_json_reports_the_problems_and_still_fails(three_events: None) -> None:
    raw_sql("DELETE FROM {table} WHERE seq = %s", [2])
    out = io.StringIO()
    with pytest.raises(CommandError, match="seq 2 missing"):
        call_command("audit", "verify", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["events"], data["intact"]) == (2, False)
    assert data["problems"][0] == "seq 2 missing: deleted before seq 3"
