"""The documentation keeps up with the code.

What these tests hold the docs (README.md and every docs/**/*.md) to:

1. **Every config key is documented.** The pydantic schema is walked from `bastion.config.schema.Config`,
   through nested models, lists, dicts, optionals and unions. Each key must appear in docs/ as its full
   dotted path: `server.port`, `providers[].timeouts.connect` (`[]`: an item of a list),
   `pii.teams.<team>.actions` (`<anything>`: a key of a map, named as you like). A model class met under
   several paths (the `Timeouts` of `providers[].timeouts` and of `models[].timeouts`) is documented once,
   under any one of them; the field that holds it must still appear under its own path.
   docs/configuration.md holds the reference tables.
2. **Every CLI command and option is documented.** The argparse parser of `bastion.cli.build_parser` is
   walked: every command path must appear in docs/ as `bastion <command> <subcommand>` and every option
   string (`--group-by`) of every command in docs/cli.md. `bastion pii` hands its arguments to its own
   parser (`bastion.pii.cli.build_parser`), which is walked as well.
3. **Every YAML example that is a config is a valid config.** A ```yaml block whose top level is a mapping
   whose keys are all top-level `Config` keys is a config: it is written to a file and must pass
   `bastion check-config` (each `${VAR}` without a default is set to a dummy value, as a deployment would
   set it). A block whose top level is a list of mappings with `id` and `then` is a list of policy rules
   and must pass `bastion policy check`. Any other block is a fragment and is only parsed (it must be YAML).
   To show a fragment of a section, write the section's full path from the top (`limits:` then `models:`)
   so it is checked as a config.
4. **Links work.** Every relative Markdown link in README.md and docs/ points to an existing file, and an
   `#anchor` to a heading (GitHub's slugs) or an `<a id>` of that file.
5. README.md stays a front page: under 250 lines.
6. Every field an audit record can hold (the dicts `bastion.audit.record` builds) is in
   docs/audit-record.md as `` `field` ``.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from bastion.cli import build_parser
from bastion.cli import main as bastion_main
from bastion.config.schema import Config

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CLI_DOC = DOCS / "cli.md"


def doc_files() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.rglob("*.md")))


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- 1. config keys ----------------------------------------------------------------------------------
LIST, MAP = "[]", "<>"


def _models(annotation: Any) -> Iterator[tuple[type[BaseModel], tuple[str, ...]]]:
    """The models inside a field's type, each with the container steps that lead to it."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, ()
        return
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (list, tuple, set, frozenset):
        for arg in args:
            for model, steps in _models(arg):
                yield model, (LIST, *steps)
    elif origin is dict:
        for model, steps in _models(args[1]):
            yield model, (MAP, *steps)
    elif origin in (typing.Union, types.UnionType, typing.Annotated) or args:
        for arg in args:
            yield from _models(arg)


Path = tuple[str, ...]


def config_keys() -> list[list[Path]]:
    """Every key of the schema: for each field of each model, the paths it is reached by (steps: names,
    LIST and MAP). A model met under several paths (`Timeouts` under `providers[].timeouts` and
    `models[].timeouts`) has its fields documented when any one of those paths is."""
    prefixes: dict[type[BaseModel], list[Path]] = {}

    def walk(model: type[BaseModel], prefix: Path, stack: tuple[type[BaseModel], ...]) -> None:
        prefixes.setdefault(model, []).append(prefix)
        for name, field in model.model_fields.items():
            for inner, steps in _models(field.annotation):
                if inner not in stack:  # a recursive model is walked once per branch
                    walk(inner, (*prefix, name, *steps), (*stack, inner))

    walk(Config, (), (Config,))
    return [
        [(*prefix, name) for prefix in paths]
        for model, paths in prefixes.items()
        for name in model.model_fields
    ]


def show(path: tuple[str, ...]) -> str:
    text = ""
    for step in path:
        text += "[]" if step == LIST else ".<name>" if step == MAP else (f".{step}" if text else step)
    return text


def pattern(path: tuple[str, ...]) -> re.Pattern[str]:
    body = ""
    for step in path:
        if step == LIST:
            body += r"\[\]"
        elif step == MAP:
            body += r"\.<[^<>\s`]+>"
        else:
            body += (r"\." if body else "") + re.escape(step)
    return re.compile(r"(?<![\w.\]>-])" + body + r"(?![\w\[<-])")


def test_the_schema_walk_finds_nested_keys() -> None:
    keys = {tuple(show(p) for p in paths) for paths in config_keys()}
    assert {("server.port",), ("pii.teams.<name>.actions", "pii.providers.<name>.actions")} <= keys
    assert ("providers[].timeouts.connect", "models[].timeouts.connect") in keys  # either one documents it
    assert pattern(("pii", "teams", MAP, "actions")).search("`pii.teams.<team>.actions`")
    assert not pattern(("server", "port")).search("`server.port_range`")


def test_every_config_key_is_documented() -> None:
    text = docs_text()
    missing = [
        " or ".join(show(p) for p in paths)
        for paths in config_keys()
        if not any(pattern(p).search(text) for p in paths)
    ]
    assert not missing, (
        "config keys missing from docs/ (write each as its full dotted path, `[]` for a list item and "
        "`<name>` for a map key, e.g. in a reference table of docs/configuration.md):\n  "
        + "\n  ".join(missing)
    )


# --- 2. CLI commands -----------------------------------------------------------------------------------
# Commands that hand their arguments to a parser of their own (argparse.REMAINDER): command -> parser.
def _delegated() -> dict[str, argparse.ArgumentParser]:
    from bastion.pii.cli import build_parser as pii_parser

    return {"pii": pii_parser()}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    out: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            out.update(action.choices)
    return out


def _options(parser: argparse.ArgumentParser) -> list[str]:
    return [s for a in parser._actions for s in a.option_strings if s.startswith("--") and s != "--help"]


def cli_commands() -> list[tuple[str, list[str]]]:
    """(command path, its long options) for `bastion` itself and every command and subcommand."""
    delegated = _delegated()
    out: list[tuple[str, list[str]]] = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        out.append((path, _options(parser)))
        for name, sub in _subcommands(parser).items():
            walk(delegated.get(name, sub) if path == "bastion" else sub, f"{path} {name}")

    walk(build_parser(), "bastion")
    return out


def test_every_cli_command_is_documented() -> None:
    text = docs_text()
    commands = [path for path, _ in cli_commands()]
    assert {"bastion keys create", "bastion pii redact", "bastion audit verify"} <= set(commands)
    missing = [path for path in commands if path not in text]
    assert not missing, "commands missing from docs/ (docs/cli.md):\n  " + "\n  ".join(missing)


def test_every_cli_option_is_documented() -> None:
    text = CLI_DOC.read_text(encoding="utf-8")
    missing = [
        f"{path} {option}"
        for path, options in cli_commands()
        for option in options
        if not re.search(re.escape(option) + r"(?![\w-])", text)
    ]
    assert not missing, "options missing from docs/cli.md:\n  " + "\n  ".join(missing)


# --- 3. YAML examples ----------------------------------------------------------------------------------
_FENCE = re.compile(r"^```ya?ml[^\n]*\n(.*?)^```", re.S | re.M)
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def yaml_blocks() -> list[tuple[str, str]]:
    out = []
    for path in doc_files():
        text = path.read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append((f"{rel(path)}:{line}", m.group(1)))
    return out


def kind(data: Any) -> str:
    if isinstance(data, dict) and data and set(data) <= set(Config.model_fields):
        return "config"
    if (
        isinstance(data, list)
        and data
        and all(isinstance(r, dict) and "id" in r and "then" in r for r in data)
    ):
        return "policies"
    return "fragment"


BLOCKS = yaml_blocks()


def test_the_docs_hold_config_examples() -> None:
    kinds = [kind(yaml.safe_load(block)) for _, block in BLOCKS]
    assert kinds.count("config") >= 10 and kinds.count("policies") >= 3


@pytest.mark.parametrize(("where", "block"), BLOCKS, ids=[w for w, _ in BLOCKS])
def test_yaml_examples_are_valid(
    where: str,
    block: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = yaml.safe_load(block)  # every yaml block parses
    what = kind(data)
    if what == "fragment":
        return
    for name in _VAR.findall(block):
        monkeypatch.setenv(name, f"dummy-value-for-{name.lower()}-0123456789")
    file = tmp_path / "example.yaml"
    file.write_text(block, encoding="utf-8")
    argv = ["check-config", str(file)] if what == "config" else ["policy", "check", str(file)]
    status = bastion_main(argv)
    err = capsys.readouterr().err
    assert status == 0, f"{where}: `bastion {' '.join(argv[:-1])}` refuses this example:\n{err}"


# --- 4. links ------------------------------------------------------------------------------------------
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
_FENCED = re.compile(r"^```.*?^```", re.S | re.M)
_CODE = re.compile(r"^```.*?^```|`[^`\n]*`", re.S | re.M)
_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found: set[str] = set(_ANCHOR.findall(text))
    counts: dict[str, int] = {}
    for m in re.finditer(r"^#{1,6} +(.+?) *#*$", _FENCED.sub("", text), re.M):
        base = slug(m.group(1))
        n = counts.get(base, 0)
        counts[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")
    return found


def test_slugs_follow_github() -> None:
    assert slug("Response scanning (`response_scan`)") == "response-scanning-response_scan"
    assert slug("Optional NER backend (`pii.ner`)") == "optional-ner-backend-piiner"
    assert slug("Health: `GET /admin/providers/health`") == "health-get-adminprovidershealth"


def test_relative_links_resolve() -> None:
    broken = []
    for path in doc_files():
        text = _CODE.sub("", path.read_text(encoding="utf-8"))
        for target in _LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file, _, anchor = target.partition("#")
            dest = (path.parent / file).resolve() if file else path
            if not dest.exists():
                broken.append(f"{rel(path)}: {target} (no such file)")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                broken.append(f"{rel(path)}: {target} (no such heading in {rel(dest)})")
    assert not broken, "broken links:\n  " + "\n  ".join(broken)


# --- 5. the front page ---------------------------------------------------------------------------------
def test_readme_is_a_front_page() -> None:
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines < 250, f"README.md has {lines} lines: move the detail into docs/ and link to it"


# --- 6. the audit record reference ---------------------------------------------------------------------
def record_fields() -> set[str]:
    """The keys of the dict literals the record builders return."""
    from bastion.audit import record

    fields: set[str] = set()
    for builder in (record.request_record, record.change_record):
        for node in ast.walk(ast.parse(inspect.getsource(builder))):
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
                fields |= {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
    return fields


def test_every_audit_record_field_is_documented() -> None:
    fields = record_fields()
    assert {"request_id", "checks", "actor", "before_hash"} <= fields
    text = (DOCS / "audit-record.md").read_text(encoding="utf-8")
    missing = sorted(f for f in fields if f"`{f}`" not in text)
    assert not missing, "audit record fields missing from docs/audit-record.md: " + ", ".join(missing)
