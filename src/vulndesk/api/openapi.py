"""The committed OpenAPI document (openapi.json beside this file), and the command that
refreshes it after an API change:

    .venv/bin/python -m vulndesk.api.openapi
"""

from __future__ import annotations

import json
import os
from pathlib import Path

DOCUMENT = Path(__file__).with_name("openapi.json")
REFRESH_COMMAND = ".venv/bin/python -m vulndesk.api.openapi"


def document() -> str:
    """The API's OpenAPI document as stable text: sorted keys, so diffs show real changes."""
    from vulndesk.api.main import api

    return json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vulndesk.settings")
    import django

    django.setup()
    DOCUMENT.write_text(document())
    print(f"wrote {DOCUMENT}")


if __name__ == "__main__":
    main()
