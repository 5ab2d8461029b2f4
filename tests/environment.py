"""Loaded as a pytest plugin (``-p tests.environment``) before Django settings are read.

The live test server speaks plain HTTP, so the HTTPS-only cookies and redirect are off in
tests; ``check --deploy`` covers the production values separately.
"""

import os

os.environ.setdefault("HTTPS_ONLY", "false")
# Pages render without collectstatic: tests/test_static.py collects into a scratch folder and checks that.
os.environ.setdefault("STATIC_COLLECTED", "false")
# Playwright's sync API runs an event loop in the test thread; ORM calls around it stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Model endpoint headers are encrypted with FIELD_ENCRYPTION_KEY: a key for this test run (nothing is written).
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5LTA=")
# A shared cache (Redis) keeps throttle counters between processes: each test run counts its own.
os.environ.setdefault("CACHE_KEY_PREFIX", f"pocportal-test-{os.getpid()}")
# Without Redis the web process would start the day's reminders itself; tests send them when they mean to.
os.environ.setdefault("REMINDERS_IN_PROCESS", "false")
