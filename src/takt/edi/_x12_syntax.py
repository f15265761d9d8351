"""X12 004010 syntax shared by the Takt encoder and decoder: separators, segments, values.

The rules come from ASC X12 004010 (X12.5 interchange control structures and
X12.6 application control structures):

* a segment is a tag followed by elements, each introduced by the element
  separator, and ends with the segment terminator; trailing empty elements are
  left out;
* composite elements split into components with the component separator
  (ISA16);
* there is no release (escape) character, so a value may not contain any
  separator — the encoder refuses such values instead of writing a broken file;
* data types: ``AN`` (string), ``ID`` (code), ``N0`` (integer), ``N2`` (integer
  with two implied decimals), ``R`` (decimal number with an optional leading
  minus and a decimal point only when needed; its length counts digits only),
  ``DT`` (``CCYYMMDD``) and ``TM`` (``HHMM[SS[dd]]``).

Error codes (``EdiError.code``) follow the level at which X12 reports a fault:
TA105 (I18) for the interchange, AK905 (716) for the functional group, AK502
(718) for the transaction set, AK304 (720) for a segment and AK403 (723) for a
data element.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from takt.edi.documents import EdiError
from takt.errors import InvalidInputError

# ---------------------------------------------------------------------------
# Code lists (X12 004010 data element dictionary), worded in our own words.

GROUP_CODES = {  # AK905, element 716
    "1": "functional group not supported",
    "2": "functional group version not supported",
    "3": "functional group trailer missing",
    "4": "group control number in header and trailer do not agree",
    "5": "number of included transaction sets does not match actual count",
    "6": "group control number violates syntax",
}
SET_CODES = {  # AK502, element 718
    "1": "transaction set not supported",
    "2": "transaction set trailer missing",
    "3": "transaction set control number in header and trailer do not match",
    "4": "number of included segments does not match actual count",
    "5": "one or more segments in error",
    "6": "missing or invalid transaction set identifier",
    "7": "missing or invalid transaction set control number",
    "23": "transaction set control number not unique within the functional group",
}
SEGMENT_CODES = {  # AK304, element 720
    "1": "unrecognized segment id",
    "2": "unexpected segment",
    "3": "mandatory segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
}
ELEMENT_CODES = {  # AK403, element 723
    "1": "mandatory data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
}
# Where a set-level (AK502) or group-level (AK905) code points: segment, element.
SET_CODE_PLACES: dict[str, tuple[str, int | None]] = {
    "1": ("ST", 1),
    "2": ("SE", None),
    "3": ("SE", 2),
    "4": ("SE", 1),
    "5": ("ST", None),
    "6": ("ST", 1),
    "7": ("ST", 2),
    "23": ("ST", 2),
}
GROUP_CODE_PLACES: dict[str, tuple[str, int | None]] = {
    "1": ("GS", 1),
    "2": ("GS", 8),
    "3": ("GE", None),
    "4": ("GE", 2),
    "5": ("GE", 1),
    "6": ("GS", 6),
}

# Functional identifier codes (GS01, element 479) of the 004010 transaction
# sets Takt reads or writes, plus common ones a partner might send by mistake,
# so that a 997 can still name the group it rejects.
FUNCTIONAL_IDS = {
    "810": "IN",
    "850": "PO",
    "855": "PR",
    "856": "SH",
    "860": "PC",
    "997": "FA",
    "820": "RA",
    "824": "AG",
    "830": "PS",
    "846": "IB",
    "862": "SS",
    "864": "TX",
    "865": "CA",
}
SET_OF_FUNCTIONAL_ID = {functional_id: set_id for set_id, functional_id in FUNCTIONAL_IDS.items()}


# ---------------------------------------------------------------------------
# Separators and errors


@dataclass(frozen=True, slots=True)
class Separators:
    """The delimiters of an X12 interchange (ISA04 position, ISA16, segment terminator).

    ``element`` is the character at ISA position 4, ``component`` is ISA16
    (position 105) and ``segment`` the terminator (position 106). ISA11 is the
    standards identifier ``U`` in 00401, so there is no repetition separator.
    ``line_break`` writes a newline after every terminator, which keeps files
    readable; the decoder accepts files with or without it.
    """

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    line_break: bool = False

    def check(self) -> None:
        """Raise :class:`InvalidInputError` unless these separators can delimit X12.

        Each must be one character, none alphanumeric or a space (values use
        those), and all three different.
        """
        chars = {"element": self.element, "component": self.component, "segment": self.segment}
        for name, char in chars.items():
            if len(char) != 1 or char.isalnum() or char == " ":
                raise InvalidInputError(
                    f"X12 {name} separator {char!r} must be one character that is neither "
                    "a letter, a digit nor a space"
                )
        if len(set(chars.values())) != 3:
            raise InvalidInputError(f"X12 separators must all differ, got {chars}")
        if self.line_break and self.segment in "\r\n":
            raise InvalidInputError("line_break needs a segment terminator other than a newline")


DEFAULT = Separators()


@dataclass(frozen=True, slots=True)
class X12Error(EdiError):
    """An :class:`EdiError` inside an X12 functional group, with what a 997 needs.

    X12 997 names the group (AK1: ``functional_id`` GS01, ``group_control_number``
    GS06), the transaction set (AK2: ``set_id`` ST01, ``set_control_number``
    ST02) and the segment's position counted from ST = 1 (AK302:
    ``set_position``). ``position`` stays the position in the interchange when
    the decoder reports the error; in a :class:`FunctionalAckDoc` (which is what
    a 997 carries) it is AK302, or 0 for set- and group-level codes, which a
    997 gives without a position.
    """

    functional_id: str = ""
    group_control_number: int | None = None
    set_id: str = ""
    set_control_number: str = ""
    set_position: int | None = None

    def __str__(self) -> str:
        where = f"segment {self.segment} at position {self.position}"
        if self.set_id or self.set_control_number:
            where += f" (transaction set {self.set_id} {self.set_control_number})"
        if self.element is not None:
            where += f", element {self.element}"
        return f"{where}: {self.message}"


# ---------------------------------------------------------------------------
# Segments


@dataclass(frozen=True, slots=True)
class Segment:
    """One received segment: its tag, its elements (01, 02, ...) and its position."""

    tag: str
    elements: tuple[str, ...]
    position: int  # 1-based, ISA = 1

    def get(self, index: int) -> str:
        """Element ``index`` (1-based) or ``""`` when it is not there."""
        return self.elements[index - 1] if 0 < index <= len(self.elements) else ""


TAG = re.compile(r"[A-Z][A-Z0-9]{1,2}")


class SegmentWriter:
    """Collects outbound segments, refusing values X12 cannot carry.

    Every text value goes through :meth:`text`, which names the field in the
    :class:`InvalidInputError` it raises: a value holding a separator would
    silently split into extra elements or segments at the partner.
    """

    def __init__(self, separators: Separators) -> None:
        self.separators = separators
        self.segments: list[str] = []
        self._names = {
            separators.element: "element separator",
            separators.component: "component separator",
            separators.segment: "segment terminator",
        }

    def text(self, value: str, field: str, *, max_length: int, min_length: int = 1) -> str:
        """``value`` checked as an X12 ``AN`` element of ``min_length``..``max_length``."""
        for char in value:
            if char in self._names:
                raise InvalidInputError(
                    f"{field} {value!r} contains {char!r}, the X12 {self._names[char]}; X12 has "
                    "no release character, so this value cannot be sent (change the value or "
                    "the separators)"
                )
        if not value.isprintable():
            raise InvalidInputError(f"{field} {value!r} holds a character that is not printable")
        if not min_length <= len(value) <= max_length:
            raise InvalidInputError(
                f"{field} {value!r} has {len(value)} characters; X12 allows "
                f"{min_length} to {max_length}"
            )
        return value

    def add(self, tag: str, *elements: str) -> None:
        """Append one segment, leaving out trailing empty elements."""
        values = list(elements)
        while values and values[-1] == "":
            values.pop()
        self.segments.append(self.separators.element.join([tag, *values]))

    def count(self) -> int:
        """Number of segments written so far."""
        return len(self.segments)


# ---------------------------------------------------------------------------
# Values

NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")
CENTS = re.compile(r"-?\d+")


def format_date(value: date) -> str:
    """``CCYYMMDD`` (data type DT, e.g. BEG05, DTM02)."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def parse_date(text: str) -> date | None:
    """A ``CCYYMMDD`` date, or ``None`` when ``text`` is not one."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def parse_time(text: str) -> tuple[int, int, int, int] | None:
    """``HHMM[SS[d[d]]]`` (data type TM) as hour, minute, second, microsecond."""
    if len(text) not in (4, 6, 7, 8) or not text.isdigit():
        return None
    hour, minute = int(text[:2]), int(text[2:4])
    second = int(text[4:6]) if len(text) >= 6 else 0
    fraction = text[6:]
    micro = int(fraction.ljust(6, "0")) if fraction else 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second, micro


def format_real(value: float | Decimal, field: str, *, max_digits: int) -> str:
    """An ``R`` element: plain decimal, no exponent, no trailing zeros.

    A float is written with the shortest digits that read back to the same
    float (``repr``), so ``decode(encode(x)) == x`` exactly.
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInputError(f"{field} must be a finite number, got {value!r}")
        number = Decimal(repr(value))
    else:
        number = value
        if not number.is_finite():
            raise InvalidInputError(f"{field} must be a finite number, got {value!r}")
    text = format(number.normalize(), "f")
    if text in ("-0", "0"):
        return "0"
    digits = sum(char.isdigit() for char in text)
    if digits > max_digits:
        raise InvalidInputError(
            f"{field} {value!r} needs {digits} digits; X12 allows {max_digits} here"
        )
    return text


def format_cents(value: Decimal, field: str, *, max_digits: int) -> str:
    """An ``N2`` element: the amount in cents with the two decimals implied (TDS01)."""
    if not value.is_finite():
        raise InvalidInputError(f"{field} must be a finite amount, got {value!r}")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise InvalidInputError(f"{field} {value} has more than two decimals; N2 cannot carry it")
    text = str(int(cents))
    if len(text.lstrip("-")) > max_digits:
        raise InvalidInputError(f"{field} {value} has too many digits for X12 ({max_digits})")
    return text


def parse_real(text: str) -> Decimal | None:
    """An ``R`` value as a Decimal, or ``None`` when ``text`` is not a number."""
    if not NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


# ---------------------------------------------------------------------------
# Reading one transaction set


class SetReader:
    """Reads the elements of one received transaction set, collecting errors.

    Each ``text``/``real``/... call returns the value or ``None`` and, when the
    value breaks a rule, records an :class:`X12Error` with the AK403 code and
    the segment's position both in the interchange and in the set (ST = 1).
    """

    def __init__(
        self,
        segments: list[Segment],
        *,
        component: str,
        functional_id: str,
        group_control_number: int | None,
    ) -> None:
        self.segments = segments  # ST first; SE last when present
        self.component = component
        self.functional_id = functional_id
        self.group_control_number = group_control_number
        self.set_id = segments[0].get(1)
        self.set_control_number = segments[0].get(2)
        self.errors: list[X12Error] = []

    def body(self) -> list[Segment]:
        """The segments between ST and SE."""
        end = -1 if self.segments[-1].tag == "SE" else len(self.segments)
        return self.segments[1:end]

    def end(self) -> Segment:
        """SE, or where it should have been: where missing segments are reported."""
        last = self.segments[-1]
        return last if last.tag == "SE" else Segment("SE", (), last.position + 1)

    def error(
        self, segment: str, at: Segment, message: str, *, element: int | None = None, code: str
    ) -> None:
        """Record an error about ``segment`` found at (or, when missing, expected at) ``at``."""
        self.errors.append(
            X12Error(
                segment=segment,
                position=at.position,
                message=message,
                element=element,
                code=code,
                functional_id=self.functional_id,
                group_control_number=self.group_control_number,
                set_id=self.set_id,
                set_control_number=self.set_control_number,
                set_position=at.position - self.segments[0].position + 1,
            )
        )

    def begin(self, tag: str, what: str) -> Segment | None:
        """The beginning segment (BEG, BCH, BAK, BSN, BIG, AK1), which must follow ST."""
        body = self.body()
        if body and body[0].tag == tag:
            return body[0]
        later = next((seg for seg in body if seg.tag == tag), None)
        if later is not None:
            self.error(tag, later, f"{tag} must be the first segment after ST", code="7")
        else:
            self.missing(tag, body[0] if body else self.end(), what)
        return None

    def missing(self, tag: str, at: Segment, what: str) -> None:
        """Record that mandatory segment ``tag`` is missing (AK304 code 3)."""
        self.error(tag, at, f"{tag} ({what}) is missing", code="3")

    def text(self, seg: Segment, index: int, *, required: bool = False) -> str:
        """Element ``index`` as text; ``""`` when absent (an error when ``required``)."""
        value = seg.get(index)
        name = f"{seg.tag}{index:02d}"
        if not value:
            if required:
                self.error(seg.tag, seg, f"{name} is missing", element=index, code="1")
            return ""
        if self.component in value:
            self.error(
                seg.tag,
                seg,
                f"{name} {value!r} holds the component separator {self.component!r}",
                element=index,
                code="6",
            )
        return value

    def code(self, seg: Segment, index: int, allowed: dict[str, str] | set[str]) -> str | None:
        """Element ``index`` when it is one of ``allowed`` (AK403 code 7 otherwise)."""
        value = self.text(seg, index, required=True)
        if value and value not in allowed:
            choices = ", ".join(sorted(allowed))
            self.error(
                seg.tag,
                seg,
                f"{seg.tag}{index:02d} {value!r} is not one of {choices}",
                element=index,
                code="7",
            )
            return None
        return value or None

    def components(self, seg: Segment, index: int, *, required: bool = False) -> list[str]:
        """Composite element ``index`` split into its components (POC05, AK401)."""
        value = seg.get(index)
        if not value and required:
            self.error(seg.tag, seg, f"{seg.tag}{index:02d} is missing", element=index, code="1")
        return value.split(self.component) if value else []

    def decimal(self, seg: Segment, index: int, *, required: bool = False) -> Decimal | None:
        """Element ``index`` as an ``R`` number (AK403 code 6 when it is not numeric)."""
        value = self.text(seg, index, required=required)
        if not value:
            return None
        number = parse_real(value)
        if number is None:
            self.error(
                seg.tag,
                seg,
                f"{seg.tag}{index:02d} {value!r} is not a number",
                element=index,
                code="6",
            )
        return number

    def cents(self, seg: Segment, index: int, *, required: bool = False) -> Decimal | None:
        """Element ``index`` as an ``N2`` amount: whole cents, two implied decimals (TDS01)."""
        value = self.text(seg, index, required=required)
        if not value:
            return None
        if not CENTS.fullmatch(value):
            self.error(
                seg.tag,
                seg,
                f"{seg.tag}{index:02d} {value!r} is not an amount in cents",
                element=index,
                code="6",
            )
            return None
        return Decimal(int(value)).scaleb(-2)

    def real(self, seg: Segment, index: int, *, required: bool = False) -> float | None:
        """Element ``index`` as a float quantity."""
        number = self.decimal(seg, index, required=required)
        return None if number is None else float(number)

    def integer(self, seg: Segment, index: int, *, required: bool = False) -> int | None:
        """Element ``index`` as a whole number of digits (line numbers, counts)."""
        value = self.text(seg, index, required=required)
        if not value:
            return None
        if not value.isdigit():
            self.error(
                seg.tag,
                seg,
                f"{seg.tag}{index:02d} {value!r} is not a whole number",
                element=index,
                code="6",
            )
            return None
        return int(value)

    def date(self, seg: Segment, index: int, *, required: bool = False) -> date | None:
        """Element ``index`` as a ``CCYYMMDD`` date (AK403 code 8 when invalid)."""
        value = self.text(seg, index, required=required)
        if not value:
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.error(
                seg.tag,
                seg,
                f"{seg.tag}{index:02d} {value!r} is not a CCYYMMDD date",
                element=index,
                code="8",
            )
        return parsed

    def time(self, seg: Segment, index: int, *, required: bool = False) -> None:
        """Check element ``index`` is an ``HHMM[SS[dd]]`` time (AK403 code 9)."""
        value = self.text(seg, index, required=required)
        if value and parse_time(value) is None:
            self.error(
                seg.tag,
                seg,
                f"{seg.tag}{index:02d} {value!r} is not an HHMM time",
                element=index,
                code="9",
            )

    def product_ids(self, seg: Segment, first: int) -> dict[str, str]:
        """Qualifier/id pairs from element ``first`` on (PO106/PO107, LIN02/LIN03, ...)."""
        found: dict[str, str] = {}
        index = first
        while index <= len(seg.elements):
            qualifier = self.text(seg, index)
            value = self.text(seg, index + 1)
            if qualifier and value:
                found.setdefault(qualifier, value)
            elif qualifier or value:
                missing = index + 1 if qualifier else index
                self.error(
                    seg.tag,
                    seg,
                    f"{seg.tag}{index:02d}/{seg.tag}{index + 1:02d} must be given together",
                    element=missing,
                    code="2",
                )
            index += 2
        return found
