"""Where evidence files' bytes are kept: a folder by default, S3-compatible object storage when a
deployment with several servers sets a bucket (README, Evidence files).

Blobs are content-addressed: a blob's key is the SHA-256 of its bytes, so the same photo
uploaded twice is kept once, and a key is always 64 hex digits, never anything a person typed
(an uploaded file's name is never part of a path). Nothing here knows of the database: which
blobs are still wanted is evidence/services.py's question.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

_KEY = re.compile(r"[0-9a-f]{64}")


def key_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError("not an evidence store key")
    return key


class EvidenceStore(Protocol):
    def put(self, key: str, content: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes:
        """The blob's bytes; FileNotFoundError where there is none."""
        ...

    def delete(self, key: str) -> None: ...

    def stored(self) -> Iterator[tuple[str, datetime]]:
        """Every blob's key and when it was written."""
        ...


class FilesystemStore:
    """Blobs under a folder (instance/uploads/ by default, outside static/: nothing is served
    without the access check), two levels of subfolders by the key's first digits."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, content: bytes, content_type: str) -> None:
        path = self.path_of(key)
        if path.exists():
            # The same bytes, by their address. Its time is renewed, so that the sweep (which takes
            # blobs no row has named for an hour) does not take it before this upload's row is in.
            os.utime(path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed into place: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self.path_of(key).read_bytes()

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def stored(self) -> Iterator[tuple[str, datetime]]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if _KEY.fullmatch(path.name):
                yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)


class S3Store:
    """Blobs as objects in a bucket, under a prefix, through boto3. Credentials come the way
    boto3 finds them (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance role)."""

    def __init__(self, bucket: str, prefix: str = "", client=None, **client_options):
        import boto3

        self.bucket, self.prefix = bucket, prefix
        self.client = client or boto3.client("s3", **client_options)

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, key: str, content: bytes, content_type: str) -> None:
        # The bucket is private: the object is read back through the workspace's access check.
        self.client.put_object(
            Bucket=self.bucket, Key=self._name(key), Body=content, ContentType=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def stored(self) -> Iterator[tuple[str, datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                if _KEY.fullmatch(key):
                    yield key, item["LastModified"]


def make_store(config) -> EvidenceStore:
    bucket = config.get("UPLOAD_S3_BUCKET")
    if bucket:
        options = {
            name: config[setting]
            for name, setting in (
                ("endpoint_url", "UPLOAD_S3_ENDPOINT_URL"),
                ("region_name", "UPLOAD_S3_REGION"),
            )
            if config.get(setting)
        }
        return S3Store(bucket, config.get("UPLOAD_S3_PREFIX") or "", **options)
    return FilesystemStore(config["UPLOAD_DIR"])


def init_app(app: Flask) -> None:
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")
    app.extensions["evidence_store"] = make_store(app.config)


def store() -> EvidenceStore:
    return current_app.extensions["evidence_store"]
