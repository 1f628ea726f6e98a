"""The two ways a transform can fail: a configuration that cannot work, and data that
cannot be transformed."""

from performance_platform.worker.runner import PermanentError


class TransformConfigError(ValueError):
    """A transform whose query or options cannot work; ``field`` names the culprit."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TransformError(PermanentError):
    """The source data cannot be transformed (a non-numeric count, say).

    Retrying cannot help, so the task fails at once with this message kept; nothing of
    the run is written. Fixing the source data queues the transform again.
    """
