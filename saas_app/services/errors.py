"""Errors a person can act on: an untranslated message (marked with N_) and its parameters."""


class ServiceError(Exception):
    """A refusal with a message the UI translates and shows; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str = "", **params: object) -> None:
        super().__init__(message.format(**params) if params else message)
        self.message = message
        self.field = field
        self.params = params


class NotFound(ServiceError):
    """The thing does not exist, or belongs to another organization: the two look the same."""


class PermissionDenied(ServiceError):
    """The signed-in role does not allow this."""


class Conflict(ServiceError):
    """Another row already holds this value (a phone, an invoice number)."""
