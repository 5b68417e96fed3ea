"""The config directory → one validated, compiled `Config`, or every problem at once.

Which files exist, and what model validates each, is the `CONFIG_FILES`
registry; checks that look across files are `CROSS_CHECKS`. A later file
(routing.yaml, ...) is added by appending to both; nothing else changes.

1. Every registered file is parsed and validated on its own; a required file
   that is missing, and a `*.yaml` file nobody registered, are problems.
2. Only when every file is valid on its own are the cross-file checks run.
3. Any problem → `ConfigError` listing them all as `file:line: path: message`;
   otherwise the files are compiled into the engine's `Ruleset`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from connector.lifecycle import Ruleset
from connector.workflows.config.compiler import compile_ruleset
from connector.workflows.config.conditions import StrictModel
from connector.workflows.config.lifecycle import LifecycleFile
from connector.workflows.config.nurture import (
    TEMPLATE_DIR,
    NurtureFile,
    email_templates,
    nurture_templates_readable,
    personas_named_by_nurture,
)
from connector.workflows.config.routing import RoutingFile
from connector.workflows.config.scoring import ScoringFile
from connector.workflows.config.source import (
    ConfigError,
    Problem,
    YamlDocument,
    parse_yaml,
    render_all,
    validate,
)

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ConfigFile:
    name: str
    model: type[StrictModel]
    required: bool = True


CONFIG_FILES = (
    ConfigFile("scoring.yaml", ScoringFile),
    ConfigFile("lifecycle.yaml", LifecycleFile),
    ConfigFile("nurture.yaml", NurtureFile, required=False),
    ConfigFile("routing.yaml", RoutingFile, required=False),
)

Sections = Mapping[str, BaseModel]
CrossCheck = Callable[[Sections, Mapping[str, str | bytes]], Iterable[Problem]]


def models_named_by_stages(sections: Sections, _files: Collection[str]) -> Iterator[Problem]:
    """`min_score_by_model` in lifecycle.yaml names models that scoring.yaml defines."""
    scoring, lifecycle = sections["scoring.yaml"], sections["lifecycle.yaml"]
    known = [model.id for model in scoring.models]
    for key in ("lead", "marketingqualifiedlead"):
        stage = getattr(lifecycle.stages, key)
        for name in stage.min_score_by_model if stage else ():
            if name not in known:
                loc = ("stages", key, "min_score_by_model", name)
                message = f"unknown scoring model '{name}' (scoring.yaml has: {', '.join(known)})"
                yield Problem("lifecycle.yaml", loc, message)


def templates_named_by_nurture(sections: Sections, files: Collection[str]) -> Iterator[Problem]:
    """Every template a nurture step names is a file under `emails/`."""
    nurture = sections.get("nurture.yaml")
    for index, step in enumerate(nurture.steps if nurture else ()):
        if step.template_path not in files:
            message = f"no email template '{step.template_path}' in the config directory"
            yield Problem("nurture.yaml", ("steps", index, "template"), message)


CROSS_CHECKS: tuple[CrossCheck, ...] = (
    models_named_by_stages,
    templates_named_by_nurture,
    nurture_templates_readable,
    personas_named_by_nurture,
)


_CONTACT_PLACEHOLDER = re.compile(r"\{\{\s*contact\.([a-z0-9_]+)")
# What CALL task bodies show and what send windows read (the contact's time zone).
PLANNER_PROPERTIES = frozenset(
    {"firstname", "lastname", "jobtitle", "company", "phone", "hs_timezone"}
)


@dataclass(frozen=True)
class Config:
    """A valid config: the validated files by name, the engine's compiled rules and
    the text of the email templates (`emails/...` path → text).

    `version` is a short hash of every file's content; it is recorded on each
    evaluation and transition made with this config.
    """

    version: str
    sections: Sections
    ruleset: Ruleset
    templates: Mapping[str, str] = field(default_factory=dict)

    @property
    def scoring(self) -> ScoringFile:
        return self.sections["scoring.yaml"]

    @property
    def lifecycle(self) -> LifecycleFile:
        return self.sections["lifecycle.yaml"]

    @property
    def nurture(self) -> NurtureFile | None:
        return self.sections.get("nurture.yaml")

    @property
    def contact_properties(self) -> frozenset[str]:
        """Every contact property the rules, the nurture exits and the templates read,
        so the gateway asks HubSpot for each of them (and no more)."""
        texts = [*self.templates.values()]
        texts += [section.model_dump_json(warnings=False) for section in self.sections.values()]
        placeholders = {name for text in texts for name in _CONTACT_PLACEHOLDER.findall(text)}
        exits = set(self.nurture.exit.properties) if self.nurture is not None else set()
        return self.ruleset.properties | exits | placeholders | PLANNER_PROPERTIES

    def summary(self) -> str:
        """One line for people: what the config holds and its version."""
        models = self.scoring.models
        rules = sum(len(model.fit) + len(model.engagement) for model in models)
        stages = [key for key, value in self.lifecycle.stages if value is not None]
        return (
            f"config {self.version} is valid: {len(models)} scoring models with {rules} rules,"
            f" stage rules for {', '.join(stages)}, {len(self.lifecycle.personas)} personas"
        )


def content_version(files: Mapping[str, str | bytes]) -> str:
    """12 hex digits of a hash over every file's name and content."""
    digest = hashlib.sha256()
    for name in sorted(files):
        raw = files[name]
        digest.update(name.encode() + b"\0")
        digest.update((raw.encode() if isinstance(raw, str) else raw) + b"\0")
    return digest.hexdigest()[:12]


def _check_files(
    files: Mapping[str, str | bytes],
) -> tuple[dict[str, BaseModel], dict[str, YamlDocument], list[Problem]]:
    sections: dict[str, BaseModel] = {}
    documents: dict[str, YamlDocument] = {}
    problems: list[Problem] = []
    registered = {entry.name for entry in CONFIG_FILES}
    for name in sorted(files):
        if "/" not in name and name.endswith(YAML_SUFFIXES) and name not in registered:
            expected = ", ".join(sorted(registered))
            problems.append(Problem(name, (), f"unknown config file (expected: {expected})", 1))
    for entry in CONFIG_FILES:
        if entry.name not in files:
            if entry.required:
                problems.append(Problem(entry.name, (), "the file is missing", line=1))
            continue
        document, found = parse_yaml(entry.name, files[entry.name])
        problems += found
        if document is None:
            continue
        documents[entry.name] = document
        section, found = validate(document, entry.model)
        problems += found
        if section is not None:
            sections[entry.name] = section
            problems += [Problem(entry.name, loc, message) for loc, message in section.problems()]
    return sections, documents, problems


def parse_config(files: Mapping[str, str | bytes], origin: str = "") -> Config:
    """Validate and compile a config from its files (relative path → content).

    `origin` prefixes file names in messages (e.g. "config/"). Raises
    `ConfigError` with every problem found.
    """
    sections, documents, problems = _check_files(files)
    if not problems:
        for check in CROSS_CHECKS:
            problems += check(sections, files)
    if problems:
        raise ConfigError(render_all(problems, documents, origin))
    version = content_version(files)
    ruleset = compile_ruleset(version, sections["scoring.yaml"], sections["lifecycle.yaml"])
    return Config(version, sections, ruleset, email_templates(files))


def read_config_files(directory: Path) -> dict[str, bytes]:
    """The files a config is made of: top-level YAML files and everything under `emails/`."""
    if not directory.is_dir():
        raise ConfigError([f"{directory}: no such config directory"])
    found = [path for path in directory.iterdir() if path.suffix in YAML_SUFFIXES]
    templates = directory / TEMPLATE_DIR
    if templates.is_dir():
        found += [path for path in templates.rglob("*") if not path.name.startswith(".")]
    files = {}
    for path in found:
        if not path.is_file():
            continue
        try:
            files[path.relative_to(directory).as_posix()] = path.read_bytes()
        except OSError as error:
            raise ConfigError([f"{path.as_posix()}: cannot be read ({error.strerror})"]) from None
    return files


def load_config(directory: Path | str) -> Config:
    """Read, validate and compile the config in `directory`; raises `ConfigError`."""
    directory = Path(directory)
    return parse_config(read_config_files(directory), origin=f"{directory.as_posix()}/")


@dataclass(frozen=True)
class Validation:
    """The outcome of `config validate`: the config, or the error lines."""

    config: Config | None
    errors: tuple[str, ...]

    @property
    def summary(self) -> str:
        if self.config is not None:
            return self.config.summary()
        count = len(self.errors)
        return f"{count} problem{'s' if count != 1 else ''} found; the config was not loaded"


def validate_directory(directory: Path | str) -> Validation:
    """Check a config directory without using it: every problem, or the valid config."""
    try:
        return Validation(load_config(directory), ())
    except ConfigError as error:
        return Validation(None, error.errors)
