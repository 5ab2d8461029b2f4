"""Password hashing: Argon2id at OWASP's recommended costs, with a bounded memory per sign-in.

Django's Argon2 defaults cost 100 MiB and 8 lanes per hash, so a handful of simultaneous sign-ins
adds hundreds of MiB to a web worker. OWASP's Password Storage Cheat Sheet gives equivalent
Argon2id settings that trade memory for passes; this uses its first one: 19 MiB, 2 passes, 1 lane
(about 19 MiB and one core per sign-in).

The algorithm name stays ``argon2`` and every hash records its own costs, so hashes made with other
costs still verify; Django re-hashes them with these on the next successful sign-in
(``must_update``).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2Hasher(Argon2PasswordHasher):
    """Argon2id, m = 19 MiB, t = 2, p = 1 (OWASP's minimum configuration)."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
