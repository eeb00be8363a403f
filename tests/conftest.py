"""Fixtures shared by every test package."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.accounts.helpers import sign_in


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    """pytest-django's operator, signed in as operators are: past the second factor too."""
    return sign_in(client, admin_user)
