"""One error format for the whole API: a machine code, a sentence, and the field at fault.

Every refusal leaves through here, so a client handles 400, 401, 403, 404, 409, 413 and 422
the same way: `{"code": ..., "message": ..., "field": ..., "errors": [...]}`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja.errors import AuthenticationError, HttpError, ValidationError

from vulndesk.desk.services.errors import StaleReportError
from vulndesk.process.lifecycle import TransitionError
from vulndesk.process.severity import CvssError

if TYPE_CHECKING:
    from ninja import NinjaAPI, Schema

    from vulndesk.desk.models import Report


class ApiError(Exception):
    """A refusal with its status, code and field; `current` carries the report's state now,
    `errors` each problem where there are several."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        current: dict[str, Any] | None = None,
        errors: Sequence[dict[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.current, self.errors = current, errors


def body(
    code: str,
    message: str,
    field: str | None = None,
    errors: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field, "errors": list(errors)}


def field_path(loc: Sequence[str | int], body_params: Sequence[str]) -> str:
    """`body.version`, `query.limit`: ninja puts the body parameter's own name second."""
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] == "body" and parts[1] in body_params:
        del parts[1]
    return ".".join(parts)


# Every endpoint names its body parameter `payload`; `field_path` drops it from error paths.
BODY_PARAMS = ("payload",)


def validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {
            "code": str(error.get("type", "invalid")),
            "message": str(error.get("msg", "invalid value")),
            "field": field_path(error.get("loc", ()), BODY_PARAMS),
        }
        for error in exc.errors
    ]


@contextmanager
def refusals(report: Report, current: Any) -> Iterator[None]:
    """Turn the services' refusals into API errors; `current(report)` renders a stale conflict.

    Each service runs in one transaction, so a refusal here has written nothing.
    """
    try:
        yield
    except StaleReportError as exc:
        report.refresh_from_db()
        raise ApiError(
            409, "stale_version", str(exc), field="body.version", current=current(report)
        ) from None
    except TransitionError as exc:
        raise ApiError(409, "transition_refused", str(exc), field="body.to") from None
    except CvssError as exc:
        raise ApiError(422, "invalid_vector", str(exc), field="body.vector") from None
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except ValueError as exc:
        raise invalid(exc) from None


@contextmanager
def invalid_input() -> Iterator[None]:
    """A service's ValueError as a 422 naming the field; the service has written nothing."""
    try:
        yield
    except ValueError as exc:
        raise invalid(exc) from None


@contextmanager
def refused(payload: Schema | None = None, *, actor: str | None = None) -> Iterator[None]:
    """A refusal of a service that writes no report (team governance, components): a step that
    is not the caller's to take is a 403; "field: what is wrong" naming a field of `payload` is
    a 422 there, any other a 422 with the service's whole sentence. `actor` is the service's
    name for the one acting: a refusal of them is a 403 too. The service has written nothing.
    """
    try:
        yield
    except PermissionDenied as exc:
        raise ApiError(403, "forbidden", str(exc)) from None
    except ValueError as exc:
        name, sep, rest = str(exc).partition(": ")
        if sep and name == actor:
            raise ApiError(403, "forbidden", rest) from None
        if sep and payload is not None and name in type(payload).model_fields:
            raise ApiError(422, "invalid", rest, field=f"body.{name}") from None
        raise ApiError(422, "invalid", str(exc)) from None


def invalid(exc: ValueError) -> ApiError:
    # The services say "field: what is wrong" when one field is at fault.
    name, sep, rest = str(exc).partition(": ")
    field = f"body.{name}" if sep and name.isidentifier() else None
    return ApiError(422, "invalid", str(exc) if field is None else rest, field=field)


def install(api: NinjaAPI) -> None:
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        content = body(exc.code, exc.message, exc.field, exc.errors)
        if exc.current is not None:
            content["current"] = exc.current
        return api.create_response(request, content, status=exc.status)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = validation_errors(exc)
        field = str(errors[0]["field"]) if errors else None
        message = f"{field}: {errors[0]['message']}" if errors else "invalid request"
        content = body("validation_error", message, field, errors)
        return api.create_response(request, content, status=422)

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, RequestDataTooBig):
            return on_too_big(request, exc.__cause__)
        if isinstance(exc, AuthenticationError):
            content = body(
                "unauthenticated",
                "send a live API token: Authorization: Bearer vdt_…",
            )
            response = api.create_response(request, content, status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        if exc.status_code == 400:
            content = body("malformed_json", "the request body is not valid JSON", "body")
            return api.create_response(request, content, status=400)
        return api.create_response(request, body("error", str(exc)), status=exc.status_code)

    def on_too_big(request: HttpRequest, exc: object) -> HttpResponse:
        content = body("too_large", "the request body is over 1 MiB; send less", "body")
        return api.create_response(request, content, status=413)

    def on_not_found(request: HttpRequest, exc: object) -> HttpResponse:
        content = body("not_found", "no such object, or you may not see it")
        return api.create_response(request, content, status=404)

    api.add_exception_handler(ApiError, on_api_error)  # type: ignore[arg-type]
    api.add_exception_handler(ValidationError, on_validation)  # type: ignore[arg-type]
    api.add_exception_handler(HttpError, on_http_error)  # type: ignore[arg-type]
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(Http404, on_not_found)
