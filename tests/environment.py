"""Loaded as a pytest plugin (``-p tests.environment``) before Django settings are read.

The live test server speaks plain HTTP, so the HTTPS-only cookies and redirect are off in
tests; ``check --deploy`` covers the production values separately.
"""

import os

os.environ.setdefault("HTTPS_ONLY", "false")
# Playwright's sync API runs an event loop in the test thread; ORM calls around it stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# A shared cache (Redis) keeps throttle counters between processes: each test run counts its own.
os.environ.setdefault("CACHE_KEY_PREFIX", f"pocportal-test-{os.getpid()}")
