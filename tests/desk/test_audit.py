"""The audit chain: append-only, hash-linked, and tampering shows up in verify_chain()."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from tests.desk.factories import make_project, make_report, make_user
from vulndesk.desk.models import AppendOnlyError, AuditChainHead, AuditEvent
from vulndesk.desk.models.audit import GENESIS_HASH
from vulndesk.desk.services import audit

pytestmark = pytest.mark.django_db
TABLE = connection.ops.quote_name(AuditEvent._meta.db_table)


def three_events() -> list[AuditEvent]:
    alice = make_user("alice")
    with transaction.atomic():
        return [audit.record("test.step", actor=alice, data={"step": step}) for step in (1, 2, 3)]


def raw(sql: str, params: list[str | int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=TABLE), params)


def test_events_form_a_contiguous_hash_linked_chain() -> None:
    events = three_events()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (3, events[-1].hash)
    assert audit.verify_chain() == []


def test_an_empty_chain_verifies() -> None:
    assert audit.verify_chain() == []


def test_the_hash_survives_a_round_trip_through_the_database() -> None:
    """Values JSON would change (datetimes, decimals) are stored as read back, so they verify."""
    with transaction.atomic():
        event = audit.record(
            "test.types",
            actor=None,
            data={"when": datetime(2024, 3, 1, 10, tzinfo=UTC), "score": Decimal("9.8"), "n": 1},
        )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == {"when": "2024-03-01T10:00:00Z", "score": "9.8", "n": 1}
    assert stored.actor_label == "system"
    assert stored.compute_hash() == stored.hash
    assert audit.verify_chain() == []


@pytest.mark.parametrize(
    ("column", "value"),
    [("data", '{"step": 99}'), ("action", "test.innocent"), ("actor_label", "mallory")],
)
def test_a_row_edited_with_raw_sql_is_named(column: str, value: str) -> None:
    three_events()
    quoted = connection.ops.quote_name(column)
    raw(f"UPDATE {{table}} SET {quoted} = %s WHERE seq = %s", [value, 2])  # noqa: S608
    assert audit.verify_chain() == ["seq 2: content does not match its hash (the row was edited)"]


def test_an_edited_row_with_a_recomputed_hash_breaks_the_next_link() -> None:
    events = three_events()
    forged = "f" * 64
    raw("UPDATE {table} SET hash = %s WHERE seq = %s", [forged, events[1].seq])
    problems = audit.verify_chain()
    assert "seq 3: prev_hash does not match the hash of seq 2" in problems


def test_a_deleted_middle_row_is_named() -> None:
    three_events()
    raw("DELETE FROM {table} WHERE seq = %s", [2])
    assert audit.verify_chain() == ["seq 2 missing: deleted before seq 3"]


def test_a_deleted_first_row_is_named() -> None:
    three_events()
    raw("DELETE FROM {table} WHERE seq = %s", [1])
    assert audit.verify_chain() == ["seq 1 missing: deleted before seq 2"]


def test_a_deleted_last_row_is_named() -> None:
    three_events()
    raw("DELETE FROM {table} WHERE seq = %s", [3])
    assert audit.verify_chain() == [
        "seq 3 missing: the newest events were deleted (the chain head says the last event is "
        "seq 3)"
    ]


def test_a_deleted_chain_head_is_noticed() -> None:
    three_events()
    AuditChainHead.objects.all().delete()
    assert audit.verify_chain() == ["the chain head is missing but 3 events exist"]


def test_an_event_cannot_be_changed_or_deleted_through_the_orm() -> None:
    event = three_events()[0]
    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError, match="cannot be changed"):
        event.save()
    with pytest.raises(AppendOnlyError, match="cannot be deleted"):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(seq=1).update(action="test.rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.bulk_create([AuditEvent(seq=9, created_at=event.created_at)])
    assert audit.verify_chain() == []


def test_deleting_a_user_keeps_their_name_on_the_record_and_the_chain_valid() -> None:
    three_events()
    AuditEvent.objects.get(seq=1).actor.delete()  # type: ignore[union-attr]
    event = AuditEvent.objects.get(seq=1)
    assert (event.actor, event.actor_label) == (None, "alice")
    assert audit.verify_chain() == []


def test_an_event_about_a_report_is_filed_under_its_project() -> None:
    report = make_report(make_project())
    with transaction.atomic():
        event = audit.record("test.note", actor=None, report=report, data={})
    assert (event.project_id, event.report_id) == (report.project_id, report.pk)


def test_an_event_naming_a_report_of_another_project_is_refused() -> None:
    report = make_report(make_project())
    other = make_project("karmada")
    with transaction.atomic(), pytest.raises(ValueError, match="does not belong to project"):
        audit.record("test.note", actor=None, project=other, report=report, data={})


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match=r"must run inside transaction\.atomic\(\)"):
        audit.record("test.note", actor=None, data={})
    assert not AuditEvent.objects.exists()


def test_a_row_slipped_in_past_the_chain_head_is_named() -> None:
    """A forged event appended with raw SQL, bypassing record() and its head update."""
    events = three_events()
    columns = "seq, created_at, actor_label, action, data, prev_hash, hash"
    raw(
        f"INSERT INTO {{table}} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
        [4, "2024-03-01 10:00:00+00:00", "mallory", "forged", "{}", events[-1].hash, "0" * 64],
    )
    assert audit.verify_chain() == ["seq 4: not recorded by the chain head"]


def test_a_forged_row_does_not_hide_a_deleted_one() -> None:
    events = three_events()
    raw("DELETE FROM {table} WHERE seq = %s", [3])
    columns = "seq, created_at, actor_label, action, data, prev_hash, hash"
    raw(
        f"INSERT INTO {{table}} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
        [4, "2024-03-01 10:00:00+00:00", "mallory", "forged", "{}", events[1].hash, "0" * 64],
    )
    problems = audit.verify_chain()
    assert "seq 4: not recorded by the chain head" in problems
    assert any(p.startswith("seq 3 missing: the newest events were deleted") for p in problems)
