"""The upload size limit, enforced as the file streams in.

Django reads a multipart body chunk by chunk through its upload handlers.
:class:`SizeLimitedUploadHandler` goes first and counts the file's bytes; once they pass
``settings.UPLOAD_MAX_BYTES`` it stops the upload, so a huge file is never read into
memory or written to disk in full, and it leaves a note on the request that
:func:`too_big` turns into the sentence the page shows.

The view must call :func:`install` before anything reads ``request.POST`` or
``request.FILES`` (so it is ``csrf_exempt``, with CSRF checked after, as Django's docs
advise for upload handlers).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from performance_platform.lib.tables import format_size

#: The request attribute the handler leaves its note on (the size, or -1 if unknown).
MARKER = "_upload_too_big"


class SizeLimitedUploadHandler(FileUploadHandler):
    """Counts the bytes of the files in a request and stops the upload once they pass
    ``limit`` (``settings.UPLOAD_MAX_BYTES`` unless given). It passes every chunk on to
    the next handler, which keeps the file."""

    def __init__(self, request=None, limit: int | None = None):
        super().__init__(request)
        self.limit = settings.UPLOAD_MAX_BYTES if limit is None else limit
        self.received = 0
        # Not "content_length": the base class keeps each file's own (usually unknown) there.
        self.request_length: int | None = None

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        """Note the request's length, to say how big a refused file was."""
        self.request_length = content_length or None

    def receive_data_chunk(self, raw_data, start):
        """Count the chunk and pass it on, or stop the upload if it is too much."""
        self.received += len(raw_data)
        if self.received > self.limit:
            # The request's length is the file's, give or take the form's few hundred
            # bytes; if it is not known (or not larger), the size is not known either.
            size = self.request_length if (self.request_length or 0) > self.limit else -1
            if self.request is not None:
                setattr(self.request, MARKER, size)
            # connection_reset=False: Django reads (and drops) the rest of the body, so
            # the page can still answer; fields sent before the file are kept.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        """The next handler makes the file object."""
        return None

    def message(self) -> str | None:
        """The sentence for a refused upload, or ``None`` if it was within the limit."""
        if self.received <= self.limit:
            return None
        return refusal(self.request_length if (self.request_length or 0) > self.limit else -1)


def refusal(size: int, limit: int | None = None) -> str:
    """ "The file is 12.4 MB: files can be at most 10 MB" (or "larger than" when the size
    is unknown, or would round to the limit itself)."""
    limit = settings.UPLOAD_MAX_BYTES if limit is None else limit
    most = format_size(limit)
    if size < 0 or format_size(size) == most:
        return f"The file is larger than {most}: files can be at most {most}."
    return f"The file is {format_size(size)}: files can be at most {most}."


def install(request) -> None:
    """Put the size-limiting handler first on the request's upload handlers. Call it
    before anything reads ``request.POST`` or ``request.FILES``."""
    if "_files" in request.__dict__:
        # Too late: the body has been read without the limit (a programming error).
        raise RuntimeError("limits.install() must run before request.POST or FILES is read")
    request.upload_handlers.insert(0, SizeLimitedUploadHandler(request))


def too_big(request) -> str | None:
    """The message for a file refused for its size, or ``None``. Reads the request's body
    (through the handlers) if nothing has yet."""
    request.FILES  # noqa: B018 - parsing the body is what runs the handler
    size = getattr(request, MARKER, None)
    if size is None:
        return None
    return refusal(size)
