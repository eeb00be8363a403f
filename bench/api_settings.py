"""Settings for bench/api.py's server: vulndesk's own, with the floor view mounted beside it."""

from vulndesk.settings import *  # noqa: F403

ROOT_URLCONF = "api_urls"
