"""Settings for the test run: the real settings module, with a throwaway key and data dir."""

import os
import tempfile

os.environ.setdefault("VULNDESK_SECRET_KEY", "vulndesk-tests-only-not-secret")
os.environ.setdefault("VULNDESK_DATA_DIR", tempfile.mkdtemp(prefix="vulndesk-tests-"))

from vulndesk.settings import *  # noqa: F403

# Hashing with the production hasher costs ~0.3 s per login; tests log in a lot.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# WhiteNoise warns (an error under pytest) when STATIC_ROOT is missing; `vulndesk init` makes it.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in production, not shared-cache memory: several writers then queue on the
    # database lock exactly as `vulndesk serve`'s processes do, so the race tests run here too.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
