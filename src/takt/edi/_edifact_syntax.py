"""EDIFACT syntax level for :mod:`takt.edi.edifact`: characters, segments, values, errors.

Tokenising and serialising (service string advice, separators, the release
character ``?``) are pydifact's; this module adds what the engine needs on top:
segment positions, the D96A layouts of the segments Takt reads, value checks that
report UN/ECE 0085 syntax error codes, and value formatting for the encoder.

References: ISO 9735 (syntax version 3) for the service characters, the UNA/UNB
layout and the numeric representation; UNTDID D.96A segment directory (EDSD) for
the segment layouts; UN/ECE code list 0085 (Syntax error, coded) for the codes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segments import Segment
from pydifact.serializer import Serializer
from pydifact.token import Token
from pydifact.tokenizer import Tokenizer

from takt.edi.documents import EdiError
from takt.errors import InvalidInputError

# UN/ECE 0085 "Syntax error, coded" (ISO 9735 syntax and service report codes).
SYNTAX_VERSION_NOT_SUPPORTED = "2"
INVALID_VALUE = "12"
MISSING = "13"
VALUE_NOT_SUPPORTED = "14"
NOT_SUPPORTED_IN_POSITION = "15"
TOO_MANY_CONSTITUENTS = "16"
UNSPECIFIED_ERROR = "18"
INVALID_DECIMAL_NOTATION = "19"
INVALID_SERVICE_CHARACTER = "20"
INVALID_CHARACTERS = "21"
DUPLICATE_DETECTED = "26"
REFERENCES_DO_NOT_MATCH = "28"
CONTROL_COUNT_MISMATCH = "29"
LOWER_LEVEL_EMPTY = "32"
OUTSIDE_MESSAGE = "33"
INVALID_CHARACTER_TYPE = "37"
MISSING_DIGIT_BEFORE_DECIMAL = "38"
DATA_ELEMENT_TOO_LONG = "39"

SYNTAX_ERROR_NAMES: dict[str, str] = {
    SYNTAX_VERSION_NOT_SUPPORTED: "Syntax version or level not supported",
    "7": "Interchange recipient not actual recipient",
    INVALID_VALUE: "Invalid value",
    MISSING: "Missing",
    VALUE_NOT_SUPPORTED: "Value not supported in this position",
    NOT_SUPPORTED_IN_POSITION: "Not supported in this position",
    TOO_MANY_CONSTITUENTS: "Too many constituents",
    "17": "No agreement",
    UNSPECIFIED_ERROR: "Unspecified error",
    INVALID_DECIMAL_NOTATION: "Invalid decimal notation",
    INVALID_SERVICE_CHARACTER: "Character invalid as service character",
    INVALID_CHARACTERS: "Invalid character(s)",
    "22": "Invalid service character(s)",
    "23": "Unknown Interchange sender",
    "25": "Test indicator not supported",
    DUPLICATE_DETECTED: "Duplicate detected",
    REFERENCES_DO_NOT_MATCH: "References do not match",
    CONTROL_COUNT_MISMATCH: "Control count does not match number of instances received",
    LOWER_LEVEL_EMPTY: "Lower level empty",
    OUTSIDE_MESSAGE: "Invalid occurrence outside message, package or group",
    "35": "Too many repetitions",
    "36": "Too many segment group repetitions",
    INVALID_CHARACTER_TYPE: "Invalid type of character(s)",
    MISSING_DIGIT_BEFORE_DECIMAL: "Missing digit in front of decimal sign",
    DATA_ELEMENT_TOO_LONG: "Data element too long",
    "40": "Data element too short",
}


def describe(code: str) -> str:
    """The 0085 name of ``code`` (the text a CONTRL reader reconstructs)."""
    return SYNTAX_ERROR_NAMES.get(code, f"Syntax error {code}")


# Maximum components per data element (1 = simple element) for the segments Takt
# reads: service segments from ISO 9735 v3, the others from the D.96A EDSD.
LAYOUTS: dict[str, tuple[int, ...]] = {
    "UNB": (2, 3, 3, 2, 1, 2, 1, 1, 1, 1, 1),
    "UNZ": (1, 1),
    "UNH": (1, 5, 1, 2),
    "UNT": (1, 1),
    "UCI": (1, 3, 3, 1, 1, 1, 2),
    "UCM": (1, 5, 1, 1, 1, 2),
    "UCS": (1, 1),
    "UCD": (1, 2),
    "BGM": (4, 1, 1, 1),
    "DTM": (3,),
    "RFF": (4,),
    "NAD": (1, 3, 5, 6, 4, 1, 1, 1, 1),
    "CUX": (4, 4, 1, 1),
    "LIN": (1, 1, 4, 2, 1, 1),
    "PIA": (1, 4, 4, 4, 4, 4),
    "QTY": (3,),
    "PRI": (6, 1),
    "LOC": (1, 4, 4, 4, 1),
    "UNS": (1,),
    "CNT": (3,),
    "FTX": (1, 1, 3, 5, 1),
    "TDT": (1, 1, 2, 2, 4, 1, 3, 5, 1),
    "CPS": (1, 1, 1),
    "MOA": (5,),
}

_TAG = re.compile(r"[A-Z][A-Z0-9]{2}")
# ISO 9735 default service characters (the UNA string when UNA is absent).
DEFAULT_ADVICE = ":+.? '"
Element = str | list[str]


@dataclass(frozen=True, slots=True)
class EdifactError(EdiError):
    """An :class:`EdiError` that also knows where a CONTRL must report it.

    ``message_ref`` is the UNH 0062 reference of the message the error lies in
    (``""`` for the interchange level: UNA, UNB, UNZ and anything between
    messages); ``message_identifier`` the UNH S009 components as received
    (``("ORDERS", "D", "96A", "UN")``); ``message_position`` the UCS 0096 segment
    position counted from UNH = 1; ``component`` the S011 0104 component position.
    ``element`` keeps :class:`EdiError`'s meaning (1 = first data element after
    the tag); CONTRL's S011 0098 counts the tag as 1, so it carries element + 1.
    """

    message_ref: str = ""
    message_identifier: tuple[str, ...] = ()
    message_position: int | None = None
    component: int | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.segment:
            parts.append(f"segment {self.segment}")
        if self.position:
            parts.append(f"at position {self.position}")
        if self.message_ref:
            kind = f" ({self.message_identifier[0]})" if self.message_identifier else ""
            parts.append(f"in message {self.message_ref}{kind}")
            if self.message_position is not None:
                parts.append(f"segment {self.message_position} of the message")
        if self.element is not None:
            parts.append(f"element {self.element}")
            if self.component is not None:
                parts.append(f"component {self.component}")
        code = f" (CONTRL 0085={self.code})" if self.code else ""
        return f"{', '.join(parts) or 'interchange'}: {self.message}{code}"


@dataclass(frozen=True, slots=True)
class RawSegment:
    """One received segment: tag, elements as component tuples, 1-based position.

    Positions count UNB as 1 (the UNA service string advice is not a segment).
    """

    tag: str
    elements: tuple[tuple[str, ...], ...]
    position: int

    def get(self, element: int, component: int = 1) -> str:
        """Component ``component`` of data element ``element`` (both 1-based), or ``""``."""
        if element > len(self.elements):
            return ""
        components = self.elements[element - 1]
        return components[component - 1] if component <= len(components) else ""

    def components(self, element: int) -> tuple[str, ...]:
        return self.elements[element - 1] if element <= len(self.elements) else ()


@dataclass(frozen=True, slots=True)
class MessageScope:
    reference: str
    identifier: tuple[str, ...]
    unh_position: int


class ErrorLog:
    """Collects every error of one decode, each placed for a CONTRL answer."""

    def __init__(self) -> None:
        self.errors: list[EdifactError] = []
        self.scope: MessageScope | None = None

    def add(
        self,
        tag: str,
        position: int,
        code: str,
        message: str,
        element: int | None = None,
        component: int | None = None,
    ) -> None:
        scope = self.scope
        self.errors.append(
            EdifactError(
                segment=tag,
                position=position,
                message=message,
                element=element,
                code=code,
                message_ref=scope.reference if scope else "",
                message_identifier=scope.identifier if scope else (),
                message_position=position - scope.unh_position + 1 if scope else None,
                component=component,
            )
        )

    def at(
        self,
        segment: RawSegment,
        code: str,
        message: str,
        element: int | None = None,
        component: int | None = None,
    ) -> None:
        self.add(segment.tag, segment.position, code, message, element, component)


@dataclass(frozen=True, slots=True)
class Tokenised:
    segments: tuple[RawSegment, ...]
    decimal_mark: str
    errors: tuple[EdifactError, ...]


def tokenise(text: str) -> Tokenised:
    """Split an interchange into segments with pydifact, keeping every problem found.

    The UNA service string advice is optional (ISO 9735 defaults apply without it).
    A file that ends inside a segment, or a release character before a line end,
    becomes an error at the position where the next segment would be.
    """
    log = ErrorLog()
    body = text.lstrip("\ufeff \t\r\n")
    advice = DEFAULT_ADVICE
    if body.startswith("UNA"):
        advice = body[3:9]
        body = body[9:].lstrip("\r\n")
        if len(advice) < 6:
            log.add("UNA", 0, MISSING, "UNA service string advice is cut short")
            return Tokenised((), ".", tuple(log.errors))
        problem = _advice_problem(advice)
        if problem:
            log.add("UNA", 0, INVALID_SERVICE_CHARACTER, problem)
            return Tokenised((), ".", tuple(log.errors))
    characters = Characters.from_str(advice)
    tokenizer = Tokenizer()
    open_tag: list[str] = []  # tag of a segment begun but not yet terminated
    segments: list[RawSegment] = []

    def tracked() -> Iterator[Token]:
        for token in tokenizer.get_tokens(body, characters):
            if token.type == Token.Type.TERMINATOR:
                open_tag.clear()
            elif token.type == Token.Type.CONTENT and not open_tag:
                open_tag.append(token.value)
            yield token

    try:
        for raw in Parser().convert_tokens_to_raw_segments(tracked()):
            segments.append(_raw_segment(raw, len(segments) + 1))
    except EDISyntaxError as exc:
        # str(tokenizer) is the content read so far of the token being cut off
        tag = open_tag[0] if open_tag else str(tokenizer)[:3]
        if tokenizer.end_of_message():
            message = "the interchange ends inside a segment: it is truncated"
            log.add(tag, len(segments) + 1, MISSING, message)
        else:
            log.add(tag, len(segments) + 1, INVALID_CHARACTERS, f"cannot read segment: {exc}")
    else:
        if open_tag:
            log.add(
                open_tag[0],
                len(segments) + 1,
                MISSING,
                "the interchange ends inside a segment: it is truncated",
            )
    return Tokenised(tuple(segments), advice[2], tuple(log.errors))


def _advice_problem(advice: str) -> str:
    separators = (advice[0], advice[1], advice[3], advice[5])  # component, data, release, end
    decimal = advice[2]
    if len(set(separators)) != 4 or any(c.isalnum() or c.isspace() for c in separators):
        return f"UNA advises unusable separators {advice!r}"
    if decimal not in ".,":
        return f"UNA decimal notation must be '.' or ',', not {decimal!r}"
    return ""


def _raw_segment(raw: list[Element], position: int) -> RawSegment:
    head, *rest = raw
    tag = head if isinstance(head, str) else ":".join(head)
    elements = tuple((e,) if isinstance(e, str) else tuple(e) for e in rest)
    return RawSegment(tag=tag, elements=elements, position=position)


def check_layout(segment: RawSegment, log: ErrorLog) -> None:
    """A tag that is no tag → 12; too many elements or components → 16 (D.96A layouts)."""
    if not _TAG.fullmatch(segment.tag):
        log.at(
            segment,
            INVALID_VALUE,
            f"{segment.tag!r} is not a segment tag (an unescaped ' before it?)",
        )
        return
    layout = LAYOUTS.get(segment.tag)
    if layout is None:
        return
    if len(segment.elements) > len(layout):
        log.at(
            segment,
            TOO_MANY_CONSTITUENTS,
            f"{segment.tag} has {len(segment.elements)} data elements, at most {len(layout)}",
            element=len(layout) + 1,
        )
    for index, (components, allowed) in enumerate(zip(segment.elements, layout, strict=False)):
        if len(components) > allowed:
            log.at(
                segment,
                TOO_MANY_CONSTITUENTS,
                f"{segment.tag} element {index + 1} has {len(components)} components, "
                f"at most {allowed}",
                element=index + 1,
                component=allowed + 1,
            )


# ---------------------------------------------------------------- reading values


def read_text(
    segment: RawSegment,
    log: ErrorLog,
    element: int,
    component: int = 1,
    *,
    label: str,
    max_length: int,
    required: bool = True,
) -> str:
    """An alphanumeric value (``an..max_length``); missing → 13, too long → 39."""
    value = segment.get(element, component)
    if not value:
        if required:
            log.at(
                segment, MISSING, f"{label} is missing", element, _comp(segment, element, component)
            )
        return ""
    if len(value) > max_length:
        log.at(
            segment,
            DATA_ELEMENT_TOO_LONG,
            f"{label} has {len(value)} characters, at most {max_length}",
            element,
            _comp(segment, element, component),
        )
    return value


def read_code(
    segment: RawSegment,
    log: ErrorLog,
    element: int,
    component: int = 1,
    *,
    label: str,
    allowed: Collection[str],
    required: bool = True,
    unsupported: str = INVALID_VALUE,
) -> str:
    """A coded value that must be one of ``allowed``; missing → 13, other → ``unsupported``."""
    value = segment.get(element, component)
    if not value:
        if required:
            log.at(
                segment, MISSING, f"{label} is missing", element, _comp(segment, element, component)
            )
        return ""
    if value not in allowed:
        expected = ", ".join(sorted(allowed))
        log.at(
            segment,
            unsupported,
            f"{label} {value!r} is not one of {expected}",
            element,
            _comp(segment, element, component),
        )
        return ""
    return value


def read_number(
    segment: RawSegment,
    log: ErrorLog,
    element: int,
    component: int = 1,
    *,
    label: str,
    decimal_mark: str,
    max_digits: int = 15,
    required: bool = True,
) -> Decimal | None:
    """A numeric value (ISO 9735 numeric representation: optional minus, advised decimal mark).

    Letters → 37, the other decimal mark → 19, ``.5`` → 38, more than
    ``max_digits`` digits (sign and mark not counted) → 39.
    """
    value = segment.get(element, component)
    where = (element, _comp(segment, element, component))
    if not value:
        if required:
            log.at(segment, MISSING, f"{label} is missing", *where)
        return None
    mark = re.escape(decimal_mark)
    other = "," if decimal_mark == "." else "."
    if re.fullmatch(rf"-?\d+({mark}\d+)?", value):
        digits = sum(c.isdigit() for c in value)
        if digits > max_digits:
            log.at(
                segment,
                DATA_ELEMENT_TOO_LONG,
                f"{label} {value!r} has {digits} digits, at most {max_digits}",
                *where,
            )
            return None
        return Decimal(value.replace(decimal_mark, "."))
    if re.fullmatch(rf"-?{mark}\d+", value):
        log.at(
            segment,
            MISSING_DIGIT_BEFORE_DECIMAL,
            f"{label} {value!r} needs a digit before the decimal mark",
            *where,
        )
    elif re.fullmatch(rf"-?\d+{re.escape(other)}\d+", value):
        log.at(
            segment,
            INVALID_DECIMAL_NOTATION,
            f"{label} {value!r} uses {other!r}; the interchange advises {decimal_mark!r}",
            *where,
        )
    else:
        log.at(segment, INVALID_CHARACTER_TYPE, f"{label} {value!r} is not a number", *where)
    return None


def read_integer(
    segment: RawSegment,
    log: ErrorLog,
    element: int,
    component: int = 1,
    *,
    label: str,
    max_digits: int,
    required: bool = True,
) -> int | None:
    """An unsigned integer (``n..max_digits``): line numbers, counts, positions."""
    value = segment.get(element, component)
    where = (element, _comp(segment, element, component))
    if not value:
        if required:
            log.at(segment, MISSING, f"{label} is missing", *where)
        return None
    if not value.isascii() or not value.isdigit():
        log.at(segment, INVALID_CHARACTER_TYPE, f"{label} {value!r} is not a whole number", *where)
        return None
    if len(value) > max_digits:
        log.at(
            segment,
            DATA_ELEMENT_TOO_LONG,
            f"{label} {value!r} has more than {max_digits} digits",
            *where,
        )
        return None
    return int(value)


# DTM C507 2379 formats Takt reads: CCYYMMDD, CCYYMMDDHHMM, CCYYMMDDHHMMSS (date kept).
_DATE_FORMATS = {"102": 8, "203": 12, "204": 14}


def read_date(segment: RawSegment, log: ErrorLog, *, label: str) -> date | None:
    """The date of a DTM segment (C507: 2005 qualifier, 2380 value, 2379 format).

    Format 102 (CCYYMMDD) is what Takt writes; 203 and 204 are read for their date.
    A missing format is taken as 102. A bad value → 12 at element 1 component 2.
    """
    value = segment.get(1, 2)
    form = segment.get(1, 3) or "102"
    if form not in _DATE_FORMATS:
        log.at(
            segment,
            VALUE_NOT_SUPPORTED,
            f"{label}: date format {form!r} is not supported (102, 203 or 204)",
            1,
            3,
        )
        return None
    if not value:
        log.at(segment, MISSING, f"{label} is missing", 1, 2)
        return None
    length = _DATE_FORMATS[form]
    if len(value) == length and value.isascii() and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            pass
    log.at(segment, INVALID_VALUE, f"{label} {value!r} is not a valid date in format {form}", 1, 2)
    return None


def _comp(segment: RawSegment, element: int, component: int) -> int | None:
    """Name the component only where the element is a composite in D.96A."""
    layout = LAYOUTS.get(segment.tag)
    if layout is not None and element <= len(layout) and layout[element - 1] == 1:
        return None
    return component


# ---------------------------------------------------------------- writing values


def text_value(value: str, *, label: str, max_length: int, required: bool = True) -> str:
    """Check a text for UNOC (ISO 8859-1 printable) and its D.96A maximum length."""
    if not value:
        if required:
            raise InvalidInputError(f"{label} is empty")
        return ""
    if len(value) > max_length:
        raise InvalidInputError(f"{label} {value!r} is longer than {max_length} characters")
    bad = [c for c in value if not (" " <= c <= "~" or "\xa0" <= c <= "\xff")]
    if bad:
        raise InvalidInputError(
            f"{label} {value!r} has {bad[0]!r}, outside the UNOC character repertoire"
        )
    return value


def quantity_value(quantity: float, *, label: str, max_digits: int = 15) -> str:
    """A float as the shortest decimal that reads back to the same float (n..15)."""
    if not math.isfinite(quantity):
        raise InvalidInputError(f"{label} {quantity!r} is not a finite number")
    shortest = Decimal(repr(float(quantity)))
    if shortest == shortest.to_integral_value():
        shortest = shortest.quantize(Decimal(1))
    return amount_value(shortest, label=label, max_digits=max_digits)


def amount_value(amount: Decimal, *, label: str, max_digits: int = 15) -> str:
    """A Decimal in plain notation with ``.`` as decimal mark (as advised in UNA)."""
    if not amount.is_finite():
        raise InvalidInputError(f"{label} {amount!r} is not a finite number")
    text = format(amount, "f")
    digits = sum(c.isdigit() for c in text)
    if digits > max_digits:
        raise InvalidInputError(f"{label} {text} has {digits} digits, at most {max_digits}")
    return text


def integer_value(number: int, *, label: str, max_digits: int) -> str:
    if number < 0 or len(str(number)) > max_digits:
        raise InvalidInputError(f"{label} {number} must be 0..{10**max_digits - 1}")
    return str(number)


def date_value(day: date) -> str:
    """CCYYMMDD (DTM 2379 = 102), zero-padded for any year."""
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def segment(tag: str, *elements: Element) -> Segment:
    """A pydifact segment with trailing empty elements and components dropped."""
    trimmed: list[Element] = []
    for element in elements:
        if isinstance(element, list):
            while element and not element[-1]:
                element = element[:-1]
            trimmed.append(element if len(element) > 1 else (element[0] if element else ""))
        else:
            trimmed.append(element)
    while trimmed and trimmed[-1] in ("", []):
        trimmed.pop()
    return Segment(tag, *trimmed)


def serialise(segments: list[Segment]) -> str:
    """UNA + segments, separators escaped with the release character ``?``."""
    characters = Characters.from_str(DEFAULT_ADVICE)
    return Serializer(characters).serialize(segments, with_una_header=True)
