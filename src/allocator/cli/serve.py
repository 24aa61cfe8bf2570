"""`allocator serve`: the what-if page on 127.0.0.1 (`allocator.serve`), until Ctrl-C.

Registered on the one typer app of `commands` (imported by the package, as `freedom` is).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any

import typer

from allocator.cli.commands import Measure, Rate, Sets, app
from allocator.cli.console import STDOUT
from allocator.cli.exits import exit_codes
from allocator.cli.helps import INPUTS_HELP, OBJECTIVE_HELP, TARGETS_HELP
from allocator.cli.options import run_spec
from allocator.cli.render import err

if TYPE_CHECKING:
    import socket

    import uvicorn

HOST = "127.0.0.1"
MAX_PORT = 65535
"""The highest TCP port number (`--port`, from 1)."""


@app.command()
def serve(
    model: Annotated[
        Path | None, typer.Argument(help="Model file (models/*.yaml); options below override it.")
    ] = None,
    inputs: Annotated[Path | None, typer.Option(help=INPUTS_HELP)] = None,
    objective: Annotated[str | None, typer.Option(help=OBJECTIVE_HELP)] = None,
    targets: Annotated[str | None, typer.Option(help=TARGETS_HELP)] = None,
    port: Annotated[
        int | None,
        typer.Option(help="Port on 127.0.0.1, 1 to 65535 (default: a free one)."),
    ] = None,
    models: Annotated[
        Path, typer.Option(help="Folder where Save writes the scenario's model file.")
    ] = Path("models"),
    results: Annotated[
        Path, typer.Option(help="Folder where Save writes the scenario's run folder.")
    ] = Path("results"),
    measure: Measure = None,
    discount_rate: Rate = None,
    cell_sets: Sets = None,
) -> None:
    """A local web page that re-solves the plan as you change budgets, caps, floors, targets
    and coefficients; Save writes a model file and a run folder. Ctrl-C stops it."""
    with exit_codes():
        import secrets

        from allocator.serve.app import create_app
        from allocator.serve.stopping import Scenario

        if port is not None:  # before anything is read or bound
            from allocator.runs.arguments import check_count

            why = "a TCP port on 127.0.0.1; without --port a free one is chosen"
            check_count("--port", port, (1, MAX_PORT), why, 8765)
        for path, what in ((model, "model file"), (inputs, "--inputs")):
            if path is not None and not path.exists():
                from allocator.errors import UsageError

                raise UsageError(f"{what} {path} not found. Fix: give an existing path")

        def held() -> Any:  # on the page's first request: the server starts (and stops) at once
            from allocator.runs.common import scenario_of
            from allocator.serve.held import HeldModel

            opts = run_spec(
                model, inputs, objective, None, targets, measure, discount_rate, cell_sets
            )
            scenario_of(opts)  # a dataset, model file or --set that does not load: refused
            return HeldModel(opts)

        scenario = Scenario(held)
        token = secrets.token_urlsafe(24)
        sock = bound(port)
        try:
            server = server_of(create_app(scenario, token, models, results), scenario.stop)
            with _signals_to(server):  # before the URL: a Ctrl-C at once stops as any later
                say_url(f"http://{HOST}:{sock.getsockname()[1]}/?token={token}")
                server.run(sockets=[sock])
                scenario.finish()  # a cancelled solve unwinds, a Save is undone or kept whole
        finally:
            sock.close()
        err.print("allocator serve: stopped")


def say_url(url: str) -> None:
    """The page's address on standard output, through the console whose failed write is
    `OutputLost` (a full device: one line, exit 2; a closed pipe: exit 141), not a traceback."""
    STDOUT.write(f"allocator serve: open {url}\nCtrl-C stops the server.\n")
    STDOUT.flush()


def bound(port: int | None) -> "socket.socket":
    """A listening socket on 127.0.0.1: `port`, or a free one the system picks.

    Raises:
        UsageError: the port is taken or may not be used.
    """
    import errno
    import socket

    from allocator.errors import UsageError

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port or 0))
    except OSError as exc:
        sock.close()
        why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
        raise UsageError(
            f"--port {port}: port {port} on {HOST} {why}. "
            "Fix: give another --port, or leave --port out (a free port is chosen)"
        ) from None
    sock.listen(128)  # before the URL is printed: a request sent at once waits, not refused
    return sock


def server_of(asgi: Any, on_stop: Callable[[], None] = lambda: None) -> "uvicorn.Server":
    """The uvicorn server of `asgi`: no access log (a URL holds the token), warnings only.
    Ctrl-C or SIGTERM also calls `on_stop` (`Scenario.stop`): a request waiting on a solve is
    answered at once and the solve cancelled (the held one, a details solve, a Save's run), so
    the graceful shutdown never has to cancel a request (uvicorn's traceback and plain-text
    500) nor wait for the solve to end."""
    import uvicorn

    config = uvicorn.Config(
        asgi,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="none",
        server_header=False,
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    exit_now = server.handle_exit

    def handle_exit(sig: int, frame: FrameType | None) -> None:
        exit_now(sig, frame)
        on_stop()

    server.handle_exit = handle_exit  # type: ignore[method-assign]  # uvicorn's signal handler
    return server


@contextmanager
def _signals_to(server: "uvicorn.Server") -> Iterator[None]:
    """SIGINT and SIGTERM stop `server` gracefully from now on, also before uvicorn listens
    for them itself (a signal then makes it stop as soon as it has started) and after, when
    uvicorn raises them again for the handler it found: this one, so the command ends with
    exit 0 and no traceback."""
    import signal

    handled = (signal.SIGINT, signal.SIGTERM)
    before = {sig: signal.signal(sig, server.handle_exit) for sig in handled}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
