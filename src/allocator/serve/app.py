"""The served page and its API (Starlette): the plan as the report shows it, the cells to set,
what moved against the plan first loaded, and Save.

Routes: `GET /` (the page), `GET /api/plan`, `POST /api/set` (`{"set": ["TABLE.KEY.COLUMN=V"]}`),
`POST /api/reset`, `GET /api/details?rev=N`, `POST /api/save` (`{"name": "..."}`); nothing else
is served. Every request must name this machine and come from the page itself when it changes
something; every API request must also carry the token (the `X-Allocator-Token` header, or the
cookie the page's first load sets): 403 otherwise (`guard`), and never in the URL. The page
itself holds no plan and no token, so it is served without one; the address serve prints,
`/?token=...`, is the one request with the token in its URL: it sets the cookie (HttpOnly, so
the script never holds the token) and redirects to `/`. A body, a revision and the cells are
read in `body`; a stop is `stopping`'s. Errors are one JSON document
with the words `allocator solve` prints (`error`, `details`, `exit_code`): 400 for bad input,
422 when no plan is feasible, 413 for a body past `MAX_BODY`, 500 (and one log line without the
URL's query, which holds the token) for a fault of the program.

The plan, set and reset answer with revision `rev` of the plan: the headline (with the part that
existed before the plan, as `allocator solve` says it), the outcomes, the money by program and
what moved (`page_state`); the page then asks `/api/details?rev=N` for
the prices, tie classes and report of that revision (`details_state`), which are refused (409,
`"status": "stale"`) once a later revision exists, also when it was answered while they were
solved.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from allocator.errors import AllocatorError, UsageError, printable
from allocator.pasted import command
from allocator.serve.body import MAX_BODY as MAX_BODY  # the limit, said where the API is
from allocator.serve.body import ApiError, read_body, read_rev, read_texts
from allocator.serve.guard import SECURE as _SECURE
from allocator.serve.guard import LocalOnly, cookie_name, token_refused
from allocator.serve.guard import error as _error
from allocator.serve.stopping import STOPPED, Scenario

if TYPE_CHECKING:  # the model, pandas and HiGHS load on the first API request, not at start
    from allocator.serve.held import Answer, Details, HeldModel

HEADER = "X-Allocator-Token"
HOSTS = ("127.0.0.1", "localhost")
Handler = Callable[[Request], Awaitable[Response]]
LOG = logging.getLogger("allocator.serve")


class Api:
    """The endpoints over one scenario, each behind the token (`guarded`)."""

    def __init__(self, scenario: Scenario, token: str, models: Path, results: Path) -> None:
        self.scenario, self.token = scenario, token
        self.models, self.results = models, results

    def guarded(self, handler: Handler, token: bool = True, solves: str | None = None) -> Handler:
        """`handler` answering only with the token (unless `token` is False: the page, which
        holds neither plan nor token), each refusal saying what is wrong (`token_refused`;
        `solves`: what a read that may start a solve reads (the plan's first call solves
        the scenario; the details solve), which the cookie alone starts only from the
        page's script); errors as one JSON document."""

        async def endpoint(request: Request) -> Response:
            why = token_refused(request, self.token, solves) if token else None
            if why is not None:
                return _error(403, why)
            try:
                return await handler(request)
            except ApiError as exc:
                return _error(exc.status, str(exc))
            except asyncio.CancelledError:  # uvicorn gave up on it past its graceful shutdown
                return _error(503, STOPPED)
            except AllocatorError as exc:
                return _refused(exc)
            except Exception as exc:  # a fault of the program: one line, not a traceback
                return _unforeseen(request, exc)

        return endpoint

    async def page(self, request: Request) -> Response:
        """The page (its script asks the API for the plan; the browser sends the cookie); its
        CSP lets only that script run. The same bytes for everyone: no plan, no token in it.

        The address serve prints, `/?token=...`, is answered with a redirect to `/` (out of the
        address bar and the history) that sets the token as an HttpOnly, SameSite=Strict cookie
        of this port, when it is the right one (as Jupyter does): the only request that may
        carry the token in its URL."""
        if "token" in request.query_params:
            moved = RedirectResponse("/", status_code=303, headers=_SECURE)
            given = request.query_params["token"]
            if hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8")):
                name = cookie_name(request.url.port)
                moved.set_cookie(name, self.token, httponly=True, samesite="strict")
            return moved
        html, script = page_parts()
        return HTMLResponse(html, headers=_page_headers(script))

    def _answered(self, step: str, *args: Any) -> Response:
        held = self.scenario.held()
        return page_state(held, getattr(held, step)(*args))

    def _detailed(self, rev: int) -> Response:
        """The details of `rev`; refused when it is not the plan shown, also when an edit
        overtook them while they were solved (their report is then not rendered)."""
        from allocator.serve.held import StaleError

        held = self.scenario.held()
        try:
            details = held.details(rev)
            if details.stale:
                raise StaleError(rev, held.rev)
        except StaleError as exc:
            if exc.rev > exc.current:
                return _error(400, str(exc))
            body = {"status": "stale", "error": str(exc), "rev": exc.rev, "current": exc.current}
            return JSONResponse(body, status_code=409, headers=_SECURE)
        return details_state(details)

    async def plan(self, request: Request) -> Response:
        """The current plan (the first call solves the scenario as given)."""
        return await self.scenario.threaded(self._answered, "answer")

    async def set_cells(self, request: Request) -> Response:
        """Set the cells of `{"set": [...]}` and re-solve."""
        texts = read_texts((await read_body(request)).get("set"))
        return await self.scenario.threaded(self._answered, "edit", texts)

    async def reset(self, request: Request) -> Response:
        """Back to the plan first loaded."""
        await read_body(request)
        return await self.scenario.threaded(self._answered, "reset")

    async def details(self, request: Request) -> Response:
        """The prices, tie classes and report of revision `?rev=N` (`details_state`)."""
        return await self.scenario.threaded(
            self._detailed, read_rev(request.query_params.get("rev"))
        )

    async def save(self, request: Request) -> Response:
        """Save the scenario as `{"name": ...}`: a model file and a run folder."""
        from allocator.serve.save import save

        name = (await read_body(request)).get("name")
        held = await self.scenario.threaded(self.scenario.held)
        saved = await self.scenario.threaded(save, held, name, self.models, self.results)
        folder = saved.run.folder
        return JSONResponse(
            {
                "status": "saved",
                "model_file": str(saved.model_file),
                "run_folder": None if folder is None else str(folder),
                "command": command("solve", saved.model_file),
                "headline": saved.run.info["objective"],
                "warnings": warning_lines(saved.notes),
            },
            headers=_SECURE,
        )


def create_app(
    scenario: Scenario | HeldModel,
    token: str,
    models: Path = Path("models"),
    results: Path = Path("results"),
    hosts: tuple[str, ...] = HOSTS,
) -> Starlette:
    """The ASGI app over `scenario`; `models` and `results` are where Save writes; only
    requests naming one of `hosts` are answered (a page elsewhere cannot rebind the name)."""
    if not isinstance(scenario, Scenario):
        made = scenario
        scenario = Scenario(lambda: made)
    api = Api(scenario, token, models, results)
    routes = [
        Route("/", api.guarded(api.page, token=False), methods=["GET"]),
        Route("/api/plan", api.guarded(api.plan, solves="the plan"), methods=["GET"]),
        Route("/api/set", api.guarded(api.set_cells), methods=["POST"]),
        Route("/api/reset", api.guarded(api.reset), methods=["POST"]),
        Route("/api/details", api.guarded(api.details, solves="the details"), methods=["GET"]),
        Route("/api/save", api.guarded(api.save), methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(LocalOnly, hosts=hosts)],
        exception_handlers={HTTPException: _http_error},
    )


def _refused(exc: AllocatorError) -> Response:
    """An error of the data or the request, as `allocator solve` words it."""
    code = getattr(exc, "exit_code", 2)
    details = [printable(line) for line in getattr(exc, "details", [])]
    return _error(400 if code == 2 else 422, printable(str(exc)), details, code)


def _unforeseen(request: Request, exc: Exception) -> Response:
    """An error no check foresaw: a file-system fault (a full disk) in one line as the CLI
    says it, else a 500 naming the error and where it was raised; logged in one line with the
    route, never the URL's query (it holds the token)."""
    from allocator.report.faults import fault_line

    line = fault_line(exc)
    if line is not None:
        return _refused(UsageError(line))
    words = printable(f"{type(exc).__name__}: {exc}{_raised_at(exc)}")
    LOG.error("allocator serve: %s %s failed: %s", request.method, request.url.path, words)
    return _error(
        500,
        f"allocator serve failed: {words}. Fix: report it with these words; the plan held "
        "is the last one answered",
    )


def _raised_at(exc: BaseException) -> str:
    """` at file.py:line`: the innermost line of allocator's own code that `exc` went through."""
    where, ours = exc.__traceback__, ""
    while where is not None:
        code = where.tb_frame.f_code
        if f"allocator{os.sep}" in code.co_filename:
            ours = f" at {Path(code.co_filename).name}:{where.tb_lineno}"
        where = where.tb_next
    return ours


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    words = {404: "no such page: serve has its page (/) and its API (/api/...) only"}
    return _error(status, words.get(status, str(getattr(exc, "detail", "refused"))))


def page_state(held: HeldModel, answer: Answer) -> Response:
    """The answer to a plan, set or reset: revision, headline, outcomes, money by program,
    what moved against the plan first loaded, and the cells (the report comes with the
    details: `details_state`)."""
    from allocator.serve.brief import cells_of
    from allocator.serve.moved import moved

    brief = answer.brief
    assert held.first is not None
    return JSONResponse(
        {
            "status": "optimal",
            "rev": answer.rev,
            "details": f"/api/details?rev={answer.rev}",
            "headline": _headline(brief.objective) | {"split": brief.split},
            "levels": list(brief.levels),
            "outcomes": brief.outcomes,
            "programs": brief.programs,
            "moved": moved(held.first, brief),
            "sets": answer.sets,  # this answer's, not the held model's of the moment
            "how": answer.how,
            "seconds": round(answer.seconds, 4),
            "cells": cells_of(answer.inputs, held.dataset()),
            "warnings": warning_lines(answer.warnings),
        },
        headers=_SECURE,
    )


def warning_lines(notes: list[str]) -> list[str]:
    """Each note as `allocator solve` says it on stderr: `warning: ...`, one line."""
    return [f"warning: {printable(note)}" for note in notes]


def details_state(details: Details) -> Response:
    """The details of a revision: the report's sections (prices, ranges, whole units), the
    headline as the report shows it, and the tie classes, each number as the quick answer
    gives it (`brief.as_tables`: run.json's, to 12 significant digits), so the page shows one
    number one way."""
    from allocator.report.assumed import assumptions_of
    from allocator.report.existing import headline_split
    from allocator.report.html import render
    from allocator.serve.brief import as_tables
    from allocator.serve.moved import shown_ties

    run = details.run
    info = run.info | {
        part: {k: as_tables(v) for k, v in run.info[part].items()}
        for part in ("objective", "outcomes")
    }
    page = render(run.tables, info, assumptions_of(run.inputs, run.tables))
    style = page.partition("<style>")[2].partition("</style>")[0]
    body = page.partition("<body>")[2].rpartition("<script>")[0]
    solver = run.solution.solver
    split = headline_split(info, run.tables.get("outcomes"))
    ties = [
        c
        | {k: as_tables(c[k]) for k in ("money", "money_low", "money_high") if k in c}
        | {"programs": [{k: as_tables(v) for k, v in m.items()} for m in c["programs"]]}
        for c in solver.get("tie_classes") or []
    ]
    return JSONResponse(
        {
            "status": "optimal",
            "rev": details.rev,
            "stale": details.stale,
            "headline": _headline(info["objective"]) | {"split": split},
            "report": body,
            "report_css": style,
            "ties": solver.get("ties"),
            "tie_classes": shown_ties(ties),
            "seconds": round(details.seconds, 4),
        },
        headers=_SECURE,
    )


def _headline(objective: dict[str, Any]) -> dict[str, Any]:
    """run.json's objective with the number as report.html shows it."""
    from allocator.report.rounding import shown

    return objective | {"shown": shown(float(objective["value"]), str(objective.get("unit", "")))}


def page_html() -> str:
    """The page, its script and style put inline (package data, no CDN, nothing fetched)."""
    return page_parts()[0]


def page_parts() -> tuple[str, str]:
    """The page and the script put inline in it."""
    here = resources.files("allocator.serve")
    html = (here / "page.html").read_text(encoding="utf-8")
    script = (here / "page.js").read_text(encoding="utf-8")
    style = (here / "page.css").read_text(encoding="utf-8")
    return html.replace("/*STYLE*/", style).replace("/*SCRIPT*/", script), script


def _page_headers(script: str) -> dict[str, str]:
    """_SECURE with a CSP that runs `script` (by its SHA-256) and nothing else: no inline event
    handler, so HTML put in the page with innerHTML (the report) can never run a script."""
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    policy = _SECURE["Content-Security-Policy"].replace(
        "script-src 'unsafe-inline'", f"script-src 'sha256-{digest}'"
    )
    return _SECURE | {"Content-Security-Policy": policy}
