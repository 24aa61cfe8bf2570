"""Who the served page answers: requests that name this machine (`Host`: a page elsewhere whose
name was rebound to 127.0.0.1 sends its own), that come from the page itself when they change
something (`Origin`, `Sec-Fetch-Site`: a cross-site form or fetch), and that carry the token
(compared in constant time) in a header or the page's cookie, never in the URL. Each refusal is
a 403 with the API's one JSON line.

Starlette's TrustedHostMiddleware checks the host only, answering 400 in plain text; the rules
here are three comparisons of header values, so they are written out (`LocalOnly`).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

SECURE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the first URL holds the token: never sent elsewhere
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; img-src data:; connect-src 'self'; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'",
}
"""The headers of every answer."""

SAFE_METHODS = frozenset({"GET", "HEAD"})
"""Methods that change nothing: another page may link to them (with the token)."""

_HOST = re.compile(r"(?P<name>[^:]*)(?::[0-9]{1,5})?")


def error(status: int, message: str, details: list[str] | None = None, code: int = 2) -> Response:
    """One JSON error: the words of the CLI's `error:` line and the exit code it would give."""
    body = {"status": "error", "exit_code": code, "error": message, "details": details or []}
    return JSONResponse(body, status_code=status, headers=SECURE)


def host_refused(host: str, names: Iterable[str]) -> str | None:
    """Why a request whose `Host` header is `host` is refused (None: it names this machine)."""
    match = _HOST.fullmatch(host)
    if match is not None and match["name"] in names:
        return None
    shown = host[:80].encode("ascii", "backslashreplace").decode() or "(none)"
    return (
        f"the request names the host {shown!r}, and serve answers only "
        f"{' and '.join(names)} (another site's page may have had its name rebound to this "
        "machine). Fix: open the URL serve printed, http://127.0.0.1:PORT/?token=..."
    )


def origin_refused(headers: Headers, method: str) -> str | None:
    """Why a request from another page is refused (None: from the page itself, or from no
    page at all, as curl). A browser sends `Origin` with every change and `Sec-Fetch-Site`
    with every request; the page's own are this host's origin and `same-origin`."""
    origin = headers.get("origin")
    own = f"http://{headers.get('host', '')}"
    if origin is not None and origin != own:
        return _another_page(origin[:80])
    site = headers.get("sec-fetch-site")
    if method not in SAFE_METHODS and site is not None and site not in ("same-origin", "none"):
        return _another_page(f"Sec-Fetch-Site {site[:20]}")
    return None


def _another_page(what: str) -> str:
    shown = what.encode("ascii", "backslashreplace").decode()
    return (
        f"a request from another page ({shown}): only the page serve printed may change the "
        "plan. Fix: use that page, http://127.0.0.1:PORT/?token=..."
    )


COOKIE = "allocator-serve"
"""The name of the token's cookie, with the port after it (`cookie_name`)."""


def cookie_name(port: int | None) -> str:
    """The token's cookie on `port`: a cookie is the host's, whatever its port, so two servers
    on one machine each name their own."""
    return COOKIE if port is None else f"{COOKIE}-{port}"


TOKEN_HEADER = "x-allocator-token"
"""The header a script sends the token in (a browser's page sends the cookie)."""


def token_given(request: HTTPConnection, token: str) -> bool:
    """Whether the request carries `token`, compared in constant time: the `X-Allocator-Token`
    header (a script), else the cookie of this port (the page), which counts only from the page
    itself (`from_page`: a browser sends this host's cookies with a request from another port
    of it, which SameSite holds the same site). Never `?token=`: a URL leaks through logs and
    history."""
    given = request.headers.get(TOKEN_HEADER)
    if given is None:
        if not from_page(request.headers, request.scope["method"]):
            return False
        given = request.cookies.get(cookie_name(request.url.port), "")
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def from_page(headers: Headers, method: str) -> bool:
    """Whether a request carrying the cookie alone shows it comes from the page itself. One
    that reads (GET) may also come from no page at all (`Sec-Fetch-Site` none: a typed address)
    or from a browser that sends no `Sec-Fetch-Site`. One that changes something (POST) must
    show it: `Sec-Fetch-Site` same-origin, or `Origin` this host's own. A browser older than
    `Sec-Fetch-Site` (Firefox < 90, Safari < 16.4) posting a form from another port of this
    host sends the cookie and, before Firefox 70, no `Origin` either: that is refused here."""
    site = headers.get("sec-fetch-site")
    if method in SAFE_METHODS:
        return site in (None, "same-origin", "none")
    return site == "same-origin" or (
        site is None and headers.get("origin") == f"http://{headers.get('host', '')}"
    )


def json_refused(headers: Headers) -> str | None:
    """Why the body of a change carrying the cookie alone is refused (None: its `Content-Type`
    is application/json, which the page sends and which no form can: a form's text/plain,
    urlencoded or multipart body is never read as the API's JSON). A script sending the
    `X-Allocator-Token` header may send any type."""
    if TOKEN_HEADER in headers:
        return None
    given = headers.get("content-type", "")
    if given.split(";", 1)[0].strip().lower() == "application/json":
        return None
    shown = given[:60].encode("ascii", "backslashreplace").decode() or "(none)"
    return (
        f"the request body is of Content-Type {shown}, and a change from the page is "
        "application/json only (a form on another page cannot send that). Fix: use the page "
        "serve printed, or send Content-Type: application/json"
    )


class LocalOnly:
    """ASGI middleware: every HTTP request must name this machine (`host_refused`) and come
    from the page itself (`origin_refused`), else a 403 before any route runs."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app, self.hosts = app, tuple(hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse or pass on the request."""
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            why = host_refused(headers.get("host", ""), self.hosts) or origin_refused(
                headers, scope["method"]
            )
            if why is not None:
                await error(403, why)(scope, receive, send)
                return
        await self.app(scope, receive, send)
