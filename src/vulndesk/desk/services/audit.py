"""Append to the audit chain, and check that nobody changed it since.

`record` runs inside the caller's transaction, so the event commits or rolls back with the
change it describes. It locks the one chain-head row to take the next `seq`, which keeps the
chain a single line even with several processes writing on PostgreSQL.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from vulndesk.desk.models import AuditChainHead, AuditEvent, Project, Report
from vulndesk.desk.models.audit import GENESIS_HASH, chain_hash

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SYSTEM_ACTOR = "system"


def record(
    action: str,
    *,
    actor: User | None,
    project: Project | None = None,
    report: Report | None = None,
    data: dict[str, Any],
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    Call it last in that transaction: it locks the chain head, which every writer shares, and
    holds it until the commit.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit.record() must run inside transaction.atomic(), in the same transaction as "
            "the change it records"
        )
    if report is not None:
        if project is not None and project.pk != report.project_id:
            raise ValueError(f"report {report.pk} does not belong to project {project.pk}")
        project_id: int | None = report.project_id
    else:
        project_id = project.pk if project is not None else None
    # Store what reading the row back will give, or the hash would not match on verification.
    stored_data = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    event = AuditEvent(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor=actor,
        actor_label=actor.get_username() if actor is not None else SYSTEM_ACTOR,
        project_id=project_id,
        report=report,
        action=action,
        data=stored_data,
        prev_hash=head.last_hash,
    )
    event.hash = event.compute_hash()
    event.save()
    head.last_seq, head.last_hash = event.seq, event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


def verify_chain() -> list[str]:
    """Every sign of tampering found, one line each; an empty list means the chain is intact."""
    problems = []
    expected_seq, expected_prev = 1, GENESIS_HASH
    # The head is read first and the scan stops at it: events appended while the scan runs
    # (each in one transaction with its head update) are left for the next check.
    head = AuditChainHead.objects.filter(pk=1).first()
    events = AuditEvent.objects.filter(seq__lte=head.last_seq) if head else AuditEvent.objects
    rows = (
        events.order_by("seq")
        .values_list(
            "seq",
            "created_at",
            "actor_label",
            "project_id",
            "report_id",
            "action",
            "data",
            "prev_hash",
            "hash",
        )
        .iterator(chunk_size=2000)
    )
    for seq, created_at, actor_label, project_id, report_id, action, data, prev, stored in rows:
        if seq != expected_seq:
            problems.append(f"{_span(expected_seq, seq - 1)} missing: deleted before seq {seq}")
        elif prev != expected_prev:
            problems.append(f"seq {seq}: prev_hash does not match the hash of seq {seq - 1}")
        computed = chain_hash(
            seq=seq,
            created_at=created_at,
            actor_label=actor_label,
            project_id=project_id,
            report_id=report_id,
            action=action,
            data=data,
            prev_hash=prev,
        )
        if computed != stored:
            problems.append(f"seq {seq}: content does not match its hash (the row was edited)")
        expected_seq, expected_prev = seq + 1, stored
    problems += _head_problems(head, last_seq=expected_seq - 1, last_hash=expected_prev)
    return problems


def _head_problems(head: AuditChainHead | None, *, last_seq: int, last_hash: str) -> list[str]:
    if head is None:
        return [f"the chain head is missing but {last_seq} events exist"] if last_seq else []
    problems = []
    # Rows past the head as it stands now were never appended through record().
    now_last = AuditChainHead.objects.filter(pk=1).values_list("last_seq", flat=True).first()
    forged = AuditEvent.objects.filter(seq__gt=now_last or head.last_seq).values_list(
        "seq", flat=True
    )
    if forged:
        problems.append(f"seq {', '.join(map(str, forged))}: not recorded by the chain head")
    if head.last_seq > last_seq:
        problems.append(
            f"{_span(last_seq + 1, head.last_seq)} missing: the newest events were deleted "
            f"(the chain head says the last event is seq {head.last_seq})"
        )
    elif head.last_hash != last_hash:
        problems.append(f"seq {last_seq}: hash does not match the one the chain head recorded")
    return problems


def _span(first: int, last: int) -> str:
    return f"seq {first}" if first == last else f"seq {first} to {last}"
