"""WeCom's callback envelope (加解密方案): a SHA1 signature over the sorted token, timestamp, nonce
and ciphertext, and AES-256-CBC (IV = key[:16], PKCS#7 padding to 32-byte blocks) over
16 random bytes + the message's length (4 bytes, big-endian) + the message + the receiver's ID,
which for an app of the company's own is its corp ID.

Pure: no I/O, the clock comes in as `now`. Whatever is wrong with a callback, `open` raises
EnvelopeError and nothing else, so the door has one refusal to answer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16
REASONS = ("signature", "stale", "corp_id", "garbage")


class EnvelopeError(Exception):
    """A callback that is not WeCom's: `reason` is one of "signature", "stale", "corp_id", "garbage"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Envelope:
    """One app's envelope. `window`: the seconds a callback's timestamp may be from now, either side."""

    def __init__(self, *, token: str, aes_key: str, corp_id: str, window: int = 300):
        key = base64.b64decode(aes_key + "=", validate=True)
        if len(key) != 32:  # the settings check WECOM_AES_KEY first; this is the last guard
            raise ValueError("an EncodingAESKey is 43 characters of base64, 32 bytes")
        self._token, self._receiver, self._window = token, corp_id.encode("utf-8"), window
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        # surrogatepass: whatever string a query string decodes to has a signature, never an error
        joined = "".join(sorted([self._token, timestamp, nonce, encrypted]))
        return hashlib.sha1(joined.encode("utf-8", "surrogatepass")).hexdigest()

    def open(self, *, signature: str, timestamp: str, nonce: str, encrypted: str, now: float) -> str:
        """The message inside, checked in this order so a forged body is never decrypted (and
        nobody without the token learns anything from how its padding fails).

        A timestamp that is not a number of seconds is "stale": it is signed, so the body is
        WeCom's, but nothing shows it is recent."""
        expected = self.signature(timestamp, nonce, encrypted).encode("ascii")
        if not hmac.compare_digest(expected, signature.encode("utf-8", "replace")):
            raise EnvelopeError("signature")
        if not self._is_fresh(timestamp, now):
            raise EnvelopeError("stale")
        message, receiver = _unframe(self._decrypt(encrypted))
        if receiver != self._receiver:
            raise EnvelopeError("corp_id")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError:
            raise EnvelopeError("garbage") from None

    def seal(self, message: str, *, timestamp: str, nonce: str, random: bytes | None = None) -> tuple[str, str]:
        """(encrypted, signature) as WeCom would send `message`; `random` is fixed only in tests."""
        random = os.urandom(16) if random is None else random
        if len(random) != 16:
            raise ValueError("an envelope starts with 16 random bytes")
        text = message.encode("utf-8")
        frame = random + len(text).to_bytes(4, "big") + text + self._receiver
        pad = BLOCK - len(frame) % BLOCK  # 1..32: a full block when the frame fills its last one
        encryptor = self._cipher.encryptor()
        sealed = encryptor.update(frame + bytes([pad]) * pad) + encryptor.finalize()
        encrypted = base64.b64encode(sealed).decode("ascii")
        return encrypted, self.signature(timestamp, nonce, encrypted)

    def _is_fresh(self, timestamp: str, now: float) -> bool:
        # ASCII digits only (int() also takes " 12", "+12", "1_2", other scripts' digits), and few
        # enough of them that int() never refuses the string (it stops at 4,300 digits)
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
            return False
        return abs(now - int(timestamp)) <= self._window

    def _decrypt(self, encrypted: str) -> bytes:
        try:
            sealed = base64.b64decode(encrypted, validate=True)
        except ValueError:  # binascii.Error, and non-ASCII text
            raise EnvelopeError("garbage") from None
        if not sealed or len(sealed) % BLOCK:
            raise EnvelopeError("garbage")
        decryptor = self._cipher.decryptor()
        return decryptor.update(sealed) + decryptor.finalize()


def _unframe(plain: bytes) -> tuple[bytes, bytes]:
    """(message, receiver ID) of a decrypted frame; every pad byte is checked, as is the length."""
    pad = plain[-1]
    if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise EnvelopeError("garbage")
    frame = plain[:-pad]
    end = 20 + int.from_bytes(frame[16:20], "big")
    if end > len(frame):  # also where the frame is too short to hold a length at all
        raise EnvelopeError("garbage")
    return frame[20:end], frame[end:]
