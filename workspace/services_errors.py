"""The one error type services raise for a request a person can correct."""


class ServiceError(Exception):
    """A rule was broken; `field` names the form field the message belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleEdit(Exception):
    """Someone saved the record after this person opened it. `differences` lists, per field,
    the label and the value now saved, where it differs from what this person sent."""

    def __init__(
        self,
        differences: list[tuple[str, str]],
        changed_by: str | None,
        changed_at,
        current_version: int,
        merged=None,
        conflicts: list[str] | None = None,
        fingerprints: str = "",
    ):
        super().__init__("stale edit")
        self.differences = differences
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version
        # Where the record can be merged three ways: the merged values to show in the form, the
        # labels of fields both people changed, and fingerprints of what is saved now.
        self.merged = merged
        self.conflicts = conflicts or []
        self.fingerprints = fingerprints
