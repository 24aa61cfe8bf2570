"""typer's help renderer (`typer.rich_utils`) without the two rich modules `--help` never uses.

`typer.rich_utils` imports `rich.markdown` (markdown-it, 25-35 ms) and `rich.traceback`
(pygments, attrs, 15-20 ms) at its top, for help in markdown mode (this app uses rich markup)
and for pretty tracebacks (off here). typer 0.29 has no option to leave them out. So
`import_rich_utils` imports it with a stand-in for each of the two classes it takes from them:
the stand-in loads the real class when first called, read or checked against, and neither
stand-in module stays in `sys.modules`, so any later `import rich.markdown` is the real one.
The help text is the same to the byte (tests/test_import_deferred.py).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}
"""The modules `typer.rich_utils` imports but `--help` does not use, and the class it takes."""


class Deferred(type):
    """The type of a stand-in class: calling it, reading an attribute of it or an isinstance
    or issubclass check loads the real class (from the module named by its `_module`)."""

    def real(cls) -> Any:
        """The class the stand-in stands for (its module imported now, once)."""
        module = type.__getattribute__(cls, "_module")
        if getattr(sys.modules.get(module), cls.__name__, None) is cls:  # still the stand-in
            del sys.modules[module]
        return getattr(importlib.import_module(module), cls.__name__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls.real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls.real(), name)

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls.real())

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, cls.real())


def stand_in(module: str, name: str) -> types.ModuleType:
    """A module object holding a stand-in for `module`.`name`; any other name read from it
    imports the real module (which then replaces it in `sys.modules`)."""
    stub = types.ModuleType(module)
    setattr(stub, name, Deferred(name, (), {"_module": module, "__module__": module}))

    def __getattr__(attr: str) -> Any:  # noqa: N807 - a module's own attribute hook (PEP 562)
        if attr.startswith("__"):  # what the import system asks of any module (__path__)
            raise AttributeError(attr)
        if sys.modules.get(module) is stub:
            del sys.modules[module]
        return getattr(importlib.import_module(module), attr)

    stub.__getattr__ = __getattr__  # type: ignore[method-assign]  # PEP 562: the module's own
    return stub


def import_rich_utils() -> None:
    """Import `typer.rich_utils` (if not yet) with stand-ins for the classes of `DEFERRED` whose
    modules are not imported yet; the stand-in modules are gone from `sys.modules` after."""
    if "typer.rich_utils" in sys.modules:
        return
    placed = {m: stand_in(m, name) for m, name in DEFERRED.items() if m not in sys.modules}
    sys.modules.update(placed)
    try:
        importlib.import_module("typer.rich_utils")
    finally:
        for module, stub in placed.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]
