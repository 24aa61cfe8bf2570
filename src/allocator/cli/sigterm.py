"""SIGTERM's handler (`on_sigterm`), in a module that imports nothing: the console script's
entry point (`allocator.cli.main`) installs it on its first line, before typer, rich and the
command line are imported, and `root.main` again for a caller of the command line alone."""


def on_sigterm(signum: int, _frame: object) -> None:
    """Unwind as Ctrl-C does, so a half-written run folder is removed and the interrupt is said
    as Ctrl-C's (one line, exit 130: `allocator.cli.main`, `root.main`, `exits.exit_codes`)."""
    raise KeyboardInterrupt(f"signal {signum}")
