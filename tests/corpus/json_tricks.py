"""JSON tricks: duplicate keys, nesting, odd numbers, odd top levels, and near-JSON.

One object of strings, numbers, booleans, nulls or arrays of those is read; duplicate keys,
nested objects and arrays of arrays are refused (400), as is anything that is not strict JSON
or not an object.
"""

from __future__ import annotations

from tests.corpus.model import BASE, JSON, Case, json_body

E, M = dict(BASE)["email"], dict(BASE)["message"]


def raw(message: str, email: str = f'"{E}"') -> str:
    """An object with the address and ``message`` written as given (not JSON-encoded)."""
    return '{"email":' + email + ',"message":' + message + "}"


CASES = [
    Case("plain", json_body(email=E, message=M), "sent", JSON),
    Case(
        "duplicate-email",
        json_body([("email", E), ("email", "victim@evil.example")], message=M),
        400,
        JSON,
    ),
    Case("duplicate-same-value", json_body([("email", E), ("email", E)], message=M), 400, JSON),
    Case("duplicate-message", json_body([("message", M), ("message", "x")], email=E), 400, JSON),
    Case("nested-object", json_body(email=E, message=M, extra={"a": 1}), 400, JSON),
    Case("nested-email", json_body(email={"$ne": None}, message=M), 400, JSON),
    Case("array-of-objects", json_body(email=E, message=M, items=[{"a": 1}, {"b": 2}]), 400, JSON),
    Case("array-of-arrays", json_body(email=E, message=M, grid=[[1, 2], [3]]), 400, JSON),
    Case("array-of-strings", json_body(email=E, message=M, tags=["a", "b"]), "sent", JSON),
    Case("array-message-different", json_body(email=E, message=["a", "b"]), 422, JSON),
    Case("array-message-same", json_body(email=E, message=["a", "a"]), "sent", JSON),
    Case("empty-array", json_body(email=E, message=M, tags=[]), "sent", JSON),
    Case("numbers", json_body(email=E, message=M, n=1, f=-0.5, e=1e300, big=2**70), "sent", JSON),
    Case("number-as-message", json_body(email=E, message=42), "sent", JSON),
    Case("number-as-email", json_body(email=123, message=M), 422, JSON),
    Case("booleans-null", json_body(email=E, message=M, a=True, b=False, c=None), "sent", JSON),
    Case("null-message", json_body(email=E, message=None), 422, JSON),
    Case("huge-integer", raw("9" * 5_000), 400, JSON),
    Case("huge-exponent", raw("1e999999"), "sent", JSON),
    Case("nan", raw("NaN"), "sent", JSON),
    Case("infinity", raw("-Infinity"), "sent", JSON),
    Case("top-level-array", f"[{json_body(email=E, message=M)}]", 400, JSON),
    Case("top-level-string", '"email=a@example.org"', 400, JSON),
    Case("top-level-number", "42", 400, JSON),
    Case("top-level-null", "null", 400, JSON),
    Case("empty-object", "{}", 422, JSON),
    Case("empty-body", b"", 400, JSON),
    Case("whitespace-only", "   \n", 400, JSON),
    Case("trailing-comma", json_body(email=E, message=M)[:-1] + ",}", 400, JSON),
    Case("single-quotes", json_body(email=E, message=M).replace('"', "'"), 400, JSON),
    Case("comments", raw(f'/* x */ "{M}"'), 400, JSON),
    Case("unquoted-keys", json_body(email=E, message=M).replace('"email"', "email"), 400, JSON),
    Case("trailing-garbage", json_body(email=E, message=M) + "garbage", 400, JSON),
    Case("two-objects", json_body(email=E, message=M) * 2, 400, JSON),
    Case("bom-prefix", "\ufeff" + json_body(email=E, message=M), 400, JSON),
    Case("nul-in-key", json_body(email=E, message=M, **{"a\u0000b": "x"}), 400, JSON),
    Case(
        "escaped-crlf-values",
        json_body(email=E, message="a\r\nb", company="c\r\nBcc: v@evil.example"),
        "sent",
        JSON,
    ),
    Case("proto-keys", json_body(email=E, message=M, __proto__="x", constructor="y"), "sent", JSON),
    Case("unicode-escapes", raw('"\\u5c71\\u7530"'), "sent", JSON),
    Case(
        "control-escapes-in-value",
        raw('"\\u0000\\u001b\\u007f"'),
        "refused",
        JSON,
    ),
    Case("deep-nesting", raw("[" * 5_000 + "]" * 5_000), 400, JSON),
    Case(
        "json-with-form-type",
        json_body(email=E, message=M),
        422,
        "application/x-www-form-urlencoded",
    ),
]
