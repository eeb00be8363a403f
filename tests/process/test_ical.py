"""The iCalendar text of a feed (issue 8, item 7): RFC 5545 line folding, escaping, UTC times,
read back both by a strict parser written here and by the `icalendar` package."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vulndesk.process.ical import Event, escape_text, fold, render_calendar

STAMP = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
NEW_YORK_NOON = datetime(2026, 3, 10, 12, tzinfo=timezone(timedelta(hours=-4)))

# Text as a report title may hold it: any printable character, tabs and line breaks included;
# control characters are dropped (RFC 5545 3.3.11 excludes them) and surrogates never reach here.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(',;\\:"\r\n\t'),
    max_size=300,
)


def physical_lines(text: str) -> list[str]:
    """The lines as sent, each checked against RFC 5545 3.1: CRLF endings, at most 75 octets."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", ""), "a bare LF"
    assert "\r" not in text.replace("\r\n", ""), "a bare CR"
    lines = text[:-2].split("\r\n")
    for line in lines:
        assert len(line.encode()) <= 75, f"{len(line.encode())} octets: {line!r}"
    return lines


def unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def strict_parse(text: str) -> list[dict[str, str]]:
    """Components as {property: unescaped value}, refusing what RFC 5545 does not allow."""
    unfolded: list[str] = []
    for line in physical_lines(text):
        if line.startswith(" "):
            assert unfolded, "a continuation before any line"
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    components: list[dict[str, str]] = []
    stack: list[dict[str, str]] = []
    for line in unfolded:
        name, sep, value = line.partition(":")
        assert sep, f"not a content line: {line!r}"
        assert re.fullmatch(r"[A-Z-]+", name), f"not a property name: {line!r}"
        if name == "BEGIN":
            stack.append({"BEGIN": value})
        elif name == "END":
            assert stack, f"END:{value} closes nothing"
            assert stack[-1]["BEGIN"] == value, f"END:{value} closes {stack[-1]['BEGIN']}"
            components.append(stack.pop())
        else:
            # Unescaped commas and semicolons would split a TEXT value into several.
            if name in {"SUMMARY", "DESCRIPTION", "UID", "X-WR-CALNAME"}:
                assert not re.search(r"(?<!\\)(\\\\)*[,;]", value), f"unescaped in {line!r}"
            assert name not in stack[-1], f"{name} twice"
            stack[-1][name] = unescape(value) if name != "URL" else value
    assert not stack, "a component left open"
    return components


def calendar_of(*events: Event) -> str:
    return render_calendar("Emissary, security; releases", events, stamp=STAMP)


def test_a_feed_is_one_calendar_of_utc_events_read_back_by_icalendar() -> None:
    event = Event(
        uid="report-7-release-date@desk.example.org",
        start=NEW_YORK_NOON,
        summary="EMISSARY-7 Release Date: Header smuggling, again; worse",
        description="EMISSARY-7: Header smuggling\nState: scheduled",
        url="https://desk.example.org/reports/emissary/7/",
    )
    text = calendar_of(event)
    calendar, vevent = strict_parse(text)[::-1]
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["X-WR-CALNAME"] == "Emissary, security; releases"
    assert vevent == {
        "BEGIN": "VEVENT",
        "UID": "report-7-release-date@desk.example.org",
        "DTSTAMP": "20260302T093000Z",
        "DTSTART": "20260310T160000Z",  # noon in New York, in UTC
        "SUMMARY": "EMISSARY-7 Release Date: Header smuggling, again; worse",
        "DESCRIPTION": "EMISSARY-7: Header smuggling\nState: scheduled",
        "URL": "https://desk.example.org/reports/emissary/7/",
    }
    parsed = icalendar.Calendar.from_ical(text)
    (read,) = parsed.walk("VEVENT")
    assert read.decoded("DTSTART") == NEW_YORK_NOON
    assert read.decoded("DTSTART").tzinfo is not None
    assert str(read["SUMMARY"]) == event.summary
    assert str(read["DESCRIPTION"]) == event.description


def test_an_empty_feed_is_still_a_valid_calendar() -> None:
    (calendar,) = strict_parse(calendar_of())
    assert calendar["BEGIN"] == "VCALENDAR"
    assert icalendar.Calendar.from_ical(calendar_of()).walk("VEVENT") == []


def test_a_naive_time_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        calendar_of(Event(uid="u", start=datetime(2026, 3, 10, 12), summary="s"))


def test_folding_never_splits_a_character_and_each_part_fits_in_75_octets() -> None:
    line = "SUMMARY:" + "é" * 100  # two octets each
    folded = fold(line)
    parts = folded.split("\r\n")
    assert [len(part.encode()) for part in parts] == [74, 75, 61]
    assert parts[0] + "".join(part[1:] for part in parts[1:]) == line


def test_escaping_covers_backslash_semicolon_comma_and_line_breaks() -> None:
    assert escape_text('a\\b;c,d\r\ne\rf\ng"h:i') == 'a\\\\b\\;c\\,d\\ne\\nf\\ng"h:i'
    assert escape_text("bell\x07 and nul\x00 dropped,\ttab kept") == (
        "bell and nul dropped\\,\ttab kept"
    )


@given(summary=TEXT, description=TEXT)
def test_any_title_and_description_round_trip(summary: str, description: str) -> None:
    """Commas, semicolons, backslashes, non-ASCII and long lines come back as they went in."""
    event = Event(uid="report-1@x", start=STAMP, summary=summary, description=description)
    text = calendar_of(event)
    vevent = strict_parse(text)[0]
    assert vevent["SUMMARY"] == as_lines(summary)
    assert vevent.get("DESCRIPTION", "") == as_lines(description)
    (read,) = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert str(read["SUMMARY"]) == as_lines(summary)
    assert str(read.get("DESCRIPTION", "")) == as_lines(description)


def as_lines(text: str) -> str:
    """CRLF and a lone CR both come back as one line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n")
