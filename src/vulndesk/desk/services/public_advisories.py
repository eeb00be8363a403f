"""Advisories in the formats vulndesk offers: per-advisory downloads and the OSV feed of the
public side, the team's drafts on the report page, the API and `vulndesk advisory export`.
Callers pass reports they may show (`access.advisories_visible_to` on the public side, the
report page's and the API's `get_report_for_user`); nothing here decides who may read what.

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
class Issuer:
    """Who issues the records: the CNA of CVE records and the publisher of CSAF documents."""

    cna: cve5.Cna
    publisher_name: str  # "": the advisory's project issues its own
    publisher_namespace: str

    @classmethod
    def configured(cls) -> Issuer:
        """As the settings say: the project publishes from where this desk is reached."""
        cna = cve5.Cna(settings.CNA_ORG_ID, settings.CNA_SHORT_NAME)
        return cls(cna, "", settings.BASE_URL)


@dataclass(frozen=True)
class Format:
    name: str  # as `--format` and the API's `format` name it
    label: str
    content_type: str
    suffix: str  # of the saved file's name: EMISSARY-2.osv.json
    render: Callable[[Advisory, Issuer], str]


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2, ensure_ascii=False) + "\n"


def _osv(advisory: Advisory, issuer: Issuer) -> str:
    return _json(osv.render(advisory))


def _cve(advisory: Advisory, issuer: Issuer) -> str:
    return _json(cve5.render(advisory, issuer.cna))


def _csaf(advisory: Advisory, issuer: Issuer) -> str:
    name = issuer.publisher_name or advisory.vendor
    return _json(csaf.render(advisory, csaf.Publisher(name, issuer.publisher_namespace)))


def _markdown(advisory: Advisory, issuer: Issuer) -> str:
    return markdown.render(advisory)


# By the file name in the download's URL, in the order the page lists them.
FORMATS: dict[str, Format] = {
    "osv.json": Format("osv", "OSV JSON", "application/json", "osv.json", _osv),
    "cve.json": Format("cve", "CVE JSON 5", "application/json", "cve.json", _cve),
    "csaf.json": Format("csaf", "CSAF 2.0 VEX", "application/json", "csaf.json", _csaf),
    "advisory.md": Format("md", "Markdown", "text/markdown; charset=utf-8", "md", _markdown),
}

# The file name of each format by its name: "osv" → "osv.json".
FILENAMES = {chosen.name: filename for filename, chosen in FORMATS.items()}


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
    return _rendered(report, list(FORMATS), Issuer.configured())


def download(report: Report, filename: str) -> Download | None:
    """One format of the report's advisory; None for a file name no format has."""
    return rendered(report, filename) if filename in FORMATS else None


def rendered(report: Report, filename: str) -> Download:
    """The format of FORMATS named `filename` of the report's advisory."""
    return _rendered(report, [filename], Issuer.configured())[0]


def _rendered(report: Report, filenames: list[str], issuer: Issuer) -> list[Download]:
    try:
        advisory = build_advisory(report)
    except AdvisoryDataError as exc:
        return [Download(name, FORMATS[name], "", (str(exc),)) for name in filenames]
    found = []
    for name in filenames:
        chosen = FORMATS[name]
        try:
            found.append(Download(name, chosen, chosen.render(advisory, issuer)))
        except IncompleteAdvisory as exc:
            found.append(Download(name, chosen, "", exc.problems))
    return found


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
