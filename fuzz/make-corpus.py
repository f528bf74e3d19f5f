#!/usr/bin/env python3
"""Writes the seed corpora of the Burrow fuzz targets: fuzz/corpus/<target>/<name>.

Run from anywhere: python3 fuzz/make-corpus.py. Deterministic, no third-party modules (a small
CBOR encoder and LZ4 block compressor are below). Existing seed files of the same name are
overwritten; files this script does not write (crash reproducers added by hand, named
crash-*) are left alone. See docs/RELIABILITY-fuzzing.md for the input layout of each target.
"""

import json
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
SEP = b"\n--\n"  # frame separator of fuzz_batch and fuzz_envelope


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# --- CBOR (RFC 8949), enough for the seeds -------------------------------------------------

class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


class Simple:
    def __init__(self, value):
        self.value = value


class Undefined:
    pass


def head(major, value):
    if value < 24:
        return bytes([major << 5 | value])
    if value <= 0xFF:
        return bytes([major << 5 | 24, value])
    if value <= 0xFFFF:
        return bytes([major << 5 | 25]) + struct.pack(">H", value)
    if value <= 0xFFFFFFFF:
        return bytes([major << 5 | 26]) + struct.pack(">I", value)
    return bytes([major << 5 | 27]) + struct.pack(">Q", value)


def cbor(value):
    if value is False:
        return b"\xf4"
    if value is True:
        return b"\xf5"
    if value is None:
        return b"\xf6"
    if isinstance(value, Undefined):
        return b"\xf7"
    if isinstance(value, Simple):
        return bytes([0xE0 | value.value]) if value.value < 24 else bytes([0xF8, value.value])
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        return head(3, len(data)) + data
    if isinstance(value, (list, tuple)):
        return head(4, len(value)) + b"".join(cbor(v) for v in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    if isinstance(value, Tag):
        return head(6, value.tag) + cbor(value.value)
    raise TypeError(value)


# --- LZ4 block format (greedy, hash of 4 bytes) ---------------------------------------------

def lz4_block(data):
    n = len(data)
    out = bytearray()
    table = {}
    anchor = 0
    i = 0
    limit = n - 12  # the last match must start 12 bytes before the end
    while i < limit:
        key = data[i:i + 4]
        candidate = table.get(key)
        table[key] = i
        if candidate is None or i - candidate > 0xFFFF:
            i += 1
            continue
        length = 4
        while i + length < n - 5 and data[candidate + length] == data[i + length]:
            length += 1
        literals = data[anchor:i]
        token_lit = min(len(literals), 15)
        token_match = min(length - 4, 15)
        out.append(token_lit << 4 | token_match)
        if len(literals) >= 15:
            rest = len(literals) - 15
            while rest >= 255:
                out.append(255)
                rest -= 255
            out.append(rest)
        out += literals
        out += struct.pack("<H", i - candidate)
        if length - 4 >= 15:
            rest = length - 4 - 15
            while rest >= 255:
                out.append(255)
                rest -= 255
            out.append(rest)
        i += length
        anchor = i
    literals = data[anchor:]
    out.append(min(len(literals), 15) << 4)
    if len(literals) >= 15:
        rest = len(literals) - 15
        while rest >= 255:
            out.append(255)
            rest -= 255
        out.append(rest)
    out += literals
    return bytes(out)


# --- Messages, both codecs ------------------------------------------------------------------

def j(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


VALUES = [0, -1, 23, 24, 255, 256, 65536, 2**32, 2**63 - 1, -2**63, 1.5, -0.25, 1e300, "", "text",
          "ünïcødé ✓", True, False, None, [], [1, [2, [3]]], {}, {"a": 1, "b": [True, None]}]
CBOR_ONLY = [b"", b"\x00\xff bytes", Tag(0, "2024-05-06T07:08:09.010Z"), Tag(1, 1700000000),
             Tag(32, "https://example.org/x?y#z"), Tag(37, bytes(range(16))), Undefined(),
             Simple(16), Simple(255), {1: "int key", b"b": "bytes key"}, float("nan"), float("inf"),
             Tag(2, b"\x01\x00"), Tag(55799, [1, 2])]

JSON_MESSAGES = {
    "request": {"type": "request", "id": 7, "target": "LongWork", "method": "startWork",
                "args": ["build", {"callback": "1", "interface": "LongWorkCallback"}]},
    "request-all-values": {"type": "request", "id": 1, "target": "T", "method": "m", "args": VALUES},
    "request-max-id": {"type": "request", "id": 2**63 - 1, "target": "T", "method": "m", "args": []},
    "answer": {"type": "answer", "id": 7, "result": {"done": True, "items": [1, 2.5, "x"]}},
    "answer-no-result": {"type": "answer", "id": 8},
    "error": {"type": "error", "id": 9, "code": 4, "error": "UnknownMethod", "message": "no such method"},
    "error-empty-message": {"type": "error", "id": 0, "code": 1, "message": ""},
    "notification": {"type": "notification", "target": "Chat", "method": "said", "args": ["hi", 3]},
    "release": {"type": "release", "target": "cb:42"},
    "batch": {"type": "batch", "messages": [
        {"type": "notification", "target": "A", "method": "a", "args": []},
        {"type": "request", "id": 3, "target": "B", "method": "b", "args": [1]},
        {"type": "answer", "id": 4, "result": None}]},
    "batch-empty": {"type": "batch", "messages": []},
    # invalid messages (decode must refuse them cleanly)
    "invalid-nested-batch": {"type": "batch", "messages": [{"type": "batch", "messages": []}]},
    "invalid-bad-id-batch": {"type": "batch", "messages": [
        {"type": "request", "id": 5, "target": "B", "method": "b", "args": []},
        {"type": "request", "id": -1, "target": "B", "method": "b", "args": []},
        {"type": "request", "id": 6, "target": "", "method": "b", "args": []}]},
    "invalid-no-type": {"id": 1},
    "invalid-type": {"type": "gossip"},
    "invalid-id-double": {"type": "request", "id": 1e30, "target": "T", "method": "m", "args": []},
    "invalid-args": {"type": "request", "id": 1, "target": "T", "method": "m", "args": {}},
    "invalid-code": {"type": "error", "id": 1, "code": 2**40, "message": "x"},
}
JSON_TEXT = {
    "escapes": b'{"type":"notification","target":"\\u00e9\\ud83d\\ude00\\n\\"","method":"m\\/","args":["\\u0000\\t"]}',
    "whitespace": b' \n{ "type" : "answer" , "id" : 1 , "result" : [ 1.0 , -0.0 , 7e0 , 1E-7 ] }\t',
    "duplicate-keys": b'{"type":"answer","type":"request","id":1,"id":2,"target":"t","method":"m","args":[]}',
    "numbers": b'{"type":"answer","id":1,"result":[9223372036854775807,9223372036854775808,-9223372036854775808,1e400,0.1]}',
    "truncated": b'{"type":"request","id":1,"target":"T","meth',
    "array": b'[{"type":"answer","id":1}]',
    "deep": b'{"type":"answer","id":1,"result":' + b"[" * 200 + b"]" * 200 + b"}",
}


def cbor_messages():
    m = {
        "request": [1, 7, "LongWork", "startWork", ["build", {"callback": "1"}]],
        "request-all-values": [1, 1, "T", "m", VALUES + CBOR_ONLY],
        "request-max-id": [1, 2**63 - 1, "T", "m", []],
        "answer": [2, 7, {"done": True, "items": [1, 2.5, "x"]}],
        "answer-tagged": [2, 8, Tag(0, "2024-05-06T07:08:09Z")],
        "error": [3, 9, 4, "no such method"],
        "notification": [4, "Chat", "said", ["hi", 3, b"\x01"]],
        "release": [5, "cb:42"],
        "batch": [6, [[4, "A", "a", []], [1, 3, "B", "b", [1]], [2, 4, None]]],
        "batch-empty": [6, []],
        "invalid-nested-batch": [6, [[6, []]]],
        "invalid-bad-id-batch": [6, [[1, 5, "B", "b", []], [1, -1, "B", "b", []], [1, 6, "", "b", []]]],
        "invalid-id-too-big": [1, 2**64 - 1, "T", "m", []],
        "invalid-type": [9, 1],
        "invalid-not-array": {"type": 1},
        "invalid-too-many": [5, "x", "y"],
        "invalid-code": [3, 1, 2**40, "x"],
    }
    out = {k: cbor(v) for k, v in m.items()}
    out["indefinite"] = b"\x9f\x04\x7f\x61A\x61B\xff\x61m\x9f\x01\xff\xff"      # [_ 4, (_ "A" "B"), "m", [_ 1]]
    out["truncated-after-id"] = cbor([1, 77, "T", "m", []])[:3]
    out["trailing-bytes"] = cbor([5, "x"]) + b"\x00"
    out["deep"] = b"\x83\x02\x01" + b"\x81" * 300 + b"\x00"
    out["huge-length"] = b"\x82\x05\x7b" + b"\xff" * 8
    return out


def main():
    # fuzz_json_message / fuzz_cbor_message
    for name, obj in JSON_MESSAGES.items():
        write("fuzz_json_message", name + ".json", j(obj))
    for name, text in JSON_TEXT.items():
        write("fuzz_json_message", name + ".json", text)
    cbors = cbor_messages()
    for name, data in cbors.items():
        write("fuzz_cbor_message", name + ".cbor", data)

    # fuzz_batch: selector byte (0 JSON, 1 CBOR), pieces separated by SEP
    valid_json = [j(JSON_MESSAGES[k]) for k in ("request", "answer", "error", "notification", "release", "batch")]
    write("fuzz_batch", "json-valid", b"\x00" + SEP.join(valid_json))
    write("fuzz_batch", "json-batch", b"\x00" + j(JSON_MESSAGES["batch"]))
    write("fuzz_batch", "json-two-batches", b"\x00" + j(JSON_MESSAGES["batch"]) + SEP + j(JSON_MESSAGES["batch-empty"]))
    write("fuzz_batch", "json-mixed-invalid", b"\x00" + SEP.join([
        j(JSON_MESSAGES["request"]), j(JSON_MESSAGES["invalid-type"]), j(JSON_MESSAGES["request-max-id"]),
        j(JSON_MESSAGES["invalid-args"]), j(JSON_MESSAGES["invalid-bad-id-batch"])]))
    write("fuzz_batch", "json-empty", b"\x00")
    valid_cbor = [cbors[k] for k in ("request", "answer", "error", "notification", "release", "batch")]
    write("fuzz_batch", "cbor-valid", b"\x01" + SEP.join(valid_cbor))
    write("fuzz_batch", "cbor-batch", b"\x01" + cbors["batch"])
    write("fuzz_batch", "cbor-two-batches", b"\x01" + cbors["batch"] + SEP + cbors["batch-empty"])
    write("fuzz_batch", "cbor-mixed-invalid", b"\x01" + SEP.join([
        cbors["request"], cbors["invalid-type"], cbors["request-max-id"], cbors["invalid-code"],
        cbors["invalid-bad-id-batch"]]))
    write("fuzz_batch", "cbor-big-batch", b"\x01" + cbor([6, [[1, i, "T", "m", [i]] for i in range(30)]]))
    write("fuzz_batch", "cbor-empty", b"\x01")

    # fuzz_envelope: mode byte, frames separated by SEP
    payload = cbors["request-all-values"]
    repetitive = cbor([4, "Log", "lines", ["the same line again " * 3] * 40])
    block = lz4_block(repetitive)
    compressed = struct.pack(">I", len(repetitive)) + block
    write("fuzz_envelope", "plain", b"\x00" + b"\x00" + payload)
    write("fuzz_envelope", "plain-empty", b"\x00" + b"\x00")
    write("fuzz_envelope", "compressed", b"\x04" + b"\x01" + compressed)
    write("fuzz_envelope", "compressed-big-limit", b"\x03" + b"\x01" + compressed)
    write("fuzz_envelope", "compressed-literals-only", b"\x00" + b"\x01" + struct.pack(">I", 20) + lz4_block(bytes(range(20))))
    write("fuzz_envelope", "compressed-wrong-size", b"\x00" + b"\x01" + struct.pack(">I", len(repetitive) + 1) + block)
    write("fuzz_envelope", "compressed-over-limit", b"\x00" + b"\x01" + struct.pack(">I", 0xFFFFFFFF) + block)
    write("fuzz_envelope", "compressed-truncated", b"\x00" + b"\x01\x00\x00\x00")
    write("fuzz_envelope", "several-plain", b"\x04" + SEP.join([b"\x00" + c for c in valid_cbor]))
    write("fuzz_envelope", "bad-flags", b"\x00" + SEP.join([b"\x40x", b"\x80\x01", b"\x02" + bytes(30), b""]))
    nonce, proof = bytes(range(16)), bytes(range(100, 132))
    write("fuzz_envelope", "hello", b"\x00" + b"\x80\x01" + nonce + proof)
    write("fuzz_envelope", "hello-bad-version", b"\x00" + b"\x80\x02" + nonce + proof)
    write("fuzz_envelope", "keyed-garbage", b"\x01" + b"\x02" + bytes(8) + b"ciphertext" + bytes(16))
    write("fuzz_envelope", "keyed-truncated", b"\x01" + b"\x02" + bytes(10))
    # mode 2: [flags][sequence offset][inner], sealed by the fuzzer with the right key
    write("fuzz_envelope", "sealed", b"\x02" + b"\x02\x00" + payload)
    write("fuzz_envelope", "sealed-sequence", b"\x02" + SEP.join([b"\x02\x00" + c for c in valid_cbor]))
    write("fuzz_envelope", "sealed-compressed", b"\x06" + b"\x03\x00" + compressed)
    write("fuzz_envelope", "sealed-replay", b"\x02" + SEP.join([b"\x02\x00abc", b"\x02\x80abc", b"\x02\x05abc"]))
    write("fuzz_envelope", "sealed-compressed-bad", b"\x02" + b"\x03\x00" + struct.pack(">I", 100) + b"\xf0\xff\xff\x00")
    write("fuzz_envelope", "sealed-unencrypted", b"\x02" + b"\x00\x00" + payload)

    # fuzz_marshal: CBOR values for the target types
    marshal = {
        "int": 42, "int-negative": -7, "int-big": 2**40, "int-u64": 2**64 - 1, "int-double": 3.0,
        "int-string": "18446744073709551615", "double-nan-text": "NaN", "null": None, "undefined": Undefined(),
        "string": "hello", "string-empty": "", "bytes": b"\x00\x01\xfe", "bytes-base64url": "AAH-_w",
        "bytes-base64url-padded": "AAH-_w==", "bytes-tag21": Tag(21, b"xyz"),
        "datetime-utc": "2024-05-06T07:08:09.010Z", "datetime-offset": "2024-05-06T07:08:09+02:00",
        "datetime-local": "2024-03-31T02:30:00", "datetime-tag0": Tag(0, "2024-10-27T02:30:00.5+01:00"),
        "datetime-tag1": Tag(1, 1700000000), "datetime-tag1-double": Tag(1, 1.7e9 + 0.25),
        "datetime-tag1-huge": Tag(1, 2**62), "datetime-year0": "0000-01-01T00:00:00Z",
        "uuid": "5c9e8d3a-7f0e-4b1c-9a2d-0e1f2a3b4c5d", "uuid-braces": "{5C9E8D3A-7F0E-4B1C-9A2D-0E1F2A3B4C5D}",
        "uuid-tag37": Tag(37, bytes(range(16))), "uuid-bad": "5c9e8d3a-7f0e-4b1c-9a2d-0e1f2a3b4c5",
        "enum-name": "Green", "enum-int": 4, "enum-unknown": "Purple", "flags": "Read|Write", "flags-empty": "",
        "flags-int": 7, "flags-bad": "Read|Nope",
        "stringlist": ["a", "b", ""], "stringlist-mixed": ["a", 1],
        "intlist": [1, 2, 3, -4], "intlist-overflow": [1, 2**40],
        "map": {"a": 1, "b": [1.5, "x"], "c": {"d": None}, "e": b"bytes", "f": Tag(0, "2024-01-01T00:00:00Z")},
        "map-int-keys": {1: "one", -2: "minus two"},
        "point": {"x": 1, "y": -2, "label": "p"},
        "shape": {"name": "tri", "color": "Blue", "permissions": "Read|Execute",
                  "origin": {"x": 5, "y": 6, "label": "o"},
                  "points": [{"x": 1, "y": 2}, {"x": 3, "y": 4, "label": "q"}],
                  "weights": [1, 2, 3], "blob": b"\x01\x02", "id": Tag(37, bytes(16)), "readOnly": 9,
                  "unknown": [1, 2]},
        "shapes": [{"name": "a"}, {"name": "b", "color": 2, "points": [{"x": 1}]}],
        "shape-bad-nested": {"origin": {"x": "not an int"}},
        "deep": "DEEP",
        "tag-unknown": Tag(12345, {"x": 1}), "url-tag32": Tag(32, "http://h/p"),
        "simple": Simple(16), "true": True,
    }
    deep = 1
    for _ in range(70):  # deeper than maxMarshalDepth (64)
        deep = [deep]
    marshal["deep"] = deep
    for name, value in marshal.items():
        write("fuzz_marshal", name + ".cbor", cbor(value))

    # fuzz_http_rpc_body: path line, then the body
    rpc = {
        "add": b"/rpc/Calc/add\n[1,2]",
        "no-body": b"/rpc/Calc/now\n",
        "empty-array": b"/rpc/Calc/now\n[]",
        "values": b"/rpc/T/m\n" + j(VALUES),
        "object-body": b"/rpc/T/m\n{\"a\":1}",
        "bad-json": b"/rpc/T/m\n[1,",
        "bad-path": b"/rpc/onlyone\n[]",
        "bad-path-3": b"/rpc/a/b/c\n[]",
        "encoded-path": b"/rpc/%C3%A9t%C3%A9/m%2Fx\n[\"\\u00e9\"]",
        "answer-body": b"/x\n{\"result\":{\"a\":[1,2.5,null]}}",
        "error-body": b"/xy\n{\"error\":{\"code\":4,\"name\":\"UnknownMethod\",\"message\":\"nope\"}}",
        "html-body": b"/xyz\n<html>502 Bad Gateway</html>",
        "numbers": b"/rpc/T/m\n[1.0,-0.0,1e300,9223372036854775808,-9223372036854775809,0.1]",
    }
    for name, data in rpc.items():
        write("fuzz_http_rpc_body", name, data)

    # fuzz_http_request: options byte, then the stream
    get = b"GET /index.html?x=1&y=%20 HTTP/1.1\r\nHost: example.org\r\nX-Echo: hello\r\n\r\n"
    post = b"POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
    chunked = (b"POST /chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n")
    upgrade = (b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               b"Sec-WebSocket-Protocol: burrow-binary.v1, burrow-json.v1\r\n\r\n")
    rpc_post = b"POST /rpc/Calc/add HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n[1,2]"
    http = {
        "get": (0x00, get),
        "get-http10": (0x00, b"GET / HTTP/1.0\r\n\r\n"),
        "get-http10-keepalive": (0x00, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n"),
        "head": (0x00, b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n"),
        "post": (0x00, post),
        "post-deferred": (0x01, post),
        "chunked": (0x00, chunked),
        "chunked-split": (0x20, chunked),
        "pipelined": (0x00, get + post + chunked + get),
        "pipelined-deferred": (0x01, get + post + chunked + get + b"DELETE /x HTTP/1.1\r\n\r\n"),
        "pipelined-many": (0x01, get * 40),
        "pipelined-bytewise": (0x21, get + post),
        "pipelined-chunks-16": (0x61, get + chunked + post),
        "expect-continue": (0x00, b"PUT /f HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"),
        "expect-continue-pipelined": (0x01, get + b"PUT /f HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"),
        "connection-close": (0x00, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n" + get),
        "handler-close": (0x00, b"GET / HTTP/1.1\r\nX-Close: 1\r\n\r\n" + get),
        "upgrade": (0x04, upgrade + b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"),
        "upgrade-after-requests": (0x04, get + post + upgrade),
        "upgrade-after-requests-deferred": (0x05, get + post + upgrade + get),
        "upgrade-refused": (0x0C, get + upgrade),
        "upgrade-refused-deferred": (0x0D, upgrade + get),
        "upgrade-no-handler": (0x00, upgrade),
        "upgrade-bytewise": (0x24, get + upgrade),
        "upgrade-h2c": (0x04, b"GET / HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n\r\n"),
        "rpc": (0x00, rpc_post),
        "rpc-bad": (0x00, b"POST /rpc/Calc HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]"),
        "small-limits-head": (0x02, b"GET /" + b"a" * 300 + b" HTTP/1.1\r\n\r\n"),
        "small-limits-body": (0x02, b"POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n" + b"x" * 100),
        "small-limits-chunk": (0x02, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + b"y" * 50),
        "small-limits-blocked": (0x03, get * 40),
        "half-close": (0x10, get + post),
        "bad-version": (0x00, b"GET / HTTP/2.0\r\n\r\n"),
        "connect": (0x00, b"CONNECT example.org:443 HTTP/1.1\r\n\r\n"),
        "options-star": (0x00, b"OPTIONS * HTTP/1.1\r\n\r\n"),
        "absolute-url": (0x00, b"GET http://user@h:8080/p/a%2Fb?q=1#f HTTP/1.1\r\n\r\n"),
        "garbage": (0x00, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
        "leading-crlf": (0x00, b"\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
        "bad-content-length": (0x00, b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        "obs-fold": (0x00, b"GET / HTTP/1.1\r\nX-Echo: a\r\n  folded\r\n\r\n"),
        "incomplete-head": (0x00, b"GET / HTTP/1.1\r\nHost: h\r\n"),
        "incomplete-body": (0x01, b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
    }
    for name, (options, stream) in http.items():
        write("fuzz_http_request", name, bytes([options]) + stream)

    # fuzz_orm_rest: "<METHOD> <path>\n<body>"; tables People (versioned), Sample (every column
    # kind) and Archive (read-only), rows 1 and 2 in each.
    sample = {"tiny": -5, "small": 65000, "big": "18446744073709551615", "ratio": 0.25,
              "single": 1.5, "flag": True, "text": "caf\u00e9", "blob": "AAEC_w",
              "when": "2024-05-06T07:08:09.010+02:00", "day": "2024-02-29", "time": "01:02:03.004",
              "uuid": "6f1c9a58-8f43-4d8e-b5a1-3f1d2e4c5b6a", "link": "https://example.org/a?b=c",
              "mood": "Busy"}
    orm = {
        "list": ("GET /orm/People?limit=1&offset=1", None),
        "tables": ("GET /orm", None),
        "get-row": ("GET /orm/Sample/2", None),
        "insert-person": ("POST /orm/People", {"name": "Ann", "age": 31}),
        "insert-sample": ("POST /orm/Sample", sample),
        "insert-with-id": ("POST /orm/Sample", {"id": 40, "text": "x"}),
        "insert-taken-id": ("POST /orm/People", {"id": 1, "name": "dup"}),
        "insert-readonly": ("POST /orm/Archive", {"note": "no"}),
        "insert-unknown-column": ("POST /orm/People", {"name": "B", "shoe": 44}),
        "insert-wrong-type": ("POST /orm/People", {"name": 5, "age": "old"}),
        "insert-out-of-range": ("POST /orm/Sample", {"tiny": 300, "small": -1}),
        "insert-array": ("POST /orm/People", [1, 2]),
        "update": ("PUT /orm/People/1", {"age": 40}),
        "update-sample": ("PUT /orm/Sample/1", sample),
        "update-other-id": ("PUT /orm/People/1", {"id": 2, "age": 1}),
        "update-missing": ("PUT /orm/People/999", {"age": 1}),
        "update-version": ("PUT /orm/People/2", {"version": 99, "name": "V"}),
        "delete": ("DELETE /orm/People/2", None),
        "delete-readonly": ("DELETE /orm/Archive/1", None),
        "batch": ("POST /orm/People/batch", [{"insert": {"name": "C", "age": 3}},
                                              {"update": {"id": 1, "name": "D"}}, {"delete": 2}]),
        "batch-bad-last": ("POST /orm/People/batch", [{"insert": {"name": "E"}}, {"update": {"id": 0}}]),
        "batch-unknown-column": ("POST /orm/Sample/batch", [{"insert": sample}, {"insert": {"nope": 1}}]),
        "batch-two-keys": ("POST /orm/People/batch", [{"insert": {}, "delete": 1}]),
        "batch-object": ("POST /orm/People/batch", {"insert": {}}),
        "batch-readonly": ("POST /orm/Archive/batch", [{"delete": 1}]),
        "wrong-method": ("PATCH /orm/People/1", {"age": 2}),
        "unknown-table": ("POST /orm/Nope", {}),
        "bad-id": ("PUT /orm/People/-3", {}),
        "deep-path": ("GET /orm/People/1/x", None),
    }
    for name, (line, body) in orm.items():
        text = line.encode() + b"\n"
        if body is not None:
            text += json.dumps(body, separators=(",", ":")).encode()
        write("fuzz_orm_rest", name, text)
    write("fuzz_orm_rest", "malformed-json", b"POST /orm/People\n{\"name\": \"A\",")
    write("fuzz_orm_rest", "lone-surrogate", b"POST /orm/People\n{\"name\": \"\\ud800\"}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
