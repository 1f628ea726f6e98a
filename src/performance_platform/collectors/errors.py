"""What can go wrong in a collector run, sorted by what the runner does about it."""


class CollectorError(Exception):
    """A run failed; ``message`` says why in words for the collector's owners."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AuthFailed(CollectorError):
    """The provider refused the credentials (401 or 403). Not retried: the collector is
    marked broken until someone fixes it, and its owners are told."""


class Retryable(CollectorError):
    """A failure that may pass: a timeout, a lost connection, a 5xx or a 429.

    ``retry_after`` is the provider's ``Retry-After`` in seconds, when it sent one.
    """

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Malformed(CollectorError):
    """The provider answered with something we cannot read. Nothing is stored."""


class ConfigProblem(CollectorError):
    """The collector's configuration cannot work (a bad query, missing credentials)."""


class AlreadyRunning(CollectorError):
    """Another worker (or person) holds this collector's lease."""
