"""YAML text → plain data, and every problem → `file:line: field.path: message`.

Parsing keeps ruamel's round-trip tree beside the plain data, so a problem
found later (by pydantic, by a check across files) can still be pinned to the
line an admin has to fix.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

Loc = tuple[str | int, ...]
TAG_MARK = "<"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in one file. `loc` is the field path; `line` (1-based) is
    found from `loc` when not given."""

    file: str
    loc: Loc
    message: str
    line: int | None = None


class ConfigError(Exception):
    """The config cannot be used; `errors` holds one `file:line: path: message` per problem."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(self.errors))


def format_path(loc: Loc) -> str:
    """`("models", 0, "fit", 2, "regex")` → `models[0].fit[2].regex`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


@dataclass(frozen=True)
class YamlDocument:
    """A parsed file: `data` for validation, `tree` for line numbers."""

    name: str
    tree: Any

    @property
    def data(self) -> Any:
        return _plain(self.tree)

    def line_of(self, loc: Loc) -> int:
        """The line of the deepest part of `loc` present in the file (1-based)."""
        node, line = self.tree, 0
        for part in loc:
            if isinstance(node, CommentedMap) and part in node:
                line, node = node.lc.key(part)[0], node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line, node = node.lc.item(part)[0], node[part]
            else:
                break
        return line + 1


def _plain(node: Any) -> Any:
    """ruamel's tree as dicts, lists and built-in scalars (it keeps formatting in subclasses)."""
    if isinstance(node, Mapping):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, bool | ScalarBoolean):
        return bool(node)
    for basic in (str, int, float):
        if isinstance(node, basic):
            return basic(node)
    return node


def parse_yaml(name: str, raw: str | bytes) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one file; a document whose root is a mapping, or the problems found."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as error:
        return None, [Problem(name, (), f"not UTF-8 text ({error.reason})", line=1)]
    try:
        tree = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = error.problem or error.context or "not valid YAML"
        return None, [Problem(name, (), message, line=mark.line + 1 if mark else 1)]
    except ReaderError as error:  # a control character, e.g. pasted from a document
        line = text.count("\n", 0, error.position) + 1
        message = f"character U+{error.character:04X} is not allowed in YAML ({error.reason})"
        return None, [Problem(name, (), message, line=line)]
    if tree is None:
        return None, [Problem(name, (), "the file is empty", line=1)]
    if not isinstance(tree, CommentedMap):
        return None, [Problem(name, (), "the file must hold a mapping of keys", line=1)]
    return YamlDocument(name, tree), []


def validate(document: YamlDocument, model: type[BaseModel]) -> tuple[Any, list[Problem]]:
    """The document as `model`, or one problem per pydantic error."""
    try:
        return model.model_validate(document.data), []
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            loc = tuple(part for part in item["loc"] if not _is_tag(part))
            problems.append(Problem(document.name, loc, _message(item, model)))
        return None, problems


def _is_tag(part: str | int) -> bool:
    return isinstance(part, str) and part.startswith(TAG_MARK)


_PLAIN_MESSAGES = {
    "missing": "is required",
    "dict_type": "should be a mapping (key: value lines)",
    "model_type": "should be a mapping (key: value lines)",
    "model_attributes_type": "should be a mapping (key: value lines)",
    "list_type": "should be a list (lines starting with '- ')",
}


def _message(item: Mapping[str, Any], model: type[BaseModel]) -> str:
    """pydantic's message in an admin's words, naming allowed keys where it can."""
    kind = item["type"]
    if kind == "extra_forbidden":
        return _unknown_key(item["loc"], model)
    if kind in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[kind]
    return item["msg"].removeprefix("Value error, ").replace("Input should be", "should be")


def _unknown_key(loc: Loc, model: type[BaseModel]) -> str:
    """ "unknown key 'x'", naming what would be allowed there when it can tell."""
    key = str(loc[-1])
    owner = _model_at(model, loc[:-1])
    if owner is None:
        return f"unknown key '{key}'"
    noun = getattr(owner, "unknown_key_noun", "key")
    allowed = sorted(field.alias or name for name, field in owner.model_fields.items())
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"expected one of: {', '.join(allowed)}"
    return f"unknown {noun} '{key}' ({hint})"


def _model_at(annotation: Any, loc: Loc) -> type[BaseModel] | None:
    """The pydantic model that validated the value at `loc` (tags included)."""
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    annotation = _unwrap(annotation, None)
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def _unwrap(annotation: Any, tag: str | None) -> Any:
    """Strip `Annotated` and optional `None`; pick a tagged union member by `tag`."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            tagged = [arg for arg in members if _tag_of(arg) == tag]
            annotation = (tagged or members)[0] if len(members) > 1 else members[0]
        else:
            return annotation


def _tag_of(annotation: Any) -> str | None:
    if typing.get_origin(annotation) is typing.Annotated:
        for extra in typing.get_args(annotation)[1:]:
            if hasattr(extra, "tag"):
                return extra.tag
    return None


def _step(annotation: Any, part: str | int) -> Any:
    if _is_tag(part):
        return _unwrap(annotation, part)
    annotation = _unwrap(annotation, None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is list and isinstance(part, int):
        return args[0]
    if origin is dict and isinstance(part, str):
        return args[1]
    return None


def render_all(
    problems: Iterable[Problem], documents: Mapping[str, YamlDocument], origin: str
) -> list[str]:
    """Each problem as `<origin><file>:<line>: <path>: <message>`, by file and line.

    A whole-file problem has no path. `origin` is the directory shown before file names.
    """
    located = []
    for problem in problems:
        line = problem.line
        if line is None:
            document = documents.get(problem.file)
            line = document.line_of(problem.loc) if document else 1
        located.append((problem.file, line, format_path(problem.loc), problem.message))
    located.sort(key=lambda item: item[:2])
    return [
        f"{origin}{file}:{line}: {path}: {message}" if path else f"{origin}{file}:{line}: {message}"
        for file, line, path, message in located
    ]
