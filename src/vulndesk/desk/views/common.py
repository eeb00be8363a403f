"""Small helpers the desk's views share."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def acting_user(request: HttpRequest) -> User:
    """The signed-in user, for the services' `actor=`; call behind `login_required`."""
    if not isinstance(request.user, User):
        raise PermissionDenied("Sign in first.")
    return request.user
