"""The fake's keys and WeChat Pay's signatures, both directions.

Requests are signed by the merchant (``Authorization: WECHATPAY2-SHA256-RSA2048
mchid=...,signature=...``) over ``method\\npath\\ntimestamp\\nnonce\\nbody\\n``; the
fake checks that with the merchant's public key. Responses and callbacks are signed by
the platform over ``timestamp\\nnonce\\nbody\\n`` with the platform key (the SDK's
"WeChat Pay public key" mode, serial ``PUB_KEY_ID_...``). Callback resources are
AES-256-GCM encrypted with the APIv3 key.
"""

from __future__ import annotations

import base64
import datetime
import re
import secrets
import time
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

PLATFORM_KEY_ID = "PUB_KEY_ID_0119000000009999FAKE"
MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD2FAKE001"
APIV3_KEY = "fakeApiV3Key0123456789abcdefABCD"  # 32 bytes, as WeChat requires
AUTH = re.compile(r'(\w+)="([^"]*)"')


@cache
def _key(name: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def merchant_key() -> rsa.RSAPrivateKey:
    return _key("merchant")


def platform_key() -> rsa.RSAPrivateKey:
    return _key("platform")


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode()
    )


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verify(key: rsa.RSAPrivateKey, message: str, signature: str) -> bool:
    try:
        key.public_key().verify(
            base64.b64decode(signature),
            message.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except Exception:
        return False
    return True


def platform_headers(
    body: str, *, timestamp: int | None = None, serial: str = PLATFORM_KEY_ID
) -> dict[str, str]:
    """Return the ``Wechatpay-*`` headers WeChat Pay puts on a response or callback:
    ``serial`` names the public key id, or the platform certificate's serial."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = secrets.token_hex(16).upper()
    return {
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": rsa_sign(
            platform_key(), f"{timestamp}\n{nonce}\n{body}\n"
        ),
        "Wechatpay-Serial": serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def check_authorization(
    header: str, *, method: str, path: str, body: str, mchid: str
) -> bool:
    """Return whether ``header`` is the merchant's valid signature of the request."""
    scheme, _, rest = header.partition(" ")
    if scheme != "WECHATPAY2-SHA256-RSA2048":
        return False
    fields = dict(AUTH.findall(rest))
    if fields.get("mchid") != mchid or fields.get("serial_no") != MERCHANT_SERIAL:
        return False
    message = (
        f"{method}\n{path}\n{fields.get('timestamp', '')}\n"
        f"{fields.get('nonce_str', '')}\n{body}\n"
    )
    return rsa_verify(merchant_key(), message, fields.get("signature", ""))


def encrypt_resource(plaintext: str, *, associated_data: str) -> dict[str, str]:
    """Return a callback ``resource``: AEAD_AES_256_GCM with the APIv3 key."""
    nonce = secrets.token_hex(6)  # 12 characters, used as bytes like WeChat's
    ciphertext = AESGCM(APIV3_KEY.encode()).encrypt(
        nonce.encode(), plaintext.encode(), associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": nonce,
    }


@cache
def platform_certificate() -> x509.Certificate:
    """The platform certificate (the older mode): the platform key, self-signed."""
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com sign")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(platform_key().public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * 5))
        .sign(platform_key(), hashes.SHA256())
    )


def certificate_serial() -> str:
    return format(platform_certificate().serial_number, "X")


def certificates_body() -> dict:
    """The answer of ``GET /v3/certificates``: each certificate encrypted."""
    cert = platform_certificate()
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    return {
        "data": [
            {
                "serial_no": certificate_serial(),
                "effective_time": cert.not_valid_before_utc.isoformat(),
                "expire_time": cert.not_valid_after_utc.isoformat(),
                "encrypt_certificate": encrypt_resource(
                    pem, associated_data="certificate"
                ),
            }
        ]
    }
