"""A live run over HTTPS to a loopback server whose certificate a self-signed authority made in the test.

The certificate is checked: without the authority in ``MODEL_ENDPOINT_CA_FILE`` every call fails at the
handshake; with it the run answers, and the check still refuses a certificate for another name.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl

import pytest
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core import checks
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from apps.evaluations import services
from apps.evaluations.models import ModelEndpoint
from tests.evaluations.model_server import ModelServer

pytestmark = pytest.mark.django_db


def _authority_and_certificate(tmp_path, *, ip: str = "127.0.0.1"):
    """A CA (written to ca.pem) and a server certificate it signed for ``ip`` (in a server SSLContext)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test model CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ip)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "server.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    return str(tmp_path / "ca.pem"), context


@pytest.fixture
def live(team, private_media, settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "curated"})
    model = services.model_version_create(poc=poc, user=people["lead"], data={"name": "gpt"})
    rows = "id,input,label\n" + "".join(f"{i},answer={'ab'[i % 3 % 2]},{'ab'[i % 2]}\n" for i in range(30))
    services.dataset_items_replace(
        dataset=dataset, user=people["lead"], upload=SimpleUploadedFile("items.csv", rows.encode())
    )
    return poc, people, dataset, model


def _run(poc, user, dataset, model, server, settings):
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = [server.host]
    endpoint = services.model_endpoint_create(
        poc=poc,
        user=user,
        data={
            "name": f"TLS {ModelEndpoint.objects.count() + 1}",
            "model_version": model.pk,
            "kind": "http_json",
            "url": server.url(),
            "request_template": {"text": "{{input}}", "id": "item"},
            "response_path": "prediction",
            "headers": {"Authorization": "Bearer tls-secret"},
        },
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.harness_run_create(poc=poc, user=user, dataset=dataset, endpoint=endpoint, resamples=200)
    run.refresh_from_db()
    return run


def test_a_live_run_over_https_trusts_the_configured_authority_and_only_it(live, settings, tmp_path):
    poc, people, dataset, model = live
    ca_file, server_tls = _authority_and_certificate(tmp_path)
    with ModelServer(tls=server_tls) as server:
        assert server.url().startswith("https://")
        settings.MODEL_ENDPOINT_CA_FILE = ""
        untrusted = _run(poc, people["lead"], dataset, model, server, settings)
        assert untrusted.status == "done", untrusted.error
        assert untrusted.results["errors"]["by_kind"] == {"connection": {"count": 30, "rate": 1.0}}
        assert server.requests == 0  # no request crossed an unverified connection

        settings.MODEL_ENDPOINT_CA_FILE = ca_file
        trusted = _run(poc, people["lead"], dataset, model, server, settings)
        assert trusted.status == "done", trusted.error
        assert trusted.results["errors"]["total"] == 0 and server.requests == 30
        right = sum("ab"[i % 3 % 2] == "ab"[i % 2] for i in range(30))
        assert trusted.n == 30 and trusted.results["metrics"]["accuracy"]["value"] == pytest.approx(right / 30)
        assert server.headers[0]["Authorization"] == "Bearer tls-secret"


def test_a_certificate_for_another_address_is_refused_even_from_the_trusted_authority(live, settings, tmp_path):
    poc, people, dataset, model = live
    ca_file, server_tls = _authority_and_certificate(tmp_path, ip="127.0.0.2")
    settings.MODEL_ENDPOINT_CA_FILE = ca_file
    with ModelServer(tls=server_tls) as server:
        run = _run(poc, people["lead"], dataset, model, server, settings)
    assert run.results["errors"]["by_kind"]["connection"]["count"] == 30 and server.requests == 0


def test_an_unreadable_authority_file_fails_the_system_check(settings, tmp_path):
    settings.MODEL_ENDPOINT_CA_FILE = str(tmp_path / "missing.pem")
    errors = [e for e in checks.run_checks() if e.id == "evaluations.E002"]
    assert errors and "missing.pem" in errors[0].msg
