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

PAGE_HEADER = "x-allocator-page"
"""The header the page's script sends with each call. No other page can send it: a request
with a header of its own from another origin needs a CORS preflight, which serve never grants
(no `Access-Control-Allow-*` answer). A read that starts a solve (`GET /api/details`) on the
cookie alone must carry it or `Sec-Fetch-Site` same-origin (`from_page_refused`); so must
`GET /api/plan`, whose first call reads and solves the scenario."""

_OR_HEADER = "or send the token in the X-Allocator-Token header (a script)"


def token_refused(request: HTTPConnection, token: str, solves: str | None = None) -> str | None:
    """Why the request does not carry `token` (None: it does), compared in constant time: the
    `X-Allocator-Token` header (a script), else the cookie of this port (the page), which
    counts only from the page itself (`from_page_refused`: a browser sends this host's cookies
    with a request from another port of it, which SameSite holds the same site). Never
    `?token=`: a URL leaks through logs and history. `solves`: what a read that may start a
    solve reads (`the plan`, `the details`), which another page may not start on the cookie
    alone either. Each reason names what is wrong and the fix."""
    given = request.headers.get(TOKEN_HEADER)
    if given is not None:
        if _same(given, token):
            return None
        return (
            "the X-Allocator-Token header holds a token that is not the token this serve "
            "printed (each start prints a new one). Fix: send the token in the URL serve "
            "printed, http://127.0.0.1:PORT/?token=..."
        )
    cookie = request.cookies.get(cookie_name(request.url.port))
    if cookie is None:
        return (
            "the request carries no token: neither the X-Allocator-Token header (a script) nor "
            "the page's cookie (set when the URL serve printed is opened). Fix: open the URL "
            f"serve printed, http://127.0.0.1:PORT/?token=..., {_OR_HEADER}"
        )
    why = from_page_refused(request.headers, request.scope["method"], solves)
    if why is not None:
        return why
    if not _same(cookie, token):
        return (
            "the page's cookie holds a token that is not the token of this serve (one started "
            "earlier on this port set it). Fix: open the URL this serve printed, "
            "http://127.0.0.1:PORT/?token=..."
        )
    return None


def _same(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


def from_page_refused(headers: Headers, method: str, solves: str | None = None) -> str | None:
    """Why a request carrying the cookie alone is not shown to come from the page itself
    (None: it is), in words naming what it shows and the fix. One that reads (GET) may also
    come from no page at all (`Sec-Fetch-Site` none: a typed address) or from a browser that
    sends no `Sec-Fetch-Site`, unless it may start a solve (`solves`: what it reads, the plan
    or the details), which must
    show it: `Sec-Fetch-Site` same-origin, or none sent and the page's `X-Allocator-Page`
    header (an `<img>` or a link on another page can send neither). One that changes something
    (POST) must show it: `Sec-Fetch-Site` same-origin, or `Origin` this host's own. A browser
    older than `Sec-Fetch-Site` (Firefox < 90, Safari < 16.4) posting a form from another port
    of this host sends the cookie and, before Firefox 70, no `Origin` either: refused here."""
    site = headers.get("sec-fetch-site")
    origin = headers.get("origin")
    own = f"http://{headers.get('host', '')}"
    if method not in SAFE_METHODS:
        if site == "same-origin" or (site is None and origin == own):
            return None
        return (
            "a change sent with the page's cookie alone must come from the page itself as "
            f"same-origin JSON (Sec-Fetch-Site same-origin, or Origin {own[:80]}; Content-Type "
            f"application/json), and this one shows {_shows(site, origin)}. Fix: use the page "
            f"serve printed, {_OR_HEADER}"
        )
    if site is not None and site not in ("same-origin", "none"):
        return (
            f"a read sent with the page's cookie alone from another page ({_shows(site, origin)}; "
            "a browser sends this machine's cookie to the pages of its other ports too): only "
            f"the page serve printed may read the plan. Fix: use that page, {_OR_HEADER}"
        )
    if solves is None or site == "same-origin" or (site is None and PAGE_HEADER in headers):
        return None
    return (
        f"a request for {solves} (a solve) sent with the page's cookie alone must come from "
        "the page's script (Sec-Fetch-Site same-origin, or the X-Allocator-Page header it "
        f"sends), and this one shows {_shows(site, origin)}: a link or an image on another page "
        f"starts no solve. Fix: use the page serve printed, {_OR_HEADER}"
    )


def _shows(site: str | None, origin: str | None) -> str:
    """What a request shows of where it comes from, in words."""
    said = [f"Sec-Fetch-Site {site[:20]}" if site is not None else "no Sec-Fetch-Site"]
    said.append(f"Origin {origin[:80]}" if origin is not None else "no Origin")
    return " and ".join(said).encode("ascii", "backslashreplace").decode()


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
