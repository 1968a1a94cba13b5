"""Parsing the three body encodings into ordered pairs."""

from __future__ import annotations

import json

import pytest

from toiawase.core.config import Limits
from toiawase.core.errors import InputError
from toiawase.core.parse import parse_body, parse_content_type

LIMITS = Limits()
FORM = "application/x-www-form-urlencoded"


def parse(content_type: str | None, body: bytes, limits: Limits = LIMITS):
    return parse_body(content_type, body, limits)[1]


def refused(content_type: str | None, body: bytes, limits: Limits = LIMITS) -> InputError:
    with pytest.raises(InputError) as info:
        parse_body(content_type, body, limits)
    return info.value


class TestUrlencoded:
    def test_splits_before_percent_decoding(self):
        pairs = parse(FORM, b"message=A%26B%3DC&name=x")
        assert pairs == [("message", "A&B=C"), ("name", "x")]

    def test_plus_is_space_and_percent_plus_is_plus(self):
        assert parse(FORM, b"message=a+b%2Bc") == [("message", "a b+c")]

    def test_repeated_keys_are_kept_in_order(self):
        assert parse(FORM, b"t=a&x=1&t=b") == [("t", "a"), ("x", "1"), ("t", "b")]

    def test_japanese_percent_encoded_utf8(self):
        body = b"name=%E5%B1%B1%E7%94%B0+%E5%A4%AA%E9%83%8E"
        assert parse(FORM, body) == [("name", "山田 太郎")]

    def test_blank_values_are_kept(self):
        assert parse(FORM, b"_gotcha=&message=hi") == [("_gotcha", ""), ("message", "hi")]

    def test_charset_parameter_utf8_is_accepted(self):
        assert parse(FORM + "; charset=UTF-8", b"a=1") == [("a", "1")]

    def test_other_charset_is_415(self):
        err = refused(FORM + "; charset=shift_jis", b"a=1")
        assert (err.status, err.code) == (415, "unsupported_content_type")

    def test_invalid_utf8_in_percent_encoding_is_400(self):
        err = refused(FORM, b"message=%FF%FE")
        assert (err.status, err.code) == (400, "malformed_body")

    def test_invalid_utf8_raw_body_is_400(self):
        assert refused(FORM, b"message=\xff").status == 400

    def test_too_many_fields_is_413(self):
        body = "&".join(f"f{i}=x" for i in range(LIMITS.max_fields + 1)).encode()
        assert refused(FORM, body).status == 413

    def test_body_over_limit_is_413_before_parsing(self):
        err = refused(FORM, b"m=" + b"x" * LIMITS.max_body_bytes)
        assert (err.status, err.code) == (413, "too_large")

    def test_field_name_with_control_character_is_400(self):
        assert refused(FORM, b"na%0Ame=x").status == 400

    def test_empty_field_name_is_400(self):
        assert refused(FORM, b"=x").status == 400


class TestJson:
    def test_object_of_strings_numbers_booleans_and_arrays(self):
        body = json.dumps(
            {"email": "a@example.com", "n": 3, "ok": True, "none": None, "tags": ["a", "b"]}
        ).encode()
        assert parse("application/json", body) == [
            ("email", "a@example.com"),
            ("n", "3"),
            ("ok", "true"),
            ("none", ""),
            ("tags", "a"),
            ("tags", "b"),
        ]

    @pytest.mark.parametrize("body", [b"[1,2]", b'"text"', b"42", b"null"])
    def test_non_object_is_400(self, body: bytes):
        assert refused("application/json", body).status == 400

    def test_nested_object_is_400(self):
        assert refused("application/json", b'{"a": {"b": "c"}}').status == 400

    def test_duplicate_keys_are_400(self):
        err = refused("application/json", b'{"email": "a@x.com", "email": "b@x.com"}')
        assert err.status == 400 and "more than once" in err.message

    def test_deep_nesting_is_400_not_a_crash(self):
        body = b'{"a":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
        assert refused("application/json", body).status in (400, 413)

    def test_lone_surrogate_is_400(self):
        assert refused("application/json", b'{"message": "\\ud800"}').status == 400

    def test_invalid_json_is_400(self):
        err = refused("application/json", b'{"message": ')
        assert err.code == "malformed_body"


def multipart_body(parts: list[tuple[str, str | None, bytes]], boundary: str = "XyZ") -> bytes:
    chunks = []
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        headers = f"Content-Disposition: {disposition}"
        if filename is not None:
            headers = f'{headers}; filename="{filename}"\r\nContent-Type: application/octet-stream'
        chunks.append(f"--{boundary}\r\n{headers}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode()


class TestMultipart:
    CT = "multipart/form-data; boundary=XyZ"

    def test_text_fields_in_order_with_japanese(self):
        body = multipart_body(
            [("name", None, "佐藤".encode()), ("message", None, "改行\r\nあり".encode())]
        )
        assert parse(self.CT, body) == [("name", "佐藤"), ("message", "改行\r\nあり")]

    def test_file_part_is_refused_with_415(self):
        body = multipart_body([("message", None, b"hi"), ("cv", "cv.pdf", b"%PDF-1.7")])
        err = refused(self.CT, body)
        assert err.status == 415 and "File uploads" in err.message

    def test_unselected_file_input_is_ignored(self):
        body = multipart_body([("message", None, b"hi"), ("cv", "", b"")])
        assert parse(self.CT, body) == [("message", "hi")]

    def test_missing_boundary_is_400(self):
        assert refused("multipart/form-data", b"--x\r\n").status == 400

    def test_truncated_body_is_400(self):
        body = multipart_body([("message", None, b"hi")])[:-10]
        assert refused(self.CT, body).status == 400

    def test_invalid_utf8_part_is_400(self):
        body = multipart_body([("message", None, b"\xff\xfe")])
        assert refused(self.CT, body).status == 400


class TestContentType:
    def test_missing_content_type_with_body_is_415(self):
        assert refused(None, b"a=1").status == 415

    def test_missing_content_type_without_body_is_400(self):
        assert refused(None, b"").status == 400

    @pytest.mark.parametrize("ctype", ["text/plain", "application/xml", "image/png"])
    def test_other_types_are_415(self, ctype: str):
        assert refused(ctype, b"a=1").status == 415

    def test_parameters_are_parsed_case_insensitively(self):
        media, params = parse_content_type('Multipart/Form-Data; Boundary="a b"')
        assert media == "multipart/form-data" and params["boundary"] == "a b"


class TestClearMessages:
    """A refusal says what was wrong in plain words, without echoing the input at length."""

    def test_huge_json_number_is_named_without_python_advice(self):
        error = refused("application/json", b'{"message":' + b"9" * 5_000 + b"}")
        assert error.status == 400
        assert "number" in error.message and "sys." not in error.message
        assert len(error.message) < 200

    def test_json_syntax_error_says_where(self):
        error = refused("application/json", b'{"email": }')
        assert error.status == 400 and "line 1 column 11" in error.message

    @pytest.mark.parametrize(
        ("content_type", "body"),
        [
            ("application/" + "x" * 5_000, b"a=b"),
            (FORM + "; charset=" + "y" * 5_000, b"a=b"),
            ("application/json", b'{"' + b"k" * 5_000 + b'":1,"' + b"k" * 5_000 + b'":2}'),
            ("application/json", b'{"' + b"k" * 5_000 + b'":{}}'),
        ],
    )
    def test_long_input_is_not_echoed_in_full(self, content_type: str, body: bytes):
        error = refused(content_type, body)
        assert 400 <= error.status < 500 and len(error.message) < 300
