"""In-memory stand-ins for the file bucket and the upload ledger (ports in core/ports.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from toiawase.core.ports import FilesUnavailable, IssuedUpload, PresignedPost


class MemoryFiles:
    def __init__(self, *, down: bool = False) -> None:
        self.objects: dict[str, bytes] = {}
        self.down = down

    def _check(self) -> None:
        if self.down:
            raise FilesUnavailable("down")

    def presign_post(
        self, key: str, content_type: str, max_size: int, expires_seconds: int
    ) -> PresignedPost:
        return PresignedPost("https://files.example/", {"key": key, "Content-Type": content_type})

    def peek(self, key: str, length: int) -> tuple[bytes, int] | None:
        self._check()
        data = self.objects.get(key)
        return None if data is None else (data[:length], len(data))

    def read(self, key: str) -> bytes:
        self._check()
        return self.objects[key]

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._check()
        self.objects[key] = bytes(data)

    def copy(self, source: str, key: str) -> None:
        self._check()
        self.objects[key] = self.objects[source]

    def presign_get(self, key: str, filename: str, expires_seconds: int) -> str:
        return f"https://files.example/{key}?expires={expires_seconds}"

    def scan_status(self, key: str) -> str | None:
        return None

    def delete(self, keys: Sequence[str]) -> None:
        self._check()
        self.deleted = [*getattr(self, "deleted", []), *keys]
        for key in keys:
            self.objects.pop(key, None)


class MemoryLedger:
    def __init__(self) -> None:
        self.uploads: dict[str, tuple[IssuedUpload, bool]] = {}
        self.owners: dict[str, str | None] = {}

    def issue(self, upload: IssuedUpload) -> None:
        self.uploads[upload.upload_id] = (upload, False)

    def claim(
        self, upload_id: str, form_id: str, now: int, owner: str | None = None
    ) -> IssuedUpload | None:
        found = self.uploads.get(upload_id)
        if found is None:
            return None
        upload, claimed = found
        if claimed and (owner is None or self.owners.get(upload_id) != owner):
            return None
        if upload.form_id != form_id or upload.expires_at <= now:
            return None
        self.uploads[upload_id] = (replace(upload), True)
        self.owners.setdefault(upload_id, owner)
        return upload
