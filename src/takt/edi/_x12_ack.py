"""The X12 004010 997 Functional Acknowledgment, written, read and built for an answer.

Transaction set 997 acknowledges one functional group (GS..GE):

* AK1 — AK101 functional identifier (GS01), AK102 group control number (GS06);
* AK2 loop per transaction set reported — AK201 set id (ST01), AK202 set
  control number (ST02);
* AK3 — AK301 segment id, AK302 position in the set (ST = 1), AK304 segment
  syntax error code (720); AK4 under it — AK401 element position, AK403 data
  element syntax error code (723);
* AK5 — AK501 set status (A, E, R), AK502..AK506 set syntax error codes (718);
* AK9 — AK901 group status (A, E, P, R), AK902 sets included, AK903 sets
  received, AK904 sets accepted, AK905..AK909 group syntax error codes (716).

A 997 carries codes, not text, and no interchange (ISA13) reference. In a
:class:`FunctionalAckDoc` that travels as a 997 every error is therefore an
:class:`X12Error` whose message is the code's standard wording and whose
position is AK302 (0 for set- and group-level codes); ``acknowledged_control_number``
read from a 997 is AK102, the group number (Takt's GS06 defaults to ISA13).
Accepted answers report at group level (AK1/AK9, which 004010 allows), since a
decoded interchange no longer knows its ST02 numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from takt.edi._x12_documents import group_by_function, set_id_of
from takt.edi._x12_syntax import (
    ELEMENT_CODES,
    FUNCTIONAL_IDS,
    GROUP_CODE_PLACES,
    GROUP_CODES,
    SEGMENT_CODES,
    SET_CODE_PLACES,
    SET_CODES,
    SET_OF_FUNCTIONAL_ID,
    SegmentWriter,
    SetReader,
    X12Error,
)
from takt.edi.documents import EdiError, EdiRejected, FunctionalAckDoc, Interchange
from takt.errors import InvalidInputError

MAX_CODES = 5  # AK502..AK506 and AK905..AK909
SEGMENT_ID = re.compile(r"[A-Za-z0-9]{2,3}")
SET_KEY = re.compile(r"\d{3}")
CONTROL = re.compile(r"[A-Za-z0-9]{4,9}")

SetKey = tuple[str, str]


def _level(error: EdiError) -> str:
    """Where an error goes in a 997: ``group`` (AK9), ``set`` (AK5) or ``segment`` (AK3/AK4)."""
    if error.segment in ("GS", "GE"):
        return "group"
    if error.segment in ("ST", "SE"):
        return "set"
    return "segment"


def _functional_id(doc: FunctionalAckDoc) -> str:
    """AK101: from the errors (which name their group) or else from the set ids."""
    named = {e.functional_id for e in doc.errors if isinstance(e, X12Error) and e.functional_id}
    if not named:
        named = {FUNCTIONAL_IDS.get(set_id, "") for set_id in doc.acknowledged_set_ids}
    if len(named) != 1 or "" in named:
        raise InvalidInputError(
            "a 997 acknowledges exactly one functional group; cannot tell its GS01 from "
            f"sets {doc.acknowledged_set_ids} and the errors"
        )
    return named.pop()


def _set_key(error: EdiError) -> SetKey:
    if not isinstance(error, X12Error) or not (error.set_id and error.set_control_number):
        raise InvalidInputError(
            f"{error} does not name its transaction set; build the answer with functional_ack()"
        )
    return error.set_id, error.set_control_number


def _check_code(error: EdiError, table: dict[str, str], element: str) -> str:
    if error.code not in table:
        raise InvalidInputError(f"{error}: code {error.code!r} is not a valid {element} code")
    return error.code


def encode_functional_ack(doc: FunctionalAckDoc, w: SegmentWriter) -> None:
    """Write a 997 body for ``doc`` (one functional group)."""
    group = doc.acknowledged_group_control_number
    if group is None:
        group = doc.acknowledged_control_number
    if not 0 <= group <= 999_999_999:
        raise InvalidInputError(f"acknowledged group control number {group} must fit AK102")
    w.add("AK1", w.text(_functional_id(doc), "997 AK101", min_length=2, max_length=2), str(group))
    sets: dict[SetKey, tuple[list[EdiError], list[EdiError]]] = {}
    group_errors: list[EdiError] = []
    for error in doc.errors:
        level = _level(error)
        if level == "group":
            group_errors.append(error)
        else:
            per_set = sets.setdefault(_set_key(error), ([], []))
            per_set[0 if level == "segment" else 1].append(error)
    for (set_id, control), (segment_errors, set_errors) in sets.items():
        w.add(
            "AK2",
            w.text(set_id, "997 AK201", min_length=3, max_length=3),
            w.text(control, "997 AK202", min_length=4, max_length=9),
        )
        _write_segment_errors(segment_errors, w)
        codes = [_check_code(e, SET_CODES, "AK502") for e in set_errors]
        if len(codes) > MAX_CODES:
            raise InvalidInputError(f"set {set_id} {control}: AK5 carries at most 5 codes")
        status = "R" if not doc.accepted else "E" if segment_errors or set_errors else "A"
        w.add("AK5", status, *codes)
    codes = [_check_code(e, GROUP_CODES, "AK905") for e in group_errors]
    if len(codes) > MAX_CODES:
        raise InvalidInputError("AK9 carries at most 5 group error codes")
    count = str(len(doc.acknowledged_set_ids))
    status = "R" if not doc.accepted else "E" if doc.errors else "A"
    accepted = count if doc.accepted else "0"
    w.add("AK9", status, count, count, accepted, *codes)


def _write_segment_errors(errors: list[EdiError], w: SegmentWriter) -> None:
    """AK3 per segment; AK4 per element under it (an AK3 with code 8 when none is given)."""
    last: tuple[str, int] | None = None
    for error in errors:
        position = error.position
        if isinstance(error, X12Error) and error.set_position is not None:
            position = error.set_position
        segment = w.text(error.segment, "997 AK301", min_length=2, max_length=3)
        if position < 1:
            raise InvalidInputError(f"{error}: AK302 needs the position in the transaction set")
        if error.element is None:
            w.add("AK3", segment, str(position), "", _check_code(error, SEGMENT_CODES, "AK304"))
        else:
            if last != (segment, position):
                w.add("AK3", segment, str(position), "", "8")
            w.add("AK4", str(error.element), "", _check_code(error, ELEMENT_CODES, "AK403"))
        last = (segment, position)


def decode_functional_ack(r: SetReader) -> FunctionalAckDoc | None:
    """Read a 997 body into a :class:`FunctionalAckDoc` (see the module docstring)."""
    head = r.begin("AK1", "functional group response header")
    if head is None:
        return None
    errors = len(r.errors)
    functional_id = r.text(head, 1, required=True)
    group = r.integer(head, 2, required=True)
    noted: list[X12Error] = []
    pending: X12Error | None = None  # an AK3 waiting to see whether AK4s follow
    segment_at: tuple[str, int] | None = None  # AK301/AK302 the next AK4 belongs to
    set_key: SetKey | None = None
    set_ids: list[str] = []
    received: int | None = None
    status = ""

    def note(
        segment: str,
        position: int,
        message: str,
        element: int | None,
        code: str,
        key: SetKey | None,
    ) -> X12Error:
        set_id, control = key or ("", "")
        return X12Error(
            segment,
            position,
            message,
            element,
            code,
            functional_id,
            group,
            set_id,
            control,
            position or None,
        )

    for seg in r.body()[1:]:
        if seg.tag != "AK4":
            if pending is not None:
                noted.append(pending)
            pending = None
            segment_at = None
        if seg.tag == "AK2":
            set_key = (r.text(seg, 1, required=True), r.text(seg, 2, required=True))
            set_ids.append(set_key[0])
        elif seg.tag in ("AK3", "AK4", "AK5") and set_key is None:
            r.error(seg.tag, seg, f"{seg.tag} must follow an AK2", code="2")
        elif seg.tag == "AK3":
            segment_at = (r.text(seg, 1, required=True), r.integer(seg, 2, required=True) or 0)
            code = r.text(seg, 4)
            message = SEGMENT_CODES.get(code, "segment error")
            pending = note(*segment_at, message, None, code, set_key)
        elif seg.tag == "AK4":
            if pending is not None and pending.code not in ("8", ""):
                noted.append(pending)  # an AK3 with its own code is an error of its own
            pending = None
            components = r.components(seg, 1, required=True)
            code = r.text(seg, 3, required=True)
            if segment_at is None or not components or not components[0].isdigit():
                r.error("AK4", seg, "AK4 must follow an AK3 and give an element position", code="2")
                continue
            message = ELEMENT_CODES.get(code, "data element error")
            noted.append(note(*segment_at, message, int(components[0]), code, set_key))
        elif seg.tag == "AK5":
            r.code(seg, 1, {"A", "E", "M", "R", "W", "X"})
            for index in range(2, 7):
                code = r.text(seg, index)
                if code:
                    place, element = SET_CODE_PLACES.get(code, ("ST", None))
                    message = SET_CODES.get(code, "transaction set error")
                    noted.append(note(place, 0, message, element, code, set_key))
        elif seg.tag == "AK9":
            status = r.code(seg, 1, {"A", "E", "P", "R"}) or ""
            r.integer(seg, 2, required=True)
            received = r.integer(seg, 3, required=True)
            r.integer(seg, 4, required=True)
            for index in range(5, 10):
                code = r.text(seg, index)
                if code:
                    place, element = GROUP_CODE_PLACES.get(code, ("GS", None))
                    message = GROUP_CODES.get(code, "functional group error")
                    noted.append(note(place, 0, message, element, code, None))
    if pending is not None:
        noted.append(pending)
    if not status and not any(seg.tag == "AK9" for seg in r.body()):
        r.missing("AK9", r.end(), "functional group response trailer")
    if len(r.errors) > errors or group is None:
        return None
    acknowledged = tuple(set_ids)  # exact when every set has its AK2 loop
    if functional_id in SET_OF_FUNCTIONAL_ID and received is not None and received != len(set_ids):
        acknowledged = (SET_OF_FUNCTIONAL_ID[functional_id],) * received
    return FunctionalAckDoc(
        acknowledged_control_number=group,
        accepted=status in ("A", "E"),
        errors=tuple(noted),
        acknowledged_group_control_number=group,
        acknowledged_set_ids=acknowledged,
    )


# ---------------------------------------------------------------------------
# Answering a received interchange


def functional_ack(received: Interchange | EdiRejected) -> tuple[FunctionalAckDoc, ...]:
    """The 997 documents answering ``received`` (see :func:`takt.edi.x12.functional_ack`)."""
    if isinstance(received, EdiRejected):
        return (_rejected(received),)
    envelope = received.envelope
    base = envelope.group_control_number
    if base is None:
        base = envelope.control_number
    answers = []
    for offset, (functional_id, documents) in enumerate(group_by_function(received.documents)):
        if functional_id == "FA":  # a 997 is never acknowledged (X12.6)
            continue
        answers.append(
            FunctionalAckDoc(
                acknowledged_control_number=envelope.control_number,
                accepted=True,
                acknowledged_group_control_number=base + offset,
                acknowledged_set_ids=tuple(set_id_of(doc) for doc in documents),
            )
        )
    return tuple(answers)


def _rejected(rejected: EdiRejected) -> FunctionalAckDoc:
    group = rejected.group_control_number
    functional_id = next(
        (
            e.functional_id
            for e in rejected.errors
            if isinstance(e, X12Error) and e.functional_id and e.group_control_number == group
        ),
        FUNCTIONAL_IDS.get(rejected.set_ids[0], "") if rejected.set_ids else "",
    )
    if group is None or not re.fullmatch(r"[A-Z0-9]{2}", functional_id):
        raise InvalidInputError(
            "no 997 can answer this interchange: its functional group (GS) could not be read; "
            "X12 reports interchange-level faults in a TA1, which Takt does not write. "
            f"Problem: {rejected}"
        )
    errors = normalise(rejected.errors, functional_id, group)
    control = rejected.control_number
    # A set whose ST01 could not be read still counts in AK9, as one of its group's kind.
    implied = SET_OF_FUNCTIONAL_ID.get(functional_id, "")
    set_ids = tuple(s if SET_KEY.fullmatch(s) else implied or s for s in rejected.set_ids)
    return FunctionalAckDoc(
        acknowledged_control_number=group if control is None else control,
        accepted=False,
        errors=errors,
        acknowledged_group_control_number=group,
        acknowledged_set_ids=set_ids,
    )


def normalise(errors: Iterable[EdiError], functional_id: str, group: int) -> tuple[X12Error, ...]:
    """Decoder errors re-expressed as what a 997 can say, in the order a 997 says it.

    Interchange-level errors (ISA/IEA, TA1 matters) and errors of other groups
    are left out; per set come AK3/AK4 errors by position, then AK5 codes (with
    code 5 when segments are in error); AK9 codes come last. Messages become the
    codes' standard wording, so encoding and decoding the 997 gives them back.
    """
    order: list[SetKey] = []
    segment_errors: dict[SetKey, list[X12Error]] = {}
    set_codes: dict[SetKey, set[str]] = {}
    group_codes: set[str] = set()
    for error in errors:
        if not isinstance(error, X12Error) or (error.functional_id, error.group_control_number) != (
            functional_id,
            group,
        ):
            continue
        level = _level(error)
        if level == "group":
            if error.code in GROUP_CODES:
                group_codes.add(error.code)
            continue
        key = (error.set_id, error.set_control_number)
        if not SET_KEY.fullmatch(key[0]) or not CONTROL.fullmatch(key[1]):
            continue  # no valid AK2 can name this set
        if key not in order:
            order.append(key)
        if level == "set":
            if error.code in SET_CODES:
                set_codes.setdefault(key, set()).add(error.code)
        elif (
            error.set_position is not None
            and SEGMENT_ID.fullmatch(error.segment)
            and error.code in (SEGMENT_CODES if error.element is None else ELEMENT_CODES)
        ):
            segment_errors.setdefault(key, []).append(error)
    result: list[X12Error] = []
    for key in order:
        found = segment_errors.get(key, [])
        with_elements = {(e.segment, e.set_position) for e in found if e.element is not None}
        kept = [
            e
            for e in found
            if not (
                e.element is None and e.code == "8" and (e.segment, e.set_position) in with_elements
            )
        ]
        kept.sort(key=lambda e: (e.set_position or 0, e.segment, e.element is not None))
        listed = list(dict.fromkeys(_as_segment_error(e) for e in kept))
        codes = set_codes.get(key, set()) | ({"5"} if listed else set())
        result += listed
        for code in sorted(codes, key=int)[:MAX_CODES]:
            segment, element = SET_CODE_PLACES[code]
            result.append(
                X12Error(segment, 0, SET_CODES[code], element, code, functional_id, group, *key)
            )
    for code in sorted(group_codes, key=int)[:MAX_CODES]:
        segment, element = GROUP_CODE_PLACES[code]
        result.append(X12Error(segment, 0, GROUP_CODES[code], element, code, functional_id, group))
    return tuple(result)


def _as_segment_error(error: X12Error) -> X12Error:
    table = SEGMENT_CODES if error.element is None else ELEMENT_CODES
    return X12Error(
        segment=error.segment,
        position=error.set_position or 0,
        message=table[error.code],
        element=error.element,
        code=error.code,
        functional_id=error.functional_id,
        group_control_number=error.group_control_number,
        set_id=error.set_id,
        set_control_number=error.set_control_number,
        set_position=error.set_position,
    )
