"""How every `vulndesk` command prints: a plain table for people, JSON with --json for scripts."""

import json
from collections.abc import Sequence
from typing import Any

from django.core.management.base import OutputWrapper
from rich.console import Console
from rich.table import Table


def print_table(
    out: OutputWrapper, title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    table = Table(title=title, title_justify="left", box=None, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console = Console(file=out, width=160, highlight=False, soft_wrap=True)
    if rows:
        console.print(table)
    else:
        console.print(f"{title}: none")


def print_json(out: OutputWrapper, data: Any) -> None:
    out.write(json.dumps(data, indent=2, sort_keys=True, default=str))
