"""The API object: version 1 under /api/v1, its OpenAPI document and docs under /api.

Responses are rendered with orjson: the report list is the hot path (see bench/api.py).
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest
from ninja import NinjaAPI, Router
from ninja.operation import Operation
from ninja.renderers import BaseRenderer

from vulndesk.api import (
    advisories,
    affects,
    backports,
    comments,
    components,
    distributors,
    embargo_break,
    errors,
    fix_branches,
    fix_team,
    history,
    imports,
    projects,
    release_date,
    reports,
    retrospective,
    team,
)


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=str)


class VulndeskAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The view's own name (list_reports, move_report): short, and stable across refactors
        # that move a view between modules.
        return str(operation.view_func.__name__)


api = VulndeskAPI(
    title="vulndesk",
    version="1",
    description=(
        "Send a personal API token: `Authorization: Bearer vdt_…`. Errors share one shape: "
        "`{code, message, field, errors}`; a stale `version` gets 409 with the report as it is."
    ),
    urls_namespace="api",
    renderer=OrjsonRenderer(),
)
errors.install(api)

v1 = Router()
for module in (
    projects,
    reports,
    release_date,
    imports,
    affects,
    history,
    retrospective,
    comments,
    team,
    components,
    fix_team,
    fix_branches,
    backports,
    advisories,
    distributors,
    embargo_break,
):
    v1.add_router("", module.router)
api.add_router("/v1", v1)
