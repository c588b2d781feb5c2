"""Results and notifications, as frozen dataclasses. Each keeps the JSON it came from in ``raw``, so
members a newer server adds are never lost."""

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional

__all__ = [
    "Position",
    "Range",
    "Fix",
    "Diagnostic",
    "ValidationResult",
    "CreateResult",
    "UpdateResult",
    "Progress",
    "ServerInfo",
    "JSONSchema",
    "Schemas",
]

#: A JSON Schema (draft 2020-12) document, as ``openframe/schema`` returns it.
JSONSchema = Dict[str, Any]


def _str(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _opt_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class Position:
    """A zero-based line and character (UTF-16 code units unless another encoding was asked for)."""

    line: int
    character: int

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "Position":
        return cls(_int(value.get("line")), _int(value.get("character")))


@dataclass(frozen=True)
class Range:
    """An LSP range; present on diagnostics only when the payload was given as ``text``."""

    start: Position
    end: Position

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "Range":
        start = value.get("start")
        end = value.get("end")
        return cls(
            Position.from_json(start if isinstance(start, Mapping) else {}),
            Position.from_json(end if isinstance(end, Mapping) else {}),
        )


@dataclass(frozen=True)
class Fix:
    """A suggested correction: ``kind`` is ``"replaceValue"`` (replace the value at the diagnostic's
    path with ``replace_value``) or ``"renameKey"`` (rename the member to ``rename_key``)."""

    title: str
    kind: str
    replace_value: Any = None
    rename_key: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "Fix":
        if "replaceValue" in value:
            kind = "replaceValue"
        elif "renameKey" in value:
            kind = "renameKey"
        else:
            kind = "unknown"
        return cls(
            title=_str(value.get("title")),
            kind=kind,
            replace_value=value.get("replaceValue"),
            rename_key=_opt_str(value.get("renameKey")),
            raw=dict(value),
        )


@dataclass(frozen=True)
class Diagnostic:
    """One finding of the validation core. ``path`` is an RFC 6901 JSON pointer into the payload;
    ``code`` is stable (match on it, not on ``message``)."""

    severity: str
    code: str
    message: str
    path: str
    range: Optional[Range] = None
    fix: Optional[Fix] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def describe(self) -> str:
        where = self.path or "(root)"
        if self.range is not None:
            where += " (line %d, character %d)" % (self.range.start.line + 1, self.range.start.character + 1)
        return "%s: %s: %s [%s]" % (where, self.severity, self.message, self.code)

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> "Diagnostic":
        rng = value.get("range")
        fix = value.get("fix")
        return cls(
            severity=_str(value.get("severity")),
            code=_str(value.get("code")),
            message=_str(value.get("message")),
            path=_str(value.get("path")),
            range=Range.from_json(rng) if isinstance(rng, Mapping) else None,
            fix=Fix.from_json(fix) if isinstance(fix, Mapping) else None,
            raw=dict(value),
        )


@dataclass(frozen=True)
class ValidationResult:
    """The answer of ``openframe/validate``: ``valid`` is true exactly when no diagnostic is an error."""

    valid: bool
    diagnostics: List[Diagnostic]
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    def __bool__(self) -> bool:
        return self.valid

    @classmethod
    def from_json(cls, value: Any) -> "ValidationResult":
        value = value if isinstance(value, Mapping) else {}
        items = value.get("diagnostics")
        return cls(
            valid=value.get("valid") is True,
            diagnostics=[Diagnostic.from_json(d) for d in (items if isinstance(items, list) else []) if isinstance(d, Mapping)],
            raw=dict(value),
        )


@dataclass(frozen=True)
class CreateResult:
    """A created voice interaction: the instance's ``result`` (``status``, ``sys_id``, ``number``)
    and where it went (``target``: ``"instance"`` or ``"sandbox"``)."""

    status: str
    sys_id: str
    number: str
    target: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, value: Any) -> "CreateResult":
        value = value if isinstance(value, Mapping) else {}
        return cls(
            status=_str(value.get("status")),
            sys_id=_str(value.get("sysId")),
            number=_str(value.get("number")),
            target=_str(value.get("target")),
            raw=dict(value),
        )


@dataclass(frozen=True)
class UpdateResult:
    """An updated voice interaction: the instance's ``status`` and the ``target``."""

    status: str
    target: str
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, value: Any) -> "UpdateResult":
        value = value if isinstance(value, Mapping) else {}
        return cls(status=_str(value.get("status")), target=_str(value.get("target")), raw=dict(value))


@dataclass(frozen=True)
class Progress:
    """One ``$/progress`` notification for a call: ``kind`` is ``"begin"``, ``"report"`` or ``"end"``."""

    kind: str
    title: Optional[str] = None
    message: Optional[str] = None
    percentage: Optional[int] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, value: Any) -> "Progress":
        value = value if isinstance(value, Mapping) else {}
        percentage = value.get("percentage")
        return cls(
            kind=_str(value.get("kind")),
            title=_opt_str(value.get("title")),
            message=_opt_str(value.get("message")),
            percentage=percentage if isinstance(percentage, int) and not isinstance(percentage, bool) else None,
            raw=dict(value),
        )


@dataclass(frozen=True)
class ServerInfo:
    """What ``initialize`` told about the server: its name and version, the openframe methods it
    offers, and where creates and updates go (``target``: ``"instance"`` or ``"sandbox"``, and
    ``target_name``: the instance URL or the sandbox; never a credential), when it says so."""

    name: str
    version: str
    methods: List[str]
    target: Optional[str] = None
    target_name: Optional[str] = None
    capabilities: Dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, value: Any) -> "ServerInfo":
        value = value if isinstance(value, Mapping) else {}
        info = value.get("serverInfo") if isinstance(value.get("serverInfo"), Mapping) else {}
        capabilities = value.get("capabilities") if isinstance(value.get("capabilities"), Mapping) else {}
        methods: List[str] = []
        openframe: Mapping[str, Any] = {}
        experimental = capabilities.get("experimental")
        if isinstance(experimental, Mapping) and isinstance(experimental.get("openframe"), Mapping):
            openframe = experimental["openframe"]
            listed = openframe.get("methods")
            if isinstance(listed, list):
                methods = [m for m in listed if isinstance(m, str)]
        return cls(
            name=_str(info.get("name")),
            version=_str(info.get("version")),
            methods=methods,
            target=_opt_str(openframe.get("target")),
            target_name=_opt_str(openframe.get("targetName")),
            capabilities=dict(capabilities),
        )


@dataclass(frozen=True)
class Schemas:
    """Both payload schemas, as ``schema()`` without an operation returns them."""

    create: JSONSchema
    update: JSONSchema

    @classmethod
    def from_json(cls, value: Any) -> "Schemas":
        value = value if isinstance(value, Mapping) else {}
        create = value.get("create")
        update = value.get("update")
        return cls(
            create=dict(create) if isinstance(create, Mapping) else {},
            update=dict(update) if isinstance(update, Mapping) else {},
        )
