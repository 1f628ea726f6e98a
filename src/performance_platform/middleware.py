"""Project-wide response middleware: compression of text responses.

Pages and data can be large (the services index of 800 services is close to 1 MB of
HTML) and compress well, so every text response is gzipped for clients that accept it.
"""

import re

from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_vary_headers

#: Media types worth compressing: text of every kind, JSON, JavaScript, SVG and XML.
COMPRESSIBLE = re.compile(
    r"^(text/|application/(json|javascript|xml|manifest\+json)|image/svg\+xml)", re.I
)


class TextGZipMiddleware(GZipMiddleware):
    """Django's ``GZipMiddleware``, for text only, and with 304s that match its 200s.

    Django's middleware compresses any response of 200 bytes or more when the client
    accepts gzip, adds ``Vary: Accept-Encoding``, and turns a strong ETag into a weak one
    (``W/"..."``): the compressed bytes differ from those the ETag was computed for, so
    they may only be called equivalent (RFC 9110, 8.8.3). Here:

    * only text is compressed: fonts, images and archives are compressed already;
    * a ``304 Not Modified`` carries the ETag and ``Vary`` the ``200`` would have carried
      (RFC 9110, 15.4.5). A client revalidating a gzipped copy names the weak ETag in
      ``If-None-Match`` (views compare ETags weakly, so it matches), and gets it back.
    """

    def process_response(self, request, response):
        if response.status_code == 304:
            self._match_the_200(request, response)
            return response
        media_type = response.get("Content-Type", "")
        if not COMPRESSIBLE.match(media_type):
            return response
        return super().process_response(request, response)

    @staticmethod
    def _match_the_200(request, response) -> None:
        etag = response.get("ETag", "")
        if etag.startswith('"'):
            named = [tag.strip() for tag in request.META.get("HTTP_IF_NONE_MATCH", "").split(",")]
            if f"W/{etag}" in named:
                response.headers["ETag"] = f"W/{etag}"
        patch_vary_headers(response, ("Accept-Encoding",))
