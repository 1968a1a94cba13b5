"""The private file bucket (S3) and the upload ledger (the submissions table)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from toiawase.core.ports import FilesUnavailable, IssuedFile, IssuedUpload, PresignedPost

_RANGE_TOTAL = re.compile(r"/(\d+)$")
# Without s3:ListBucket (the function has none), S3 answers a missing key with 403, not 404.
# peek() only reads keys the function issued itself, so a 403 there means "not uploaded".
_MISSING = frozenset({"NoSuchKey", "404", "NotFound", "InvalidRange", "AccessDenied", "403"})


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3FileStore:
    """Implements ``toiawase.core.ports.FileStore`` with the low-level S3 client."""

    def __init__(self, client: Any, bucket: str) -> None:  # noqa: ANN401 - botocore client
        self._client = client
        self._bucket = bucket

    def presign_post(
        self, key: str, content_type: str, max_size: int, expires_seconds: int
    ) -> PresignedPost:
        content_type = content_type or "application/octet-stream"
        try:
            post: Mapping[str, Any] = self._client.generate_presigned_post(
                Bucket=self._bucket,
                Key=key,
                Fields={"Content-Type": content_type},
                Conditions=[
                    {"Content-Type": content_type},
                    ["content-length-range", 1, max_size],
                ],
                ExpiresIn=expires_seconds,
            )
        except (BotoCoreError, ClientError) as exc:
            raise FilesUnavailable(type(exc).__name__) from exc
        return PresignedPost(str(post["url"]), {k: str(v) for k, v in post["fields"].items()})

    def peek(self, key: str, length: int) -> tuple[bytes, int] | None:
        try:
            answer = self._client.get_object(
                Bucket=self._bucket, Key=key, Range=f"bytes=0-{length - 1}"
            )
            head: bytes = answer["Body"].read()
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise FilesUnavailable(_code(exc)) from exc
        except BotoCoreError as exc:
            raise FilesUnavailable(type(exc).__name__) from exc
        found = _RANGE_TOTAL.search(str(answer.get("ContentRange") or ""))
        size = int(found.group(1)) if found else int(answer.get("ContentLength") or len(head))
        return head, size

    def read(self, key: str) -> bytes:
        try:
            data: bytes = self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except (BotoCoreError, ClientError) as exc:
            raise FilesUnavailable(type(exc).__name__) from exc
        return data

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self._client.put_object(
                Bucket=self._bucket, Key=key, Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise FilesUnavailable(type(exc).__name__) from exc

    def copy(self, source: str, key: str) -> None:
        try:
            self._client.copy_object(
                Bucket=self._bucket,
                Key=key,
                CopySource={"Bucket": self._bucket, "Key": source},
                TaggingDirective="COPY",
            )
        except (BotoCoreError, ClientError) as exc:
            raise FilesUnavailable(type(exc).__name__) from exc

    def presign_get(self, key: str, filename: str, expires_seconds: int) -> str:
        # RFC 6266 / 5987: the UTF-8 name, percent-encoded; an ASCII fallback beside it.
        ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
        disposition = (
            f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
        )
        url: str = self._client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self._bucket,
                "Key": key,
                "ResponseContentDisposition": disposition,
            },
            ExpiresIn=expires_seconds,
        )
        return url

    def scan_status(self, key: str) -> str | None:
        try:
            tags = self._client.get_object_tagging(Bucket=self._bucket, Key=key)["TagSet"]
        except (BotoCoreError, ClientError) as exc:
            raise FilesUnavailable(type(exc).__name__) from exc
        return next(
            (str(t["Value"]) for t in tags if t["Key"] == "GuardDutyMalwareScanStatus"), None
        )

    def delete(self, keys: Sequence[str]) -> None:
        """One ``DeleteObjects`` (at most 1,000 keys: a submission has far fewer files)."""
        if not keys:
            return
        try:
            answer = self._client.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True},
            )
        except (BotoCoreError, ClientError) as exc:
            raise FilesUnavailable(type(exc).__name__) from exc
        if answer.get("Errors"):
            raise FilesUnavailable(str(answer["Errors"][0].get("Code", "DeleteFailed")))


class DynamoUploadLedger:
    """Implements ``toiawase.core.ports.UploadLedger`` as items ``upload#<id>`` of the
    submissions table (no table of its own): issued with a TTL, claimed by one conditional
    update."""

    def __init__(self, client: Any, table: str) -> None:  # noqa: ANN401 - botocore client
        self._client = client
        self._table = table

    def issue(self, upload: IssuedUpload) -> None:
        files = [
            {
                "M": {
                    "k": {"S": f.key},
                    "f": {"S": f.field},
                    "n": {"S": f.filename},
                    "s": {"N": str(f.size)},
                }
            }
            for f in upload.files
        ]
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": f"upload#{upload.upload_id}"},
                    "form": {"S": upload.form_id},
                    "files": {"L": files},
                    "expires_at": {"N": str(upload.expires_at)},
                },
                ConditionExpression="attribute_not_exists(id)",
            )
        except (BotoCoreError, ClientError) as exc:
            raise FilesUnavailable(type(exc).__name__) from exc

    def claim(
        self, upload_id: str, form_id: str, now: int, owner: str | None = None
    ) -> IssuedUpload | None:
        values = {":form": {"S": form_id}, ":now": {"N": str(now)}}
        update, unclaimed = "SET claimed_at = :now", "attribute_not_exists(claimed_at)"
        if owner:
            # The first owner stays; the same owner (a repeat of the same post) may claim again.
            values[":owner"] = {"S": owner}
            update = (
                "SET claimed_at = if_not_exists(claimed_at, :now), "
                "claimed_by = if_not_exists(claimed_by, :owner)"
            )
            unclaimed = f"({unclaimed} OR claimed_by = :owner)"
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": f"upload#{upload_id}"}},
                UpdateExpression=update,
                ConditionExpression=(
                    f"attribute_exists(id) AND #form = :form AND expires_at > :now AND {unclaimed}"
                ),
                ExpressionAttributeNames={"#form": "form"},
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return None
            raise FilesUnavailable(_code(exc)) from exc
        except BotoCoreError as exc:
            raise FilesUnavailable(type(exc).__name__) from exc
        item = answer["Attributes"]
        files = tuple(
            IssuedFile(
                key=f["M"]["k"]["S"],
                field=f["M"]["f"]["S"],
                filename=f["M"]["n"]["S"],
                size=int(f["M"]["s"]["N"]),
            )
            for f in item["files"]["L"]
        )
        return IssuedUpload(upload_id, form_id, files, int(item["expires_at"]["N"]))
