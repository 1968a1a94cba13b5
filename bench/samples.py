"""The submissions the benchmark sends: one realistic Japanese inquiry, in each body encoding.

Events are built with the project's own ``build_event`` (real API Gateway payload-2.0 shape:
lower-case headers, a base64 body where API Gateway uses one). The HTML-form encodings are sent
the way a browser sends them (its default ``Accept``, so the answer is a 303); the JSON one the
way ``fetch`` does (``Accept: application/json``, so the answer is a 200 with JSON).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from toiawase.local.events import build_event

ORIGIN = "https://www.example.com"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"
BOUNDARY = "----WebKitFormBoundary7MA4YWxkTrZu0gW"

MESSAGE = (
    "はじめまして。株式会社サンプルの山田と申します。\n"
    "貴社のウェブサイトを拝見し、新しい会員サイトの制作についてご相談したくご連絡いたしました。\n"
    "現在の想定は、会員登録・ログイン、お知らせの配信、問い合わせフォームの三点です。\n"
    "公開は来年の春頃を予定しており、概算のお見積もりとスケジュール感をお伺いできますと幸いです。\n"
    "お忙しいところ恐れ入りますが、どうぞよろしくお願いいたします。"
)
FIELDS: list[tuple[str, str]] = [
    ("name", "山田 太郎"),
    ("email", "taro.yamada@example.jp"),
    ("company", "株式会社サンプル"),
    ("phone", "03-1234-5678"),
    ("message", MESSAGE),
    ("_subject", "お見積もりのご相談"),
    ("_gotcha", ""),
]


def _headers(content_type: str, accept: str) -> list[tuple[str, str]]:
    return [
        ("Host", "abc123.execute-api.us-east-1.amazonaws.com"),
        ("User-Agent", USER_AGENT),
        ("Content-Type", content_type),
        ("Accept", accept),
        ("Accept-Language", "ja,en-US;q=0.9,en;q=0.8"),
        ("Origin", ORIGIN),
        ("Referer", f"{ORIGIN}/contact/"),
        ("X-Forwarded-For", "203.0.113.7"),
        ("X-Forwarded-Proto", "https"),
    ]


def multipart_body(fields: list[tuple[str, str]], boundary: str = BOUNDARY) -> bytes:
    """A ``multipart/form-data`` body as a browser builds it (CRLF, one part per field)."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode("utf-8")


def events() -> dict[str, dict[str, Any]]:
    """The three events by encoding: ``urlencoded`` (the cold start's), ``json``, ``multipart``."""
    urlencoded = urlencode(FIELDS).encode("ascii")
    as_json = json.dumps(dict(FIELDS), ensure_ascii=False).encode("utf-8")
    multipart = multipart_body(FIELDS)
    return {
        "urlencoded": build_event(
            "POST",
            "/submit",
            _headers("application/x-www-form-urlencoded", BROWSER_ACCEPT),
            urlencoded,
            source_ip="203.0.113.7",
        ),
        "json": build_event(
            "POST",
            "/submit",
            _headers("application/json", "application/json"),
            as_json,
            source_ip="203.0.113.7",
        ),
        "multipart": build_event(
            "POST",
            "/submit",
            _headers(f"multipart/form-data; boundary={BOUNDARY}", BROWSER_ACCEPT),
            multipart,
            source_ip="203.0.113.7",
        ),
    }
