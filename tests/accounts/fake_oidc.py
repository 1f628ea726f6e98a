"""A local fake OpenID Connect provider: a real HTTP server on a free loopback port.

It serves a discovery document, its JWKS, an authorization endpoint that redirects back
with a code at once (as if the person had signed in), a token endpoint that returns an
RS256-signed ID token, and userinfo. ``mode`` chooses how the next ID token is spoiled.
"""

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakehttp import FakeServer, JSONHandler

KID = "fake-key-1"


def _private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeProvider(FakeServer):
    """Start with :meth:`start`; ``url`` is its issuer; ``stop`` when done."""

    def __init__(self, client_id: str, client_secret: str):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = _private_key()
        self.other_key = _private_key()  # signs the "bad signature" tokens
        self.mode = "good"  # good | bad_signature | expired
        self.email = "jo.bloggs@example.gov.uk"
        self.email_verified = True
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}
        self.requests: list[str] = []
        super().__init__(self._handler())

    def discovery(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "sub": "user-123",
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": self.email,
        }
        key = self.key
        if self.mode == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif self.mode == "bad_signature":
            key = self.other_key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})

    def _handler(self):
        provider = self

        class Handler(JSONHandler):
            def do_GET(self):
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                provider.requests.append(f"GET {url.path}")
                if url.path == "/.well-known/openid-configuration":
                    return self._json(200, provider.discovery())
                if url.path == "/jwks":
                    return self._json(200, provider.jwks())
                if url.path == "/authorize":
                    if query.get("client_id") != provider.client_id:
                        return self._json(400, {"error": "unauthorized_client"})
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = query
                    target = (
                        query["redirect_uri"]
                        + "?"
                        + urlencode({"code": code, "state": query["state"]})
                    )
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return None
                if url.path == "/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    if token not in provider.access_tokens:
                        return self._json(401, {"error": "invalid_token"})
                    return self._json(
                        200,
                        {
                            "sub": "user-123",
                            "email": provider.access_tokens[token],
                            "email_verified": provider.email_verified,
                            "name": "Jo Bloggs",
                        },
                    )
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                provider.requests.append(f"POST {self.path}")
                if self.path != "/token":
                    return self._json(404, {"error": "not_found"})
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                asked = provider.codes.pop(form.get("code", ""), None)
                if (
                    asked is None
                    or form.get("client_id") != provider.client_id
                    or form.get("client_secret") != provider.client_secret
                    or form.get("redirect_uri") != asked["redirect_uri"]
                ):
                    return self._json(400, {"error": "invalid_grant"})
                # PKCE: the verifier must hash to the challenge sent to /authorize.
                verifier = form.get("code_verifier", "")
                challenge = (
                    base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                    .rstrip(b"=")
                    .decode()
                )
                if challenge != asked.get("code_challenge"):
                    return self._json(400, {"error": "invalid_grant"})
                access_token = secrets.token_urlsafe(16)
                provider.access_tokens[access_token] = provider.email
                return self._json(
                    200,
                    {
                        "access_token": access_token,
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": provider.id_token(asked.get("nonce", "")),
                    },
                )

        return Handler
