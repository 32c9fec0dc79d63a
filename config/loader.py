"""Load and validate a config file, reporting every problem with file, key and reason."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from config.schema import RadarConfig

DEFAULT_CONFIG = Path(__file__).with_name("demo.yaml")


@dataclass(frozen=True)
class ConfigIssue:
    file: str
    key: str  # dotted key path, e.g. "sources[0].base_url"
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key or '<top>'}: {self.message}"


class ConfigError(ValueError):
    """The config cannot be used; ``issues`` lists every problem found."""

    def __init__(self, issues: list[ConfigIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


# "demo.crisis_brand: …", "reports[0].brands: …": a cross-key check names its key first
_KEY_IN_MESSAGE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z0-9_]+)*): (.+)", re.DOTALL
)
_UNION_TAGS = {"str", "int", "float", "bool", "list", "dict", "EnvRef", "none"}


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word: a second ``alerts:`` section
    would silently replace the first. Here a repeated key is an error with its line."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key != "<<" and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def _full_width_colon_hint(text: str, line: int | None) -> str:
    """A key typed with a Chinese input method (``aliases：[…]``) is no key to YAML, whose
    error ("could not find expected ':'", "mapping values are not allowed here") points
    at that line or the next: name the '：' and its line."""
    if line is None:
        return ""
    lines = text.splitlines()
    for n in (line, line - 1):
        if 0 <= n < len(lines) and "：" in lines[n].split("#")[0]:
            return f" (line {n + 1} has a full-width colon '：': YAML needs ':' and a space)"
    return ""


def _key_path(loc: tuple[Any, ...], data: Any) -> str:
    """pydantic's error location as a dotted key path of the user's file; union-branch
    tags that pydantic adds (``EnvRef``, ``str``, ``function-after[...]``) are dropped."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
            node = node[item] if isinstance(node, list) and item < len(node) else None
            continue
        key = str(item)
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, dict) and key.isidentifier() and key not in _UNION_TAGS:
            node = None  # a missing key: still name it
        else:
            continue  # a union tag, not a key of the file
        parts.append(("." if parts else "") + key)
    return "".join(parts)


def _section(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The settings model holding the key at ``loc`` (None when the path leaves the models)."""
    model: type[BaseModel] = RadarConfig
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        field = model.model_fields.get(str(item))
        inner = _model_in(field.annotation) if field is not None else None
        if inner is None:
            return None
        model = inner
    return model


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``list[X]``, ``X | None``, ``Annotated[X, …]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if (found := _model_in(arg)) is not None:
            return found
    return None


def _unknown_key(loc: tuple[Any, ...]) -> str:
    """ "unknown key", with the nearest known key of that section or else all of them."""
    model = _section(loc)
    if model is None or not loc:
        return "unknown key"
    known = [f.alias or name for name, f in model.model_fields.items()]
    near = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if near:
        return f"unknown key (did you mean {near[0]!r}?)"
    return f"unknown key (the keys here: {', '.join(known)})"


def _describe(loc_path: str, err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid"))
    if kind == "extra_forbidden":
        return _unknown_key(tuple(err.get("loc", ())))
    if kind == "missing":
        return "required key is missing"
    msg = msg.removeprefix("Value error, ")
    inp = err.get("input")
    if kind == "string_type" and isinstance(inp, bool):
        # YAML 1.1 reads a bare yes/no/on/off/true/false as a boolean
        return f"{msg} (got {inp!r}: YAML reads a bare yes/no/on/off as true/false; quote it)"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{msg} (got {type(inp).__name__} {inp!r})"[:300]
    return msg


def _env_ref_read_as_text(err: Any) -> bool:
    """The plain-text branch's complaint about a ``{$env: NAME}`` written where a key
    takes text or an env reference: the reference branch's own error says what is wrong
    ("environment variable NAME is not set"), so this one is noise."""
    loc, inp = tuple(err.get("loc", ())), err.get("input")
    return bool(loc) and loc[-1] == "str" and isinstance(inp, dict) and "$env" in inp


def _argon2_hash_part(err: Any) -> bool:
    """The 't=3' and 'p=4$…' keys YAML makes of an unquoted argon2 hash inside { }: the
    hash's own error (web.users[N].password_hash: cut at its first comma) says what to do."""
    loc = tuple(err.get("loc", ()))
    return (
        err.get("type") == "extra_forbidden"
        and loc[:2] == ("web", "users")
        and bool(re.match(r"[tp]=\d", str(loc[-1])))
    )


def validate_data(data: Any, file: str) -> RadarConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(file, "", "the file must hold a mapping of settings")])
    try:
        return RadarConfig.model_validate(data)
    except ValidationError as exc:
        issues: list[ConfigIssue] = []
        seen: set[tuple[str, str]] = set()
        for err in exc.errors():
            if _env_ref_read_as_text(err) or _argon2_hash_part(err):
                continue
            key = _key_path(tuple(err["loc"]), data)
            msg = _describe(key, dict(err))
            if err.get("type") == "value_error" and (m := _KEY_IN_MESSAGE.match(msg)):
                # a check across keys names its key first: "demo.crisis_brand: unknown …"
                key, msg = (f"{key}.{m[1]}" if key else m[1]), m[2]
            if (key, msg) not in seen:
                seen.add((key, msg))
                issues.append(ConfigIssue(file, key, msg))
        raise ConfigError(issues) from None


def load_config(path: str | Path | None = None) -> RadarConfig:
    """Load ``path`` (default: the bundled demo config). Raises ConfigError."""
    p = Path(path) if path else DEFAULT_CONFIG
    name = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(name, "", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigIssue(name, "", f"cannot read: {exc}")]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        problem += _full_width_colon_hint(text, mark.line if mark else None)
        raise ConfigError([ConfigIssue(name, where, f"YAML syntax error: {problem}")]) from None
    cfg = validate_data(data, name)
    return _resolve_paths(cfg, p)


def _resolve_paths(cfg: RadarConfig, path: Path) -> RadarConfig:
    """Relative sqlite paths are relative to the current directory, as users expect from
    a CLI; nothing to do here yet beyond keeping the file name for messages."""
    return cfg
