"""Which requests are "the same submission": the key a double-click or a retry shares."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from toiawase.core.parse import Pairs

KEY_HEADER = "idempotency-key"
KEY_FIELD = "_idempotency_key"
MAX_CLIENT_KEY_CHARS = 200


def idempotency_key(headers: Mapping[str, str], pairs: Pairs, client_ip: str) -> str:
    """A digest naming this submission.

    With an ``Idempotency-Key`` header or ``_idempotency_key`` field, the client's key (scoped
    to the client address, so one client cannot replay another's answer). Without one, a
    digest of the fields in order plus the client address: a double-click or a browser retry
    sends the same bytes from the same address within the window and so gets the same answer.
    Only a digest is kept, never the content.
    """
    client_key = headers.get(KEY_HEADER, "").strip()
    if not client_key:
        client_key = next((v.strip() for k, v in pairs if k == KEY_FIELD and v.strip()), "")
    if client_key:
        material = ["client-key", client_ip, client_key[:MAX_CLIENT_KEY_CHARS]]
    else:
        material = ["fields", client_ip, *(f"{k}={v}" for k, v in pairs if k != KEY_FIELD)]
    return hashlib.sha256(json.dumps(material, ensure_ascii=False).encode("utf-8")).hexdigest()
