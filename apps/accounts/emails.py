"""One spelling of an email address, for storing, looking up and throttling sign-in.

``canonical_email`` is the form stored on the account and the only one a sign-in looks up
(exactly, never case-insensitively in SQL: PostgreSQL's ``UPPER()`` turns ``ſ`` into ``S`` and
``ı`` into ``I``, so ``email__iexact`` matches spellings the throttle would count apart). It is
the address in Unicode compatibility form (NFKC: full-width letters and ``ſ`` become plain
ones) and folded case (``casefold``).

Accounts are refused an address that is not plain ASCII once canonical (``check_address``), so
no stored address contains a letter that merely looks like another: a typed spelling with one
left finds no account. ``lockout_key`` goes further, for the sign-in throttle only: it also strips
accents and dots (``İ`` → ``i``) and maps the usual look-alikes (dotless ``ı``, Cyrillic and Greek
letters drawn like Latin ones) to the Latin letter, so every spelling that looks like an account's
address counts against that address's failures.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# Letters drawn like a Latin letter that neither NFKC nor case folding turns into it.
LOOK_ALIKES = str.maketrans(
    {
        "ı": "i",  # dotless i
        "ȷ": "j",  # dotless j
        "ɡ": "g",
        "ɑ": "a",
        "ο": "o",  # Greek
        "α": "a",
        "ν": "v",
        "κ": "k",
        "τ": "t",
        "ι": "i",
        "ρ": "p",
        "υ": "u",
        "а": "a",  # Cyrillic
        "в": "b",
        "е": "e",
        "ё": "e",
        "һ": "h",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "ѕ": "s",
        "т": "t",
        "у": "y",
        "х": "x",
        "ԁ": "d",
        "ԛ": "q",
        "ԝ": "w",
        "ӏ": "l",
    }
)


def canonical_email(value: str | None) -> str:
    """The stored and looked-up form of an address: NFKC, case folded, surrounding spaces removed."""
    return unicodedata.normalize("NFKC", value or "").strip().casefold()


def lockout_key(value: str | None) -> str:
    """The sign-in throttle's key: the canonical address with accents dropped and look-alikes mapped."""
    decomposed = unicodedata.normalize("NFKD", canonical_email(value))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", plain.translate(LOOK_ALIKES))


def check_address(value: str) -> str:
    """The canonical address, or ``ValidationError`` when it holds anything but plain ASCII."""
    address = canonical_email(value)
    if not address.isascii():
        raise ValidationError(
            "Use the address spelled with plain letters (a–z, digits, dots, dashes); "
            "an international domain goes in its xn-- form.",
            code="non_ascii_email",
        )
    return address
