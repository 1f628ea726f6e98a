"""A fake web server publishing files, for the "file at a URL" collector: each path serves
its bytes with a content type, optionally only to requests carrying given headers (a 401
otherwise, as a server behind a bearer token answers)."""

from urllib.parse import urlsplit

from .scripted import ScriptedFake, Seen

CSV = "text/csv; charset=utf-8"
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FakeFiles(ScriptedFake):
    """Serves ``files``: path -> (bytes, content type)."""

    def __init__(self, files: dict[str, tuple[bytes, str]] | None = None, require=None):
        self.files = dict(files or {})
        self.require = dict(require or {})
        super().__init__()

    def publish(self, path: str, content: bytes | str, content_type: str = CSV) -> str:
        """Serve ``content`` at ``path``; its full URL."""
        if isinstance(content, str):
            content = content.encode()
        self.files[urlsplit(path).path] = (content, content_type)
        return self.url + path

    def answer(self, seen: Seen) -> tuple[int, dict, bytes]:
        """The file, or 401 without the required headers, or 404."""
        for name, value in self.require.items():
            if seen.headers.get(name) != value:
                return 401, {"WWW-Authenticate": "Bearer"}, b'{"message": "Invalid token"}'
        if seen.path not in self.files:
            return 404, {"Content-Type": "text/plain"}, b"Not found"
        content, content_type = self.files[seen.path]
        return 200, {"Content-Type": content_type}, content
