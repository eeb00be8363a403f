"""An instant shown to the hour and minute in UTC, in the project's policy time zone, and (by
desk/localtime.js, which the CSP allows as a script of this origin) in the reader's own."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def exact_time(moment: datetime | None, zone: str = "UTC") -> SafeString:
    if moment is None:
        return format_html('<span class="muted">{}</span>', "not set")
    utc = moment.astimezone(UTC)
    shown = format_html(
        '<time datetime="{}" data-local>{} UTC</time>',
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc.strftime("%Y-%m-%d %H:%M"),
    )
    if zone != "UTC":
        there = moment.astimezone(ZoneInfo(zone))
        shown = format_html(
            '{} <span class="policy-time">({}: {})</span>',
            shown,
            zone,
            there.strftime("%Y-%m-%d %H:%M %Z"),
        )
    return shown
