"""Evidence files in a backup: copied beside the database's copy, as a folder laid out as the
store's own (instance/uploads/), so that restoring is copying the folder back."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

from . import storage


def uploads_beside(database_copy: Path) -> Path:
    """backup.sqlite's files go in backup-uploads/."""
    return database_copy.with_name(f"{database_copy.stem}-uploads")


def copier(uploads: Path) -> Callable[[], int] | None:
    """A function that copies every stored file not yet in `uploads` and says how many are there;
    None where the files are in a bucket."""
    store = storage.store()
    if not isinstance(store, storage.FilesystemStore):
        return None
    root = store.root

    def copy() -> int:
        count = 0
        for key, _ in store.stored():
            relative = store.path_of(key).relative_to(root)
            destination = uploads / relative
            if not destination.exists():
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(root / relative, destination)
            count += 1
        uploads.mkdir(parents=True, exist_ok=True)
        return count

    return copy


def missing_from(database_copy: Path, uploads: Path) -> int:
    """How many files the copied database names that the copied folder lacks."""
    connection = sqlite3.connect(str(database_copy))
    try:
        keys = {
            key
            for row in connection.execute("SELECT storage_key, thumbnail_key FROM evidence_file")
            for key in row
            if key
        }
    finally:
        connection.close()
    copied = storage.FilesystemStore(uploads)
    return sum(1 for key in keys if not copied.path_of(key).exists())
