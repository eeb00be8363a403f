"""What a scenario checks at its end: the messages the worker delivered, and when deadlines
were met, as the desk records them."""

from datetime import datetime

from vulndesk.desk.models import Report


def sent(report: Report) -> list[tuple[str, str, str, datetime | None]]:
    """Each delivered message's kind, audience, recipient and time, in the order sent."""
    return [
        (email.kind, email.audience, email.recipient, email.sent_at)
        for email in report.outbound_emails.exclude(sent_at=None).order_by("sent_at", "pk")
    ]


def met_at(report: Report, deadline: str) -> datetime | None:
    """When the report's deadline was met, as the desk shows it."""
    return report.deadlines.get(name=deadline).met_at
