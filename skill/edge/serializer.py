"""A faster drop-in for ask-sdk-core's DefaultSerializer: same objects in, same JSON out.

ask-sdk-core's serializer re-resolves every model's type strings on every call (``__import__``,
regular expressions, ``attribute_map.update``), constructs each model through its ``__init__``
and parses every timestamp with dateutil. This one compiles a plan per model class once:
which payload key goes to which attribute through which converter, and copies a template
instance's attributes instead of running ``__init__``. The results compare equal to
DefaultSerializer's (tests/test_serializer.py checks both directions on real envelopes).

It also deserializes from already-parsed JSON (`from_data`), so the web layer parses the body
exactly once. Both directions recurse once per level of nesting: the web layer refuses bodies
nested deeper than `skill.edge.web.MAX_DEPTH` before parsing them, far below Python's recursion
limit (and a RecursionError while deserializing is a SerializationException like any other).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.serialize import DefaultSerializer

Converter = Callable[[Any], Any]
_LIST = re.compile(r"^list\[(.*)\]$")
_DICT = re.compile(r"^dict\(([^,]*), (.*)\)$")
_PRIMITIVES = {"str": str, "int": int, "long": int, "float": float, "bool": bool}
_SCALARS = frozenset({str, int, float, bool, bytes, type(None)})


def _primitive(kind: type) -> Converter:
    def convert(value: Any) -> Any:
        if type(value) is kind:
            return value
        try:
            return kind(value)
        except TypeError:
            return value
        except ValueError as exc:
            raise SerializationException(f"Failed to parse {value!r} into '{kind.__name__}' object") from exc
    return convert


def _parse_datetime(value: Any) -> Any:
    if not isinstance(value, str):
        raise SerializationException(f"Failed to parse {type(value).__name__} into 'datetime' object")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    try:
        from dateutil.parser import parse
        return parse(value)
    except (ValueError, OverflowError) as exc:
        raise SerializationException(f"Failed to parse {value!r} into 'datetime' object") from exc


def _parse_date(value: Any) -> Any:
    parsed = _parse_datetime(value)
    return parsed.date() if isinstance(parsed, datetime) else parsed


class FastSerializer(DefaultSerializer):
    """ask-sdk's serializer interface with compiled per-class plans."""

    def __init__(self) -> None:
        self._converters: dict[str, Converter] = {}
        self._lock = threading.Lock()
        self._serial_plans: dict[type, list[tuple[str, str]]] = {}

    # ------------------------------------------------------------------ deserialize
    def deserialize(self, payload: str | None, obj_type: Any) -> Any:
        if payload is None:
            return None
        try:
            data = json.loads(payload)
        except (TypeError, ValueError) as exc:
            raise SerializationException("Couldn't parse response body") from exc
        return self.from_data(data, obj_type)

    def from_data(self, data: Any, obj_type: Any) -> Any:
        """Deserialize parsed JSON into `obj_type` (a type string or a class)."""
        if data is None:
            return None
        try:
            return self._converter(obj_type)(data)
        except SerializationException:
            raise
        except Exception as exc:  # noqa: BLE001 - any malformed payload is a serialization error
            raise SerializationException(f"{type(exc).__name__}: {exc}") from exc

    def _converter(self, obj_type: Any) -> Converter:
        key = obj_type if isinstance(obj_type, str) else f"{obj_type.__module__}.{obj_type.__qualname__}"
        found = self._converters.get(key)
        if found is None:
            with self._lock:
                found = self._converters.get(key) or self._build(obj_type)
                self._converters[key] = found
        return found

    def _build(self, obj_type: Any) -> Converter:
        if isinstance(obj_type, str):
            match = _LIST.match(obj_type)
            if match:
                return self._list_of(match.group(1))
            match = _DICT.match(obj_type)
            if match:
                return self._dict_of(match.group(2))
            if obj_type in _PRIMITIVES:
                return _primitive(_PRIMITIVES[obj_type])
            if obj_type == "object":
                return lambda value: value
            if obj_type == "datetime":
                return _parse_datetime
            if obj_type == "date":
                return _parse_date
            obj_type = self._load_class(obj_type)
        if obj_type in (str, int, float, bool, bytes):
            return _primitive(obj_type)
        if obj_type is datetime:
            return _parse_datetime
        if obj_type is date:
            return _parse_date
        if obj_type is object:
            return lambda value: value
        if isinstance(obj_type, type) and issubclass(obj_type, Enum):
            return obj_type
        if hasattr(obj_type, "deserialized_types"):
            return self._model(obj_type)
        return lambda value: value

    def _list_of(self, inner: str) -> Converter:
        if "," in inner:
            kinds = [k.strip() for k in inner.split(",")]
            return lambda value: [self._converter(k)(v) if v is not None else None
                                  for v, k in zip(value, kinds)]
        kind = inner.strip()
        return lambda value: [self._converter(kind)(v) if v is not None else None for v in value]

    def _dict_of(self, inner: str) -> Converter:
        kind = inner.strip()
        return lambda value: {k: self._converter(kind)(v) if v is not None else None
                              for k, v in value.items()}

    @staticmethod
    def _load_class(name: str) -> type:
        module_name, _, class_name = name.rpartition(".")
        try:
            module = __import__(module_name, fromlist=[class_name])
            return getattr(module, class_name)
        except Exception as exc:  # noqa: BLE001
            raise SerializationException(f"Unable to resolve class {name} from installed modules: {exc}") from exc

    def _model(self, cls: type) -> Converter:
        """A converter for one model class; subclasses are chosen by the discriminator.

        Only the keys present in the payload are visited; each field's converter is resolved on
        first use and kept. Unknown keys become plain attributes, as DefaultSerializer does.
        """
        has_child = hasattr(cls, "get_real_child_model")
        attribute_map = dict(getattr(cls, "attribute_map", {}))
        fields = {attribute_map.get(attr, attr): [attr, kind, None, _PRIMITIVES.get(kind)]
                  for attr, kind in cls.deserialized_types.items()}
        template = cls().__dict__
        own_name = f"{cls.__module__}.{cls.__name__}"

        def build(payload: dict) -> Any:
            values = template.copy()
            for key, value in payload.items():
                field = fields.get(key)
                if field is None:
                    values[key] = value
                elif value is None or type(value) is field[3]:  # None, or already the right primitive
                    values[field[0]] = value
                else:
                    convert_field = field[2]
                    if convert_field is None:
                        convert_field = field[2] = self._converter(field[1])
                    values[field[0]] = convert_field(value)
            obj = cls.__new__(cls)
            obj.__dict__ = values
            return obj

        def convert(payload: Any) -> Any:
            if type(payload) is not dict:
                raise SerializationException(f"expected an object for {cls.__name__}, got {type(payload).__name__}")
            if has_child:
                child = cls.get_real_child_model(payload)
                if not child:
                    raise SerializationException(f"Couldn't resolve object by discriminator type for {cls} class")
                if child != own_name:
                    return self._converter(child)(payload)
            return build(payload)

        return convert

    # ------------------------------------------------------------------ serialize
    def serialize(self, obj: Any) -> Any:
        """Models, enums, dates and containers to JSON-ready data, None values dropped from models."""
        kind = type(obj)
        if kind in _SCALARS:
            return obj
        if kind is dict:
            return {key: self.serialize(value) for key, value in obj.items()}
        if kind is list:
            return [self.serialize(item) for item in obj]
        plan = self._serial_plans.get(kind)
        if plan is not None:
            out = {}
            for attr, key in plan:
                value = getattr(obj, attr)
                if value is not None:
                    out[key] = value if type(value) in _SCALARS else self.serialize(value)
            return out
        return self._serialize_other(obj)

    def _serialize_other(self, obj: Any) -> Any:
        if isinstance(obj, (str, bool, int, float, bytes)):
            return obj
        if isinstance(obj, dict):
            return {key: self.serialize(value) for key, value in obj.items()}
        if isinstance(obj, list):
            return [self.serialize(item) for item in obj]
        if isinstance(obj, tuple):
            return tuple(self.serialize(item) for item in obj)
        if isinstance(obj, (datetime, date)):
            return obj.isoformat()
        if isinstance(obj, Enum):
            return obj.value
        if isinstance(obj, Decimal):
            return int(obj) if obj % 1 == 0 else float(obj)
        attribute_map = getattr(obj, "attribute_map", {})
        self._serial_plans[type(obj)] = [(attr, attribute_map.get(attr, attr)) for attr in obj.deserialized_types]
        return self.serialize(obj)
