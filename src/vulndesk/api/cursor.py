"""Keyset pagination for the report list: newest first, by (received_at, id), both descending.

A cursor names the last row a page showed, so rows added later never shift the next page.
It is opaque to clients (base64 of the two keys), and a tampered one is refused with 422.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from django.db.models import Q

from vulndesk.api.errors import ApiError

MAX_ID = 2**63 - 1


def encode(received_at: datetime, pk: int) -> str:
    raw = f"{received_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after(cursor: str) -> Q:
    """The rows that come after the cursor's row in the list's order."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, pk_text = raw.partition("|")
        received_at, pk = datetime.fromisoformat(stamp), int(pk_text)
    except (ValueError, binascii.Error):
        received_at, pk = None, -1
    if received_at is None or received_at.tzinfo is None or not 0 < pk <= MAX_ID:
        raise ApiError(
            422, "invalid_cursor", "pass back the `next` of a previous page", field="query.cursor"
        )
    return Q(received_at__lt=received_at) | Q(received_at=received_at, pk__lt=pk)
