"""Admin-written text with `{{ placeholders }}`: checked when the config loads, filled per contact.

A placeholder names one value, with an optional fallback for when it is empty:

    Hi {{ contact.firstname or "there" }},
    here is {{ content.title }}: {{ content.url }}

Names: `contact.<property>` (any HubSpot contact property, internal name),
`owner.first_name|last_name|email` (the contact's owner), `content.id|title|url`
(the content nurture picked), and `name` (first and last name, else the email
address), `email`, `persona`, `score`, `fit`, `engagement`. Each place text is
written says which roots it offers; an unknown name is a config error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache

from connector.domain import Contact, Owner
from connector.lifecycle import Evaluation, format_number

_PLACEHOLDER = re.compile(r"\{\{([^{}\n]*)\}\}")
_EXPRESSION = re.compile(
    r'\s*(?P<root>[a-z_]+)(?:\.(?P<field>[a-z0-9_]+))?\s*(?:or\s+"(?P<fallback>[^"]*)"\s*)?'
)
FIELDS: dict[str, frozenset[str] | None] = {
    "contact": None,
    "owner": frozenset({"first_name", "last_name", "email"}),
    "content": frozenset({"id", "title", "url"}),
}
EXAMPLES = {"contact": "firstname", "owner": "first_name", "content": "title"}
SCALARS = frozenset({"name", "email", "persona", "score", "fit", "engagement"})
TASK_NAMES = frozenset({"contact", "owner", *SCALARS})
NURTURE_NAMES = frozenset({*TASK_NAMES, "content"})

Lookup = Callable[[str], str]


class TemplateError(ValueError):
    """What is wrong with a template, and on which line (1-based) of it."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Placeholder:
    path: str
    fallback: str

    def fill(self, lookup: Lookup) -> str:
        return lookup(self.path) or self.fallback


@dataclass(frozen=True, slots=True)
class Template:
    """Parsed text: literal strings and placeholders in order."""

    parts: tuple[str | Placeholder, ...]

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(part.path for part in self.parts if isinstance(part, Placeholder))

    def render(self, lookup: Lookup) -> str:
        """The text with each placeholder replaced by `lookup(path)` (or its fallback)."""
        return "".join(part if isinstance(part, str) else part.fill(lookup) for part in self.parts)


def _placeholder(expression: str, allowed: Collection[str]) -> Placeholder:
    found = _EXPRESSION.fullmatch(expression)
    if found is None:
        raise ValueError(
            f"cannot read '{{{{{expression}}}}}': write {{{{ name }}}} or"
            ' {{ name or "fallback" }}'
        )
    root, field = found["root"], found["field"]
    if root not in allowed:
        raise ValueError(f"unknown name '{root}' (here you can use: {', '.join(sorted(allowed))})")
    if root in FIELDS:
        known = FIELDS[root]
        if field is None:
            raise ValueError(f"'{root}' needs a field, e.g. '{root}.{EXAMPLES[root]}'")
        if known is not None and field not in known:
            raise ValueError(f"unknown field '{root}.{field}' (use: {', '.join(sorted(known))})")
    elif field is not None:
        raise ValueError(f"'{root}' has no fields")
    path = f"{root}.{field}" if field else root
    return Placeholder(path, found["fallback"] or "")


@lru_cache(maxsize=256)
def parse_template(text: str, allowed: frozenset[str] = NURTURE_NAMES) -> Template:
    """Parse `text`; raises `TemplateError` naming the line of the first problem.

    A config's few templates are rendered for every contact planned: each is parsed once.
    """
    parts: list[str | Placeholder] = []
    position = 0
    for found in (*_PLACEHOLDER.finditer(text), None):
        literal = text[position : found.start() if found else len(text)]
        if "{{" in literal:
            line = text.count("\n", 0, position + literal.index("{{")) + 1
            raise TemplateError("'{{' is not closed by '}}' on the same line", line)
        parts.append(literal)
        if found is not None:
            try:
                parts.append(_placeholder(found[1], allowed))
            except ValueError as error:
                raise TemplateError(str(error), text.count("\n", 0, found.start()) + 1) from None
            position = found.end()
    return Template(tuple(part for part in parts if part != ""))


def template_text(allowed: frozenset[str]) -> Callable[[str], str]:
    """A pydantic `AfterValidator` for a template written inline in YAML."""

    def check(value: str) -> str:
        parse_template(value, allowed)
        return value

    return check


def split_subject(text: str) -> tuple[str | None, str]:
    """An email template's `Subject: ...` first line (if any) and its body."""
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return first[len("subject:") :].strip(), rest.lstrip("\n")
    return None, text


def display_name(contact: Contact) -> str:
    """First and last name, else the email address, else the contact id."""
    properties = contact.properties
    full = " ".join(
        part for part in (properties.get("firstname"), properties.get("lastname")) if part
    )
    return full.strip() or contact.email or f"contact {contact.id}"


def lookup_for(
    contact: Contact,
    owner: Owner | None,
    evaluation: Evaluation,
    content: Mapping[str, str] | None = None,
) -> Lookup:
    """The values placeholders read for one contact (empty text when unknown)."""
    properties = contact.properties
    scalars = {
        "email": lambda: contact.email or "",
        "name": lambda: display_name(contact),
        "persona": lambda: evaluation.persona or "",
        "score": lambda: format_number(evaluation.score),
        "fit": lambda: format_number(evaluation.fit),
        "engagement": lambda: format_number(evaluation.engagement),
    }

    def lookup(path: str) -> str:
        root, _, field = path.partition(".")
        if root == "contact":
            return properties.get(field) or ""
        if root == "owner":
            return (getattr(owner, field) or "") if owner is not None else ""
        if root == "content":
            return (content or {}).get(field, "")
        return scalars[root]()

    return lookup
