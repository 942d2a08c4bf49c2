"""The domain's refusals: one base class, which the API maps to HTTP in one place (api/exceptions.py).

A service refuses in one of two ways:
- input that breaks a rule of a field or row raises Django's ValidationError, with messages by field
  (as a model's clean() does), so that the admin's forms, the API (422) and the commands show them
  beside the field;
- anything else raises a DomainError: a Conflict with the stored state (409: the assignment has
  ended, the UUID is stored with other content, the achievement was reviewed), or NotAllowed for
  this user and row (403). A NotFound (404) is for a row named by a code that does not exist.

Never ValueError or a bare Exception: those are 500s. Messages are for people: translated, and
naming the field or the row in the user's words. Defined here, at the bottom of the layers, so that
every app may raise them.
"""


class DomainError(Exception):
    """A business rule's refusal, with a message for people and a machine-readable code."""

    code = "refused"

    def __init__(self, message, *, code=None, field=None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        # The request field the refusal is about, where there is one (the API names it in `fields`).
        self.field = field

    def __str__(self):
        return str(self.message)


class Conflict(DomainError):
    """The stored state does not allow it (HTTP 409): ended, reviewed, stored with other content."""

    code = "conflict"


class NotAllowed(DomainError):
    """This user may not do this to this row (HTTP 403)."""

    code = "permission_denied"


class NotFound(DomainError):
    """The row named does not exist, or is outside the user's scope: the two are never told apart (HTTP 404)."""

    code = "not_found"
