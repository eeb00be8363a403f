from datetime import datetime

from vulndesk.desk.models import Report


def met_at(report: Report, deadline: str) -> datetime | None:
    """When the report's deadline was met, as the desk shows it."""
    return report.deadlines.get(name=deadline).met_at
