"""The API's parsers: JSON refusing with a 400 what would otherwise end in a 500, and forms read
as the same fields in JSON would be.

Its own module: DRF reads DEFAULT_PARSER_CLASSES while defining APIView, so the parser may not
live in a module that imports rest_framework.views (config/api.py does).
"""

import json
import math

from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles
from rest_framework.parsers import FormParser as DRFFormParser
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.parsers import MultiPartParser as DRFMultiPartParser

MAX_JSON_DEPTH = 20


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    """A JSON number with a fraction or an exponent, refused when it overflows a float: 1e999
    would be read as Infinity, which the refused constants already are not."""
    value = float(text)
    if math.isinf(value):
        raise ValueError("number out of range")
    return value


def _check_parsed(value, *, limit: int = MAX_JSON_DEPTH) -> None:
    """Walks the parsed document without recursion: depth, NUL in strings."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                raise ParseError(f"JSON nested deeper than {limit} levels.")
            if isinstance(item, dict):
                pending.extend((key, depth + 1) for key in item)
                item = item.values()
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and "\x00" in item:
            raise ParseError("JSON strings may not contain NUL characters.")


class JSONParser(DRFJSONParser):
    """DRF's JSON parser, refusing with a 400 what would otherwise end in a 500: nesting past
    MAX_JSON_DEPTH (the decoder recurses), NaN and Infinity and numbers too large for a float,
    NUL characters (PostgreSQL text cannot hold them) and integers too long to convert."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            text = stream.read().decode(encoding) if stream is not None else ""
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - not {encoding}.") from exc
        try:
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
        except (ValueError, RecursionError) as exc:
            # The decoder recurses: a deep enough document exhausts the stack before any
            # depth check could run on its result.
            raise ParseError("JSON parse error.") from exc
        _check_parsed(data)
        return data


def _plain(data) -> dict:
    """A form's fields as a plain dict, the last value of a repeated one (what DRF reads from
    a QueryDict): DRF reads a QueryDict as an HTML form, where an empty value means "not given"
    (an optional field left empty took its default, and a request the schema refuses, `""`
    where at least one character is required, was accepted), and the same fields in JSON as
    given. The API's fields are scalars, so a form now means what the same JSON means."""
    return {key: data[key] for key in data}


class FormParser(DRFFormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return _plain(super().parse(stream, media_type, parser_context))


class MultiPartParser(DRFMultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        return DataAndFiles(_plain(parsed.data), parsed.files)
