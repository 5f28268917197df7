"""The one error type services raise for a request a person can correct."""


class ServiceError(Exception):
    """A rule was broken; `field` names the form field the message belongs to, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
