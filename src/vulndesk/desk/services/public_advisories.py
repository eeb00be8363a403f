"""Published advisories in the formats the public side offers: per-advisory downloads and the
OSV feed. Callers pass reports from `access.advisories_visible_to`; nothing here decides who
may read what.

A record its format's schema would refuse is never offered: the download names what is missing
instead, and the OSV feed leaves the advisory out (its page and the Atom feed still list it).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from vulndesk.advisories import csaf, cve5, markdown, osv
from vulndesk.advisories.errors import IncompleteAdvisory
from vulndesk.advisories.model import Advisory
from vulndesk.desk.models import Report
from vulndesk.desk.services.advisory_export import AdvisoryDataError, build_advisory


@dataclass(frozen=True)
class Format:
    label: str
    content_type: str
    suffix: str  # of the saved file's name: EMISSARY-2.osv.json
    render: Callable[[Advisory], str]


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def _cve(advisory: Advisory) -> str:
    return _json(cve5.render(advisory, cve5.Cna(settings.CNA_ORG_ID, settings.CNA_SHORT_NAME)))


def _csaf(advisory: Advisory) -> str:
    # The project issues its own advisories, from where this desk is reached.
    return _json(csaf.render(advisory, csaf.Publisher(advisory.vendor, settings.BASE_URL)))


# By the file name in the download's URL, in the order the page lists them.
FORMATS: dict[str, Format] = {
    "osv.json": Format("OSV JSON", "application/json", "osv.json", lambda a: _json(osv.render(a))),
    "cve.json": Format("CVE JSON 5", "application/json", "cve.json", _cve),
    "csaf.json": Format("CSAF 2.0 VEX", "application/json", "csaf.json", _csaf),
    "advisory.md": Format("Markdown", "text/markdown; charset=utf-8", "md", markdown.render),
}


@dataclass(frozen=True)
class Download:
    filename: str  # as in the URL
    format: Format
    body: str  # "" when not offered
    problems: tuple[str, ...] = ()  # why it is not offered

    @property
    def offered(self) -> bool:
        return not self.problems


def downloads(report: Report) -> list[Download]:
    """Every format of the report's advisory, each rendered or saying why it cannot be yet."""
    try:
        advisory = build_advisory(report)
    except AdvisoryDataError as exc:
        return [Download(name, chosen, "", (str(exc),)) for name, chosen in FORMATS.items()]
    found = []
    for name, chosen in FORMATS.items():
        try:
            found.append(Download(name, chosen, chosen.render(advisory)))
        except IncompleteAdvisory as exc:
            found.append(Download(name, chosen, "", exc.problems))
    return found


def download(report: Report, filename: str) -> Download | None:
    """One format of the report's advisory; None for a file name no format has."""
    return next((d for d in downloads(report) if d.filename == filename), None)


def osv_feed(reports: Iterable[Report]) -> list[dict[str, Any]]:
    """The OSV records of the reports that have a valid one, in the order given."""
    records = []
    for report in reports:
        try:
            advisory = build_advisory(report)
        except AdvisoryDataError:
            continue
        if not osv.problems(advisory):
            records.append(osv.render(advisory))
    return records
