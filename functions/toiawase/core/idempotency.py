"""Which requests are "the same submission": the key a double-click or a retry shares."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from toiawase.core.parse import Pairs

KEY_HEADER = "idempotency-key"
KEY_FIELD = "_idempotency_key"


def idempotency_key(
    headers: Mapping[str, str],
    pairs: Pairs,
    client_ip: str,
    ignored: frozenset[str] = frozenset(),
) -> str:
    """A digest naming this submission: its content, its client, and the client's key if any.

    The content is always part of it. A client key (``Idempotency-Key`` header or
    ``_idempotency_key`` field) alone would make two *different* submissions one: two people
    behind one NAT posting a static page with a fixed hidden key, or one person correcting their
    message, were answered "sent" with the first id while nothing was sent (red-team finding 1).
    So the same key with different content is a new submission, never a replay; the same key
    with the same content is a repeat. The whole key is hashed (never truncated, so two long keys
    cannot collide), scoped to the client address so one client cannot replay another's answer.

    ``ignored`` fields (captcha tokens, single-use and new on every solve) are left out, so a
    resend of the same text after solving the widget again is still the same submission.
    Only the digest is kept, never the content.
    """
    client_key = headers.get(KEY_HEADER, "").strip()
    if not client_key:
        client_key = next((v.strip() for k, v in pairs if k == KEY_FIELD and v.strip()), "")
    content = [f"{k}={v}" for k, v in pairs if k != KEY_FIELD and k not in ignored]
    material = ["v2", client_ip, client_key, *content]
    return hashlib.sha256(json.dumps(material, ensure_ascii=False).encode("utf-8")).hexdigest()
