"""The report filters the list page and the API share: one meaning for "overdue" or "high"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from vulndesk.desk.models import EMBARGOED, Deadline, Report, SeverityChoices, StateChoices

MAX_SEARCH_WORDS = 10


@dataclass(frozen=True)
class ReportFilters:
    state: str | None = None
    severity: str | None = None
    project: str | None = None
    embargoed: bool | None = None
    overdue: bool | None = None
    q: str = ""

    def problems(self) -> dict[str, str]:
        """Each filter given a value it cannot take, by field name, with what it accepts."""
        found = {}
        if self.state is not None and self.state not in StateChoices.values:
            found["state"] = f"expected one of {', '.join(StateChoices.values)}"
        if self.severity is not None and self.severity not in SeverityChoices.values:
            found["severity"] = f"expected one of {', '.join(SeverityChoices.values)}"
        if len(self.q.split()) > MAX_SEARCH_WORDS:
            found["q"] = f"search for at most {MAX_SEARCH_WORDS} words"
        return found


def overdue_now(now: datetime) -> Exists:
    return Exists(Deadline.objects.running().filter(report=OuterRef("pk"), due_at__lt=now))


def search(words: str) -> Q:
    """Every word must appear in the title, the description, the CVE ID or the key."""
    condition = Q()
    for word in words.split():
        key_number = word.rsplit("-", 1)[-1]
        matches = Q(title__icontains=word) | Q(description__icontains=word) | Q(cve_id__iexact=word)
        if key_number.isdigit():
            matches |= Q(number=int(key_number), project__slug__iexact=word.rsplit("-", 1)[0])
        condition &= matches
    return condition


def filter_reports(
    reports: QuerySet[Report], filters: ReportFilters, now: datetime
) -> QuerySet[Report]:
    """Narrow an access-checked queryset; call `filters.problems()` first to refuse bad values."""
    if filters.state:
        reports = reports.filter(state=filters.state)
    if filters.severity:
        # The Security Team's override wins over the score's band (KAR-30).
        reports = reports.filter(
            Q(severity_override=filters.severity)
            | Q(severity_override="", severity=filters.severity)
        )
    if filters.project:
        reports = reports.filter(project__slug=filters.project)
    if filters.embargoed is not None:
        reports = reports.filter(EMBARGOED if filters.embargoed else ~EMBARGOED)
    if filters.overdue is not None:
        reports = reports.filter(overdue_now(now) if filters.overdue else ~overdue_now(now))
    if filters.q.strip():
        reports = reports.filter(search(filters.q))
    return reports
