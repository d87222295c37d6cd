"""WeCom's callback envelope: checked against wechatpy (an implementation of its own), WeCom's
published sample, fixed vectors, and each way a callback is refused, with its reason."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy.enterprise import crypto as wechatpy_crypto
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.doors.wecom.envelope import REASONS, Envelope, EnvelopeError

# WeCom's own sample app (its WXBizMsgCrypt samples), and two more keys of other shapes
TOKEN, CORP = "QDG6eK", "wx5823bf96d3bd56c7"
SAMPLE_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
KEYS = [SAMPLE_KEY, base64.b64encode(bytes(range(32))).decode()[:-1],
        base64.b64encode(b"\xff" * 32).decode()[:-1]]
NOW = 1409659813
STAMP, NONCE = str(NOW), "1372623149"
RANDOM = b"kpibot-envelope!"
FULL_BLOCK = "x" * (-(20 + len(CORP)) % 32)  # random, length and corp ID fill 64 bytes: 32 of padding
MESSAGES = ["1616140317555161061", "今天 42 通电话，通话 95 分钟", FULL_BLOCK, "y" * 32, ""]
ENVELOPE = Envelope(token=TOKEN, aes_key=SAMPLE_KEY, corp_id=CORP)

# Sealed with SAMPLE_KEY, STAMP, NONCE and RANDOM; wechatpy gives the same (test below)
VECTORS = [
    ("hello", "NgXmOkOuee7wwI+zVLCtaPOPyl0JJdE+cguqLE0tE+eHowFDzuDJlAL9/Y7n1sDps/jcJBElqpVf/oB2IUokxQ==",
     "1d0d7f6bea437937895a7e481d8d143f0f702af9"),
    ("今天 42 通电话", "NgXmOkOuee7wwI+zVLCtaPnWoxKzbiMjYI/688vNWpZt2zhq4ctKFLzHq041P++BGQV07mCMTONpQcZ2IuiK0g==",
     "4f84d75832cb06b65516a7a0ecd59d37a859e2be"),
    (FULL_BLOCK, ("NgXmOkOuee7wwI+zVLCtaFF4EAyzI/Jfp8lLbbUsDZEY6Icop2NWCIcZubpF43hFP1/MXMx66LEE0zn4XX3X3czb1"
                  "DnGJv+UX7kQK8buTQKY8NOrJasRpyK9gA2CW+xY"), "e90fc49d82dde36f4ea39a4285031e673e80adfc"),
]


def opened(envelope: Envelope, encrypted: str, *, timestamp: str = STAMP, signature: str | None = None,
           now: float = NOW) -> str:
    """`envelope.open` of `encrypted`, signed rightly unless `signature` is given."""
    if signature is None:
        signature = envelope.signature(timestamp, NONCE, encrypted)
    return envelope.open(signature=signature, timestamp=timestamp, nonce=NONCE, encrypted=encrypted, now=now)


def reason(call) -> str:
    with pytest.raises(EnvelopeError) as refused:
        call()
    return refused.value.reason


def encrypted_frame(plain: bytes, key: str = SAMPLE_KEY) -> str:
    """`plain` AES-256-CBC encrypted as it is, padding included: for frames WeCom never makes."""
    raw = base64.b64decode(key + "=")
    encryptor = Cipher(algorithms.AES(raw), modes.CBC(raw[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def frame(message: bytes, *, length: int | None = None, receiver: bytes = CORP.encode()) -> bytes:
    """A decrypted frame, rightly padded; `length` the length field, when not the message's."""
    body = RANDOM + (len(message) if length is None else length).to_bytes(4, "big") + message + receiver
    n = 32 - len(body) % 32
    return body + bytes([n]) * n


def spoiled(plain: bytes, back: int, byte: int) -> bytes:
    """`plain` with the byte `back` places from its end replaced by `byte`."""
    at = len(plain) - back
    return plain[:at] + bytes([byte]) + plain[at + 1:]


HELLO = frame(b"hello")  # 43 bytes and 21 of padding


def wechatpy_body(encrypted: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{CORP}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            "<AgentID><![CDATA[1000002]]></AgentID></xml>")


@pytest.mark.parametrize("aes_key", [SAMPLE_KEY[:-1], SAMPLE_KEY + "A", "!" * 43, ""])
def test_a_key_that_is_not_an_encoding_aes_key_is_an_error(aes_key):
    with pytest.raises(ValueError):
        Envelope(token=TOKEN, aes_key=aes_key, corp_id=CORP)


# --- against wechatpy and WeCom's sample ----------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("message", MESSAGES)
def test_wechatpy_opens_what_we_seal(key, message):
    encrypted, signature = Envelope(token=TOKEN, aes_key=key, corp_id=CORP).seal(
        message, timestamp=STAMP, nonce=NONCE)
    theirs = WeChatCrypto(TOKEN, key, CORP)
    assert theirs.check_signature(signature, STAMP, NONCE, encrypted) == message
    assert theirs.decrypt_message(wechatpy_body(encrypted), signature, STAMP, NONCE) == message


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("message", MESSAGES)
def test_we_open_what_wechatpy_seals(key, message):
    sent = ET.fromstring(WeChatCrypto(TOKEN, key, CORP).encrypt_message(message, NONCE, STAMP))
    ours = Envelope(token=TOKEN, aes_key=key, corp_id=CORP)
    assert ours.open(signature=sent.findtext("MsgSignature"), timestamp=STAMP, nonce=NONCE,
                     encrypted=sent.findtext("Encrypt"), now=NOW) == message


def test_the_url_check_of_wecoms_sample_opens():
    echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    assert ENVELOPE.open(signature="5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", timestamp="1409659589",
                         nonce="263014780", encrypted=echostr, now=1409659589) == "1616140317555161061"


def test_the_message_of_wecoms_sample_opens():
    encrypted = (
        "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg"
        "3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+k"
        "DZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6ti"
        "WSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p"
        "8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==")
    message = ENVELOPE.open(signature="477715d11cdb4164915debcba66cb864d751f3e6", timestamp="1409659813",
                            nonce="1372623149", encrypted=encrypted, now=1409659813)
    assert message == (
        "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
        "<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n"
        "<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n"
        "<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>")


# --- fixed vectors --------------------------------------------------------------------------


@pytest.mark.parametrize("message, encrypted, signature", VECTORS)
def test_seal_gives_the_fixed_vector(message, encrypted, signature):
    assert ENVELOPE.seal(message, timestamp=STAMP, nonce=NONCE, random=RANDOM) == (encrypted, signature)
    assert ENVELOPE.open(signature=signature, timestamp=STAMP, nonce=NONCE, encrypted=encrypted,
                         now=NOW) == message


@pytest.mark.parametrize("message, encrypted, signature", VECTORS)
def test_wechatpy_gives_the_fixed_vector(monkeypatch, message, encrypted, signature):
    monkeypatch.setattr(wechatpy_crypto.PrpCrypto, "get_random_string", lambda self: RANDOM.decode())
    sent = ET.fromstring(WeChatCrypto(TOKEN, SAMPLE_KEY, CORP).encrypt_message(message, NONCE, STAMP))
    assert (sent.findtext("Encrypt"), sent.findtext("MsgSignature")) == (encrypted, signature)


def test_the_full_block_case_is_padded_by_a_whole_block():
    encrypted, _ = ENVELOPE.seal(FULL_BLOCK, timestamp=STAMP, nonce=NONCE, random=RANDOM)
    assert len(base64.b64decode(encrypted)) == 16 + 4 + len(FULL_BLOCK) + len(CORP) + 32


# --- refusals -------------------------------------------------------------------------------

SEALED, SIGNED = ENVELOPE.seal("hello", timestamp=STAMP, nonce=NONCE, random=RANDOM)


def changed(text: str, at: int) -> str:
    """`text` with the character at `at` replaced by another of the same alphabet."""
    return text[:at] + ("1" if text[at] != "1" else "2") + text[at + 1:]


@pytest.mark.parametrize("signature", [
    changed(SIGNED, 0), changed(SIGNED, 39), SIGNED.upper(), "", SIGNED[:-1], SIGNED + "0",
    Envelope(token="other", aes_key=SAMPLE_KEY, corp_id=CORP).signature(STAMP, NONCE, SEALED), "签名" * 20,
], ids=["first digit", "last digit", "upper case", "empty", "short", "long", "other token", "not ASCII"])
def test_a_wrong_signature_is_refused(signature):
    assert reason(lambda: opened(ENVELOPE, SEALED, signature=signature)) == "signature"


@pytest.mark.parametrize("field", ["encrypted", "timestamp", "nonce"])
def test_a_change_under_the_old_signature_is_refused(field):
    sent = {"signature": SIGNED, "timestamp": STAMP, "nonce": NONCE, "encrypted": SEALED}
    sent[field] = changed(sent[field], 5) if field != "timestamp" else str(NOW - 1)
    assert reason(lambda: ENVELOPE.open(**sent, now=NOW)) == "signature"


GARBAGE = {
    "not base64": "not base64!",
    "empty": "",
    "not ASCII": "密文",
    "a line break": SEALED[:40] + "\n" + SEALED[40:],
    "10 bytes": base64.b64encode(bytes(10)).decode(),
    "48 bytes": base64.b64encode(bytes(range(48))).decode(),
    "pad byte 0": encrypted_frame(spoiled(HELLO, 1, 0)),
    "pad byte 33": encrypted_frame(spoiled(HELLO, 1, 33)),
    "33 pad bytes of 33": encrypted_frame(RANDOM + (25).to_bytes(4, "big") + b"m" * 25 + CORP.encode()
                                          + bytes([33]) * 33),
    "pad bytes differ": encrypted_frame(spoiled(HELLO, 2, 20)),
    "first pad byte differs": encrypted_frame(spoiled(HELLO, 21, 20)),
    "padding only": encrypted_frame(b"\x20" * 32),
    "no room for the length": encrypted_frame(RANDOM + b"\x10" * 16),
    "length past the end": encrypted_frame(frame(b"hello", length=5 + len(CORP) + 1)),
    "length far past the end": encrypted_frame(frame(b"hello", length=2**32 - 1)),
    "not UTF-8": encrypted_frame(frame(b"\xff\xfehello")),
    "cut UTF-8": encrypted_frame(frame("通话".encode()[:-1])),
}


@pytest.mark.parametrize("encrypted", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_under_a_right_signature_is_refused(encrypted):
    assert reason(lambda: opened(ENVELOPE, encrypted)) == "garbage"


def test_the_garbage_frames_are_garbage_only_where_they_say():
    """The crafted frames above open once their one fault is mended, so each test is of that fault."""
    assert HELLO[-22:] == CORP.encode()[-1:] + bytes([21]) * 21
    assert opened(ENVELOPE, encrypted_frame(HELLO)) == "hello"
    assert opened(ENVELOPE, encrypted_frame(frame(b"hello", length=5))) == "hello"
    assert opened(ENVELOPE, encrypted_frame(frame("通话".encode()))) == "通话"


@pytest.mark.parametrize("encrypted", [
    Envelope(token=TOKEN, aes_key=SAMPLE_KEY, corp_id="wwother").seal("hello", timestamp=STAMP, nonce=NONCE)[0],
    encrypted_frame(frame(b"hello", receiver=CORP.encode() + b"x")),
    encrypted_frame(frame(b"hello", receiver=CORP.encode()[:-1])),
    encrypted_frame(frame(b"hello", receiver=b"")),
], ids=["another corp", "longer", "shorter", "none"])
def test_another_corps_message_is_refused(encrypted):
    assert reason(lambda: opened(ENVELOPE, encrypted)) == "corp_id"


@pytest.mark.parametrize("offset, accepted", [
    (0, True), (-299, True), (299, True), (-300, True), (300, True), (-301, False), (301, False),
    (-86400, False), (10**9, False),
])
def test_the_timestamp_must_be_within_the_window(offset, accepted):
    timestamp = str(NOW + offset)
    encrypted, _ = ENVELOPE.seal("hello", timestamp=timestamp, nonce=NONCE)
    if accepted:
        assert opened(ENVELOPE, encrypted, timestamp=timestamp) == "hello"
    else:
        assert reason(lambda: opened(ENVELOPE, encrypted, timestamp=timestamp)) == "stale"


def test_the_window_is_the_envelopes():
    narrow = Envelope(token=TOKEN, aes_key=SAMPLE_KEY, corp_id=CORP, window=10)
    timestamp = str(NOW - 11)
    encrypted, _ = narrow.seal("hello", timestamp=timestamp, nonce=NONCE)
    assert reason(lambda: opened(narrow, encrypted, timestamp=timestamp)) == "stale"
    assert opened(narrow, encrypted, timestamp=timestamp, now=NOW - 1) == "hello"


@pytest.mark.parametrize("timestamp", [
    "", "now", "1409659813.0", " 1409659813", "1409659813\n", "+1409659813", "-1409659813", "1_409_659_813",
    "１４０９６５９８１３", "١٤٠٩٦٥٩٨١٣", "9" * 5000,
])
def test_a_timestamp_that_is_not_a_number_is_stale(timestamp):
    encrypted, _ = ENVELOPE.seal("hello", timestamp=timestamp, nonce=NONCE)
    assert reason(lambda: opened(ENVELOPE, encrypted, timestamp=timestamp)) == "stale"


@pytest.mark.parametrize("signature_ok, timestamp, encrypted, first", [
    (False, str(NOW - 3600), GARBAGE["not base64"], "signature"),
    (False, STAMP, GARBAGE["pad byte 0"], "signature"),
    (True, str(NOW - 3600), GARBAGE["pad byte 0"], "stale"),
    (True, "now", GARBAGE["not base64"], "stale"),
    (True, STAMP, encrypted_frame(frame(b"\xff", receiver=b"wwother")), "corp_id"),
])
def test_the_checks_come_in_order(signature_ok, timestamp, encrypted, first):
    """Signature first: a body nobody signed is never decrypted; then the time; then the contents."""
    signature = ENVELOPE.signature(timestamp, NONCE, encrypted) if signature_ok else changed(SIGNED, 0)
    assert reason(lambda: opened(ENVELOPE, encrypted, timestamp=timestamp, signature=signature)) == first


# --- any input ------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, database=None)
@given(message=st.text(), random=st.binary(min_size=16, max_size=16), nonce=st.text())
def test_any_text_round_trips(message, random, nonce):
    encrypted, signature = ENVELOPE.seal(message, timestamp=STAMP, nonce=nonce, random=random)
    assert ENVELOPE.open(signature=signature, timestamp=STAMP, nonce=nonce, encrypted=encrypted,
                         now=NOW) == message


@settings(max_examples=300, deadline=None, database=None)
@given(sealed=st.binary())
def test_any_bytes_under_a_right_signature_raise_only_envelope_errors(sealed):
    with pytest.raises(EnvelopeError) as refused:
        opened(ENVELOPE, base64.b64encode(sealed).decode())
    assert refused.value.reason in ("garbage", "corp_id")


@settings(max_examples=300, deadline=None, database=None)
@given(signature=st.text(), timestamp=st.text(), nonce=st.text(), encrypted=st.text())
def test_any_text_anywhere_raises_only_envelope_errors(signature, timestamp, nonce, encrypted):
    for sign in (signature, ENVELOPE.signature(timestamp, nonce, encrypted)):
        with pytest.raises(EnvelopeError) as refused:
            ENVELOPE.open(signature=sign, timestamp=timestamp, nonce=nonce, encrypted=encrypted, now=NOW)
        assert refused.value.reason in REASONS
