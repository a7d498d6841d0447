"""Domain errors raised by services; the API turns them into JSON with a code and a field."""


class DomainError(Exception):
    code = "invalid"
    status_code = 400
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field
        if code is not None:
            self.code = code


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status_code = 409
    field = "status"


class NotPermitted(DomainError):
    code = "permission_denied"
    status_code = 403
