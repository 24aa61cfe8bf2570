"""The YAML loader of model files: the safe loader, refusing keys given twice and nesting past
MAX_YAML_DEPTH, and reading every int and float by allocator's one number rule; and the words
for a key the schema does not know, with the key it probably is."""

from __future__ import annotations

import difflib
import re
import typing
from pathlib import Path

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from allocator.data.numbers import parse_number
from allocator.data.plaintext import text_problem
from allocator.errors import PicklableError, printable

MAX_YAML_DEPTH = 50  # a model file is 4 levels deep; past Python's recursion limit is a traceback
MAX_ALIASED_VALUES = 10_000
"""Most values a model file may reach through aliases (`*name`), each alias counting every value
under its anchor: nine levels of ten aliases ("billion laughs") would be 1e9 values, and the
checks after loading would take minutes and gigabytes to walk them. A real file uses a few."""


class Refused(PicklableError, yaml.MarkedYAMLError):
    """YAML that parses but that a model file must not hold; carries its own fix."""

    def __init__(self, problem: str, mark: yaml.Mark, fix: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.fix = fix


class ModelFileLoader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice (YAML would keep the last silently) and
    nesting deeper than MAX_YAML_DEPTH (the composer recurses, so that would be a traceback)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliased = 0  # values reached through aliases so far
        self._sizes: dict[int, int] = {}  # id(node) -> values at and under it, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise Refused(
                    f"nested more than {MAX_YAML_DEPTH} levels deep",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]  # stubs
                    "a model file is a few levels of keys and lists; see models/baseline.yaml",
                )
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]  # stubs
                return self._alias(mark, parent, index)
            node = super().compose_node(parent, index)
            if node is not None:
                self._sizes[id(node)] = _size(node, self._sizes)
            return node
        finally:
            self._depth -= 1

    def _alias(self, mark: yaml.Mark, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """The anchored node an alias names, counted with every value under it (refused past
        MAX_ALIASED_VALUES, or when it names a node that contains the alias)."""
        node = super().compose_node(parent, index)
        size = self._sizes.get(id(node))
        if size is None:
            raise Refused(
                "an alias refers to itself (its anchor contains it)",
                mark,
                "write the values out instead of the alias",
            )
        self._aliased += size
        if self._aliased > MAX_ALIASED_VALUES:
            raise Refused(
                f"its aliases (*name) expand to more than {MAX_ALIASED_VALUES:,} values",
                mark,
                "a model file needs few aliases: write the values out, or change the dataset",
            )
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        seen: dict[object, yaml.Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # keys merged in with << may be overridden: that is what << is for
            _one_line(key_node)
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.value in MULTI_LINE_KEYS):
                _one_line(value_node)
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:
                continue  # an unhashable key: the base class refuses it with its own message
            if first is not key_node.start_mark:
                raise Refused(
                    f"key '{key}' appears twice, first at line {first.line + 1}",
                    key_node.start_mark,
                    "keep one of the two; YAML would silently use the last",
                )
        return super().construct_mapping(node, deep)


MULTI_LINE_KEYS = frozenset({"description"})
"""Keys of a model file whose text may span lines; every other string is one line."""


def _one_line(node: yaml.Node) -> None:
    """Refuse a string scalar holding a line break or a tab (`plaintext.text_problem`)."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        problem = text_problem(str(node.value), one_line=True)
        if problem is not None:
            raise Refused(problem[0], node.start_mark, problem[1])


def _text(loader: ModelFileLoader, node: yaml.ScalarNode) -> str:
    """A YAML string, refused if it holds a control or bidirectional control character: a
    double-quoted `"\\e"` or `"\\u202e"` is one, which PyYAML's own check of the file's
    characters never sees (`plaintext.py`)."""
    text = str(loader.construct_scalar(node))
    problem = text_problem(text, one_line=False)
    if problem is not None:
        raise Refused(problem[0], node.start_mark, problem[1])
    return text


def _size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Values at and under `node` with aliases expanded, from its children's (already known)."""
    if isinstance(node, yaml.SequenceNode):
        return 1 + sum(sizes.get(id(child), 1) for child in node.value)
    if isinstance(node, yaml.MappingNode):
        return 1 + sum(sizes.get(id(k), 1) + sizes.get(id(v), 1) for k, v in node.value)
    return 1


_OCTAL = re.compile(r"[-+]?0[0-9_]+")
"""An integer YAML 1.1 reads as octal (010 is 8) and YAML 1.2 as decimal (10)."""


def _yaml_number(loader: ModelFileLoader, node: yaml.ScalarNode) -> int | float:
    """A YAML int or float read by allocator's number rule, as a CSV cell is.

    PyYAML would read `8_500` as 8500, `1e-400` as 0.0 and a 5000-digit integer with Python's
    int-size advice; `.inf` and `.nan` stay floats, which the override checks refuse by name.
    """
    text = str(node.value)
    if text.lower().lstrip("+-") in {".inf", ".nan"}:
        return float(text.lower().replace(".", "", 1))
    if node.tag.endswith(":int") and _OCTAL.fullmatch(text):
        raise Refused(
            f"'{text}' has a leading 0: YAML 1.1 readers (PyYAML) take it as octal, YAML 1.2 "
            "readers as decimal",
            node.start_mark,
            "write the number without the leading 0, e.g. 10",
        )
    try:
        value = parse_number(text, {"": 1.0})
    except ValueError as exc:
        fix = "write a plain number such as 2.5 or 8500"
        raise Refused(str(exc), node.start_mark, fix) from None
    if node.tag.endswith(":int") and value == int(value):
        return int(value)
    return value


def _binary(loader: ModelFileLoader, node: yaml.ScalarNode) -> bytes:
    """Refuse `!!binary`: the safe loader decodes its base64 to bytes, which the schema would
    take as text the file does not show (`!!binary YQ==` is the program `a`)."""
    raise Refused(
        "a !!binary value hides its text in base64",
        node.start_mark,
        "write the value as plain text",
    )


# YAML 1.1 (PyYAML) reads yes, no, on and off as booleans, YAML 1.2 as the words: a model file
# has no yes/no field, and `targets: off` is one of its values. Only true and false are booleans.
ModelFileLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ModelFileLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
ModelFileLoader.add_constructor("tag:yaml.org,2002:int", _yaml_number)
ModelFileLoader.add_constructor("tag:yaml.org,2002:float", _yaml_number)
ModelFileLoader.add_constructor("tag:yaml.org,2002:binary", _binary)
ModelFileLoader.add_constructor("tag:yaml.org,2002:str", _text)


def unknown_key(path: Path, loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    """`unknown key 'objectve' in models/x.yaml: did you mean 'objective'?`, for a key at any
    depth (an override, the solver options), with the keys allowed there."""
    model = root
    for part in loc[:-1]:  # walk the field annotations down to the mapping the key sits in
        info = model.model_fields.get(str(part)) if isinstance(part, str) else None
        if info is None:
            continue  # a list index
        found = [
            a for a in _flat(info.annotation) if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if found:
            model = found[0]
    key, allowed = str(loc[-1]), [k for k, f in model.model_fields.items() if _by_hand(f)]
    inside = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[:-1]).lstrip(".")
    at = f" (under {inside})" if inside else ""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    guess = f": did you mean '{close[0]}'?" if close else ""
    return printable(
        f"unknown key '{key}' in {path}{at}{guess} Fix: use one of {', '.join(allowed)}"
    )


def _by_hand(info: FieldInfo) -> bool:
    """Whether a field is written by hand (not marked `internal`, a form only allocator writes)."""
    extra = info.json_schema_extra
    return not (isinstance(extra, dict) and extra.get("internal"))


def _flat(annotation: object) -> list[object]:
    """The types inside `X | None`, `list[X]`: where a nested model can be."""
    args = typing.get_args(annotation)
    return [annotation] if not args else [t for a in args for t in _flat(a)]
