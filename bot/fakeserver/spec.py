"""Vendored Bot API spec subset: loading, request coercion, validation and result checks.

The data file is a subset of the MIT-licensed PaulSonOfLars/telegram-bot-api-spec ``api.json``
(see ``spec/SOURCE.md``). Regenerate it with
``python -m bot.fakeserver.spec path/to/api.json`` after bumping python-telegram-bot.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).with_name("spec")
SUBSET_FILE = SPEC_DIR / "api-10.0.subset.json"

#: Methods vendored (and, except a few trivial ones, implemented by the fake server).
METHODS: tuple[str, ...] = (
    "getMe",
    "logOut",
    "close",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "getUpdates",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "sendMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "sendPhoto",
    "sendDocument",
    "getFile",
    "sendChatAction",
    "getChat",
    "getChatMember",
    "setChatMenuButton",
    "getChatMenuButton",
)

#: Types the fake returns; vendored (not their whole closure) so results can be self-checked.
RESULT_TYPES: tuple[str, ...] = (
    "Update",
    "Message",
    "MaybeInaccessibleMessage",
    "InaccessibleMessage",
    "Chat",
    "ChatFullInfo",
    "AcceptedGiftTypes",
    "PhotoSize",
    "Document",
    "Sticker",
    "Voice",
    "Contact",
    "CallbackQuery",
    "File",
    "WebhookInfo",
    "ChatMemberUpdated",
    "ChatMember",
    "ChatMemberOwner",
    "ChatMemberAdministrator",
    "ChatMemberMember",
    "ChatMemberRestricted",
    "ChatMemberLeft",
    "ChatMemberBanned",
)

PRIMITIVES = frozenset({"Integer", "String", "Boolean", "Float", "True", "InputFile"})
_INT_RE = re.compile(r"^-?\d+$")
_RANGE_RE = re.compile(r"(\d+)-(\d+) (characters|bytes)")
_VALUES_RE = re.compile(r"[Vv]alues between (\d+)-(\d+)")
_CONST_RE = re.compile(r"(?:must be|always) [“\"]?([a-z_]+)[”\"]?")
_DISCRIMINATORS = ("type", "status", "source")
#: Types for which a plain string stands for ``{"text": string}``.
_STRING_AS_TEXT = frozenset({"KeyboardButton"})


class ApiError(Exception):
    """A Bot API error answer: HTTP status, description and optional response parameters."""

    def __init__(
        self, status: int, description: str, parameters: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = dict(parameters) if parameters else None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON body Telegram would answer with."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(text: str) -> ApiError:
    """Return a 400 error with Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {text}")


@dataclass(frozen=True)
class Upload:
    """A file sent as a multipart/form-data part."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Constraint:
    """A length or range limit read from a field description."""

    low: int
    high: int
    unit: str  # "characters", "bytes" or "value"
    after_parsing: bool

    def violated_by(self, value: Any) -> bool:
        """Return True if ``value`` is outside the limit."""
        if self.unit == "value":
            return isinstance(value, int) and not self.low <= value <= self.high
        if not isinstance(value, str):
            return False
        size = len(value.encode()) if self.unit == "bytes" else len(value)
        return not self.low <= size <= self.high


@dataclass(frozen=True)
class FieldSpec:
    """One parameter of a method or field of a type."""

    owner: str
    name: str
    types: tuple[str, ...]
    required: bool
    description: str

    @cached_property
    def constraint(self) -> Constraint | None:
        """Return the limit stated in the description, if any."""
        match = _RANGE_RE.search(self.description)
        if match:
            return Constraint(
                int(match[1]),
                int(match[2]),
                match[3],
                "after entities parsing" in self.description,
            )
        match = _VALUES_RE.search(self.description)
        if match:
            return Constraint(int(match[1]), int(match[2]), "value", False)
        return None

    @cached_property
    def constant(self) -> str | None:
        """Return the fixed value a discriminator field must have (``must be default``)."""
        match = _CONST_RE.search(self.description)
        return match[1] if match else None


@dataclass(frozen=True)
class MethodSpec:
    """A Bot API method: its parameters and return types."""

    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    """A Bot API object type, or a union of subtypes."""

    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...]


#: Telegram's wording for some limit violations; others get a generic description.
CONSTRAINT_ERRORS: dict[tuple[str, str], str] = {
    ("InlineKeyboardButton", "callback_data"): "BUTTON_DATA_INVALID",
    ("BotCommand", "command"): "BOT_COMMAND_INVALID",
    ("BotCommand", "description"): "BOT_COMMAND_DESCRIPTION_INVALID",
    ("answerCallbackQuery", "text"): "MESSAGE_TOO_LONG",
}
#: Limits that Telegram clamps instead of rejecting.
CLAMPED: frozenset[tuple[str, str]] = frozenset({("getUpdates", "limit")})


class _Mismatch(Exception):
    """A value does not fit one alternative of a field's types."""


def _fields(owner: str, raw: Iterable[Mapping[str, Any]]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(
            owner, f["name"], tuple(f["types"]), bool(f["required"]), f.get("description", "")
        )
        for f in raw
    }


class Spec:
    """The vendored Bot API spec, with request coercion and result checking."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = data["version"]
        self.release_date: str = data.get("release_date", "")
        self.methods: dict[str, MethodSpec] = {
            name.lower(): MethodSpec(
                name, _fields(name, m.get("fields", [])), tuple(m.get("returns", []))
            )
            for name, m in data["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {
            name: TypeSpec(name, _fields(name, t.get("fields", [])), tuple(t.get("subtypes", [])))
            for name, t in data["types"].items()
        }
        self.all_method_names: frozenset[str] = frozenset(
            n.lower() for n in data.get("all_method_names", data["methods"])
        )

    @classmethod
    def load(cls, path: Path = SUBSET_FILE) -> Spec:
        """Load a spec JSON file (the vendored subset by default)."""
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively, as the Bot API does."""
        return self.methods.get(name.lower())

    def coerce_params(
        self, method: MethodSpec, raw: Mapping[str, Any], uploads: Mapping[str, Upload]
    ) -> tuple[dict[str, Any], list[str]]:
        """Coerce raw request values to the spec types; return (params, unknown names).

        Raises ApiError for a missing required parameter, a wrong type or a violated limit.
        """
        params: dict[str, Any] = {}
        for name, fspec in method.fields.items():
            value = raw.get(name, uploads.get(name))
            if value is None or (
                value == "" and ("String" not in fspec.types or name.endswith("_id"))
            ):
                if fspec.required:
                    raise _missing(method.name, name)
                continue
            params[name] = self._coerce_field(fspec, value, name, uploads)
        unknown = [k for k in raw if k not in method.fields]
        return params, unknown

    def _coerce_field(
        self, fspec: FieldSpec, value: Any, path: str, uploads: Mapping[str, Upload]
    ) -> Any:
        errors: list[str] = []
        for type_expr in fspec.types:
            try:
                result = self._coerce(type_expr, value, path, uploads)
            except _Mismatch as exc:
                errors.append(str(exc))
                continue
            self._check_constraint(fspec, result)
            return result
        expected = " or ".join(fspec.types)
        detail = errors[0] if len(errors) == 1 and errors[0] else f"expected {expected}"
        raise bad_request(f"can't parse {path}: {detail}")

    def _check_constraint(self, fspec: FieldSpec, value: Any) -> None:
        constraint = fspec.constraint
        key = (fspec.owner, fspec.name)
        if constraint is None or constraint.after_parsing or key in CLAMPED:
            return
        if constraint.violated_by(value):
            text = CONSTRAINT_ERRORS.get(key)
            if text is None:
                unit = "" if constraint.unit == "value" else f" {constraint.unit}"
                what = "be between" if constraint.unit == "value" else "have"
                text = f"{fspec.name} must {what} {constraint.low}-{constraint.high}{unit}"
            raise bad_request(text)

    def _coerce(self, type_expr: str, value: Any, path: str, uploads: Mapping[str, Upload]) -> Any:
        if type_expr.startswith("Array of "):
            inner = type_expr.removeprefix("Array of ")
            items = _json_value(value, list, path)
            return [
                self._coerce(inner, item, f"{path}[{i}]", uploads) for i, item in enumerate(items)
            ]
        if type_expr in PRIMITIVES:
            return _coerce_primitive(type_expr, value, uploads)
        tspec = self.types.get(type_expr)
        if type_expr in _STRING_AS_TEXT and isinstance(value, str):
            return {"text": value}
        obj = _json_value(value, dict, path)
        if tspec is None:
            return obj
        return self._coerce_object(tspec, obj, path, uploads)

    def _coerce_object(
        self, tspec: TypeSpec, obj: dict[str, Any], path: str, uploads: Mapping[str, Upload]
    ) -> dict[str, Any]:
        if tspec.subtypes:
            return self._coerce_object(self._pick_subtype(tspec, obj, path), obj, path, uploads)
        missing = [n for n, f in tspec.fields.items() if f.required and obj.get(n) is None]
        if missing:
            raise _Mismatch(f'field "{missing[0]}" of {tspec.name} must be specified')
        out = dict(obj)
        for name, fspec in tspec.fields.items():
            if obj.get(name) is None:
                continue
            if fspec.constant is not None and name in _DISCRIMINATORS:
                if obj[name] != fspec.constant:
                    raise _Mismatch(f'field "{name}" of {tspec.name} must be "{fspec.constant}"')
            out[name] = self._coerce_field(fspec, obj[name], f"{path}.{name}", uploads)
        return out

    def _pick_subtype(self, tspec: TypeSpec, obj: Mapping[str, Any], path: str) -> TypeSpec:
        subs = [self.types[n] for n in tspec.subtypes if n in self.types]
        discriminated = False
        for sub in subs:
            for disc in _DISCRIMINATORS:
                field = sub.fields.get(disc)
                if field is not None and field.constant is not None:
                    discriminated = True
                    if obj.get(disc) == field.constant:
                        return sub
                    break
        if not discriminated:
            # e.g. MaybeInaccessibleMessage: tell the subtypes apart by their required fields
            for sub in subs:
                if all(obj.get(n) is not None for n, f in sub.fields.items() if f.required):
                    return sub
        raise _Mismatch(f"unsupported {tspec.name} {_short(obj)}")

    def check_result(self, type_expr: str, value: Any, path: str = "result") -> list[str]:
        """Return the problems that would keep a client from parsing ``value`` as the type."""
        if type_expr.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected an array"]
            inner = type_expr.removeprefix("Array of ")
            return [
                p
                for i, item in enumerate(value)
                for p in self.check_result(inner, item, f"{path}[{i}]")
            ]
        if type_expr in PRIMITIVES:
            return [] if _primitive_ok(type_expr, value) else [f"{path}: expected {type_expr}"]
        tspec = self.types.get(type_expr)
        if tspec is None:
            return [] if isinstance(value, dict) else [f"{path}: expected {type_expr}"]
        if not isinstance(value, dict):
            return [f"{path}: expected {type_expr}"]
        if tspec.subtypes:
            try:
                tspec = self._pick_subtype(tspec, value, path)
            except _Mismatch as exc:
                return [f"{path}: {exc}"]
        problems = []
        for name, fspec in tspec.fields.items():
            if name not in value:
                if fspec.required:
                    problems.append(f"{path}.{name}: required field of {tspec.name} missing")
                continue
            alternatives = [
                self.check_result(t, value[name], f"{path}.{name}") for t in fspec.types
            ]
            if all(alternatives):
                problems.extend(alternatives[0])
        return problems


def _missing(method: str, name: str) -> ApiError:
    if name == "text" and method in ("sendMessage", "editMessageText"):
        return bad_request("message text is empty")
    if name in ("photo", "document"):
        return bad_request(f"there is no {name} in the request")
    if name.endswith("_id"):
        return bad_request(f"{name} is empty")
    return bad_request(f"parameter {name} is required")


def _short(obj: Any) -> str:
    text = json.dumps(obj, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_value(value: Any, kind: type, path: str) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            noun = "array" if kind is list else "object"
            raise bad_request(f"can't parse {path} JSON {noun}") from None
    if not isinstance(value, kind):
        raise _Mismatch(f"expected a JSON {'array' if kind is list else 'object'}")
    return value


def _coerce_primitive(type_name: str, value: Any, uploads: Mapping[str, Upload]) -> Any:
    if type_name == "InputFile":
        if isinstance(value, Upload):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
            return upload
        raise _Mismatch("")
    if isinstance(value, Upload):
        raise _Mismatch("expected a string, not a file")
    if type_name == "Integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INT_RE.match(value.strip()):
            return int(value)
        raise _Mismatch(f"expected an Integer, got {_short(value)}")
    if type_name == "Float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _Mismatch(f"expected a Float, got {_short(value)}") from None
    if type_name in ("Boolean", "True"):
        if isinstance(value, bool):
            return value
        lowered = str(value).strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
        raise _Mismatch(f"expected a Boolean, got {_short(value)}")
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Mismatch(f"expected a String, got {_short(value)}")


def _primitive_ok(type_name: str, value: Any) -> bool:
    if type_name == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_name in ("Boolean", "True"):
        return isinstance(value, bool)
    return isinstance(value, str)


def build_subset(
    full: Mapping[str, Any],
    methods: Iterable[str] = METHODS,
    result_types: Iterable[str] = RESULT_TYPES,
) -> dict[str, Any]:
    """Cut the spec down to ``methods``, the closure of their parameter types, and result types."""
    types = full["types"]
    wanted: dict[str, None] = {}

    def walk(type_expr: str) -> None:
        name = type_expr.rsplit(" of ", 1)[-1]
        if name in PRIMITIVES or name in wanted or name not in types:
            return
        wanted[name] = None
        for field in types[name].get("fields", []):
            for t in field["types"]:
                walk(t)
        for sub in types[name].get("subtypes", []):
            walk(sub)

    method_names = list(methods)
    for name in method_names:
        for field in full["methods"][name].get("fields", []):
            for t in field["types"]:
                walk(t)
    for name in result_types:
        wanted.setdefault(name, None)
    return {
        "version": full["version"],
        "release_date": full.get("release_date", ""),
        "all_method_names": sorted(full["methods"]),
        "methods": {n: full["methods"][n] for n in method_names},
        "types": {n: types[n] for n in sorted(wanted)},
    }


def main(argv: list[str] | None = None) -> int:
    """Write the vendored subset from a full ``api.json`` given on the command line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m bot.fakeserver.spec FULL_API_JSON [OUT]", file=sys.stderr)
        return 2
    full = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    out = Path(args[1]) if len(args) == 2 else SUBSET_FILE
    subset = build_subset(full)
    out.write_text(json.dumps(subset, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{out}: {len(subset['methods'])} methods, {len(subset['types'])} types")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
