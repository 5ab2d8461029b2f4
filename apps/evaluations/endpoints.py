"""Model endpoints: which hosts may be called, where a call really goes, and the headers' encryption.

The server calls URLs that people type, so every call is checked twice:

- at save, the URL's host (and port) must be listed in ``MODEL_ENDPOINT_ALLOWED_HOSTS``
  (``allowed_entry``; the service answers 400 naming the host otherwise);
- at call time, the host is listed again (the setting may have changed), then resolved
  (``resolve``, the one resolver this module uses) and every address it resolves to is checked:
  an address that is not global (loopback, link-local such as 169.254.169.254, private,
  shared, reserved, multicast, unspecified) is refused unless that address itself is listed.
  The connection then goes to the checked address (``Destination.addresses``), so a second
  lookup cannot swap it for another one.

Headers (credentials) are encrypted with Fernet under ``FIELD_ENCRYPTION_KEY`` and decrypted
only for the call; nothing here logs or returns them.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_PORTS = {"http": 80, "https": 443}
FORBIDDEN_HEADERS = {"host", "content-length", "transfer-encoding", "connection", "content-type", "te", "upgrade",
                     "expect", "keep-alive", "proxy-connection", "trailer"}
MAX_HEADERS = 20
MAX_HEADER_VALUE = 4096


class EndpointRefused(ValueError):
    """The endpoint may not be called; the message names the host or address and why (never a secret)."""


@dataclass(frozen=True)
class Entry:
    host: str  # lower-case name, or an address in its canonical form
    port: int | None


@dataclass
class Destination:
    """Where a call goes: the URL's parts and the checked addresses to connect to."""

    scheme: str
    host: str
    port: int
    target: str  # path and query as sent on the request line
    addresses: list[str] = field(default_factory=list)

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _canonical_host(host: str) -> str:
    address = _address(host)
    return str(address) if address is not None else host.strip().rstrip(".").lower()


def parse_entry(text: str) -> Entry:
    """``name``, ``name:port``, ``10.0.0.5``, ``10.0.0.5:8080``, ``::1`` or ``[::1]:8080``."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    return Entry(_canonical_host(host), int(port) if port.isdigit() else None)


def allowed_entries() -> list[Entry]:
    value = settings.MODEL_ENDPOINT_ALLOWED_HOSTS
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return [parse_entry(item) for item in items if str(item).strip()]


def split_url(url: str) -> Destination:
    """The URL's scheme, host, port and request target; ``EndpointRefused`` for what cannot be called."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise EndpointRefused("The URL is not valid.") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise EndpointRefused("The URL must start with http:// or https://.")
    if not parts.hostname:
        raise EndpointRefused("The URL has no host.")
    if parts.username or parts.password:
        raise EndpointRefused("Put credentials in the headers, not in the URL.")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if any(ch in target for ch in "\r\n \t"):
        raise EndpointRefused("The URL's path contains spaces or line breaks.")
    host = _canonical_host(parts.hostname)
    return Destination(parts.scheme, host, port or DEFAULT_PORTS[parts.scheme], target)


def _listed(host: str, port: int, entries: list[Entry]) -> bool:
    return any(e.host == host and (e.port is None or e.port == port) for e in entries)


def allowed_entry(url: str) -> Destination:
    """The URL's destination when its host (and port) is listed; else ``EndpointRefused`` naming the host."""
    destination = split_url(url)
    if not _listed(destination.host, destination.port, allowed_entries()):
        raise EndpointRefused(
            f"The host {destination.host_header} is not in MODEL_ENDPOINT_ALLOWED_HOSTS; an administrator must "
            "allow it first."
        )
    return destination


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (the one lookup the calls use; tests replace it)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def checked_destination(url: str) -> Destination:
    """The destination with the addresses the call may connect to, checked after resolution."""
    destination = allowed_entry(url)
    entries = allowed_entries()
    literal = _address(destination.host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolve(destination.host, destination.port)
        except (OSError, UnicodeError) as error:
            raise EndpointRefused(f"The host {destination.host} could not be resolved ({error}).") from None
    checked = []
    for text in addresses:
        address = _address(text)
        if address is None:
            raise EndpointRefused(f"The host {destination.host} resolved to {text!r}, which is not an address.")
        if (not address.is_global or address.is_multicast) and not _listed(str(address), destination.port, entries):
            raise EndpointRefused(
                f"The host {destination.host} resolves to {address}, a {_kind(address)} address not in "
                "MODEL_ENDPOINT_ALLOWED_HOSTS; the call is refused."
            )
        checked.append(str(address))
    if not checked:
        raise EndpointRefused(f"The host {destination.host} resolved to no address.")
    destination.addresses = checked
    return destination


def _kind(address) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_private:
        return "private"
    if address.is_multicast:
        return "multicast"
    return "non-public"


# --- Headers: validation and encryption ----------------------------------------------------------------------


def clean_headers(headers) -> dict[str, str]:
    """A JSON object of header names → text values; refuses what could break or smuggle a request."""
    if headers is None:
        return {}
    if not isinstance(headers, dict):
        raise EndpointRefused("Headers must be a JSON object of names and values.")
    if len(headers) > MAX_HEADERS:
        raise EndpointRefused(f"At most {MAX_HEADERS} headers.")
    cleaned = {}
    for name, value in headers.items():
        name = str(name).strip()
        if not name or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in name):
            raise EndpointRefused(f"The header name {name[:60]!r} is not valid (letters, digits, - and _).")
        if name.lower() in FORBIDDEN_HEADERS:
            raise EndpointRefused(f"The header {name} is set by the portal itself.")
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise EndpointRefused(f"The header {name} needs a text value.")
        value = str(value)
        if len(value) > MAX_HEADER_VALUE or any(ch in value for ch in "\r\n\0") or not value.isprintable():
            raise EndpointRefused(f"The value of the header {name} is too long or holds control characters.")
        cleaned[name] = value
    return cleaned


def _fernet():
    from cryptography.fernet import Fernet

    key = settings.FIELD_ENCRYPTION_KEY
    if not key:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not set: endpoint headers cannot be encrypted. Set it (a Fernet key), or run "
            "`python -m pocportal.embedded_db secret-key`, which writes DATA_DIR/field_encryption_key."
        )
    try:
        return Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError):
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64 bytes)."
        ) from None


def encrypt_headers(headers: dict[str, str]) -> str:
    if not headers:
        return ""
    return _fernet().encrypt(json.dumps(headers, sort_keys=True).encode()).decode()


def decrypt_headers(token: str) -> dict[str, str]:
    from cryptography.fernet import InvalidToken

    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ImproperlyConfigured(
            "The endpoint's headers cannot be decrypted with FIELD_ENCRYPTION_KEY (was the key changed?); "
            "enter the headers again."
        ) from None
