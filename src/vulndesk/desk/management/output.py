"""How every `vulndesk` command prints: a plain table for people, JSON with --json for scripts."""

import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import OutputWrapper
from django.core.serializers.json import DjangoJSONEncoder
from rich.console import Console
from rich.table import Table


def human(value: object) -> str:
    """A cell as people read it: times in UTC to the minute, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return str(value)


def print_table(
    out: OutputWrapper, title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    table = Table(title=title, title_justify="left", box=None, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*(human(cell) for cell in row))
    buffer = io.StringIO()
    console = Console(file=buffer, width=160, highlight=False, soft_wrap=True)
    console.print(table if rows else f"{title}: none")
    out.write(buffer.getvalue(), ending="")


def print_json(out: OutputWrapper, data: Any) -> None:
    out.write(json.dumps(data, indent=2, sort_keys=True, cls=DjangoJSONEncoder))
