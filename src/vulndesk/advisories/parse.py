"""Read an advisory record of a known format into the advisory value, telling the format
from the record where it is not given."""

from __future__ import annotations

from vulndesk.advisories import ghsa, osv_parse
from vulndesk.advisories.errors import InvalidRecord
from vulndesk.advisories.reader import Parsed

FORMATS = {"osv": osv_parse.parse, "ghsa": ghsa.parse}


def detect(data: object) -> str:
    """ "osv" or "ghsa", by the fields only that format has; InvalidRecord if neither fits."""
    if isinstance(data, dict):
        if "ghsa_id" in data:
            return "ghsa"
        if "id" in data and "modified" in data:
            return "osv"
    raise InvalidRecord(
        "advisory",
        (
            "$: neither an OSV record (with id and modified) nor a GitHub advisory (with"
            " ghsa_id); give one advisory object, or name its format",
        ),
    )


def parse(data: object, *, vendor: str, format_name: str | None = None) -> Parsed:
    """The advisory `data` states, in `format_name` ("osv" or "ghsa"; detected if None)."""
    chosen = format_name or detect(data)
    if chosen not in FORMATS:
        raise ValueError(f"format: {chosen!r} is not one of {', '.join(FORMATS)}")
    return FORMATS[chosen](data, vendor=vendor)
