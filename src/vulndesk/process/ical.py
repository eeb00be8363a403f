"""iCalendar (RFC 5545) text for a feed of Release Dates and deadlines, from plain data.

Only what calendar clients need to subscribe: one VCALENDAR of point-in-time VEVENTs, each
with a UID that stays the same for the same fact (a client then updates the event rather than
adding a second one when a date moves), every time in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

LINE_OCTETS = 75  # RFC 5545 3.1: lines longer than this are folded
CRLF = "\r\n"
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime  # aware; written in UTC
    summary: str
    description: str = ""
    url: str = ""


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped.

    Other control characters have no place in iCalendar text (3.3.11 excludes them), so they
    are dropped; a tab stays.
    """
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    # A CR would end the content line early; CRLF and a lone CR both mean a line break.
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return CONTROL.sub("", value)


def utc_stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError(f"{moment.isoformat()} has no time zone; give an aware datetime")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """One content line, folded into parts of at most 75 octets (RFC 5545 3.1).

    Each continuation starts with a space, which counts towards its 75 octets; a UTF-8
    character is never split across two parts.
    """
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space is one octet
        current.append(char)
        size += octets
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def _property(name: str, value: str) -> str:
    return fold(f"{name}:{value}")


def _event_lines(event: Event, stamp: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        _property("UID", escape_text(event.uid)),
        _property("DTSTAMP", stamp),
        _property("DTSTART", utc_stamp(event.start)),
        _property("SUMMARY", escape_text(event.summary)),
    ]
    if event.description:
        lines.append(_property("DESCRIPTION", escape_text(event.description)))
    if event.url:
        # A URI value is not TEXT: it is written as it is (RFC 5545 3.3.13).
        lines.append(_property("URL", event.url))
    lines.append("END:VEVENT")
    return lines


def render_calendar(name: str, events: Iterable[Event], *, stamp: datetime) -> str:
    """The whole VCALENDAR: CRLF line endings, folded lines, `stamp` as every DTSTAMP."""
    stamped = utc_stamp(stamp)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//vulndesk//Release Dates and deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        _property("X-WR-CALNAME", escape_text(name)),
    ]
    for event in events:
        lines.extend(_event_lines(event, stamped))
    lines.append("END:VCALENDAR")
    return CRLF.join(lines) + CRLF
