"""CONTRL, the syntax and service report message (CONTRL D:3:UN, ISO 9735 syntax version 3).

Layout written (the UCF functional-group branch is never used: Takt sends no UNG):

* ``UCI`` interchange response: 0020 the subject interchange's control reference,
  S002/S003 its sender and recipient (the CONTRL goes back to that sender, so they
  are the CONTRL envelope's receiver and sender), 0083 action (7 acknowledged,
  4 rejected), and for one UNA/UNB/UNZ-level error 0085, 0013 and S011.
* one ``UCM`` per rejected message: 0062 and S009 as received, 0083 = 4, and the
  first UNH/UNT error in 0085, 0013, S011.
* ``UCS`` (0096 segment position, UNH = 1; 0085 for a whole-segment error) followed
  by ``UCD`` (0085, S011 0098 position counting the tag as 1, 0104 component) for
  each element error.

CONTRL carries codes and positions, not texts or the tags of data segments, so a
:class:`FunctionalAckDoc` written here holds its errors "as reported": the 0085
name as message, position 0 (the interchange position is not in a CONTRL), the
UCS 0096 position in ``message_position``. :func:`report` turns decode errors into
that form; decoding a CONTRL gives exactly that form back.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydifact.segments import Segment

from takt.edi._edifact_syntax import (
    MISSING,
    NOT_SUPPORTED_IN_POSITION,
    UNSPECIFIED_ERROR,
    EdifactError,
    ErrorLog,
    RawSegment,
    describe,
    integer_value,
    read_code,
    read_integer,
    read_text,
    segment,
    text_value,
)
from takt.edi.documents import EdiError, Envelope, FunctionalAckDoc
from takt.errors import InvalidInputError

CONTRL_IDENTIFIER = ("CONTRL", "D", "3", "UN")
# Versions read: D:3 (syntax 3), 2:2 (older syntax 3 partners), D:96A (directory-numbered).
CONTRL_VERSIONS = frozenset({("D", "3"), ("2", "2"), ("D", "96A")})
ACCEPTED = "7"  # this level and all lower levels acknowledged
REJECTED = "4"  # this level and all lower levels rejected
RECEIVED = "8"  # interchange received (read as accepted: nothing was rejected)
_INTERCHANGE_TAGS = frozenset({"UNA", "UNB", "UNZ"})
_MESSAGE_TAGS = frozenset({"UNH", "UNT"})
_MAX_UCS = 999  # SG2 UCS-UCD repeats at most 999 times per UCM

MessageKey = tuple[str, tuple[str, ...]]


def report(errors: Sequence[EdiError]) -> tuple[tuple[EdifactError, ...], tuple[str, ...]]:
    """Errors as a CONTRL can report them, and the message types it names.

    The first interchange-level error goes in UCI (a UCI holds one); per message
    the first UNH/UNT error goes in UCM, the others in UCS/UCD at their position in
    the message. Plain :class:`EdiError` (no message) counts as interchange level.
    """
    interchange: EdifactError | None = None
    heads: dict[MessageKey, EdifactError | None] = {}
    rests: dict[MessageKey, list[EdifactError]] = {}
    for error in errors:
        located = error if isinstance(error, EdifactError) else None
        key: MessageKey = (
            (located.message_ref, _trim(located.message_identifier)) if located else ("", ())
        )
        if located is None or not _echoable(key):  # a UCM repeats UNH 0062 and S009
            interchange = interchange or _as_reported(error, _INTERCHANGE_TAGS)
            continue
        position = located.message_position
        heads.setdefault(key, None)
        rests.setdefault(key, [])
        if heads[key] is None and (error.segment in _MESSAGE_TAGS or position is None):
            heads[key] = _as_reported(error, _MESSAGE_TAGS, key)
        elif position is not None and len(rests[key]) < _MAX_UCS:
            rests[key].append(_as_reported(error, frozenset(), key, position))
    reported: list[EdifactError] = [interchange] if interchange else []
    for key, head in heads.items():
        reported.extend([head] if head else [])
        reported.extend(rests[key])
    return tuple(reported), tuple(identifier[0] for _, identifier in heads)


def _as_reported(
    error: EdiError,
    tags: frozenset[str],
    key: MessageKey = ("", ()),
    position: int | None = None,
) -> EdifactError:
    """What a CONTRL keeps of ``error``: code, tag if in ``tags``, element, UCS position."""
    code = error.code or UNSPECIFIED_ERROR
    component = error.component if isinstance(error, EdifactError) else None
    return EdifactError(
        segment=error.segment if error.segment in tags else "",
        position=0,
        message=describe(code),
        element=error.element,
        code=code,
        message_ref=key[0],
        message_identifier=key[1],
        message_position=position,
        component=component if error.element is not None else None,
    )


# UCM 0062 an..14; S009 0065 an..6, 0052 an..3, 0054 an..3, 0051 an..2, 0057 an..6.
_S009_LENGTHS = (6, 3, 3, 2, 6)


def _echoable(key: MessageKey) -> bool:
    """Whether a UCM can name this message: a reference and a complete S009 within limits."""
    reference, identifier = key
    if not reference or len(reference) > 14 or not 4 <= len(identifier) <= 5:
        return False
    fits = all(len(part) <= n for part, n in zip(identifier, _S009_LENGTHS, strict=False))
    return fits and all(identifier[:4])


def _trim(components: Sequence[str]) -> tuple[str, ...]:
    values = list(components)
    while values and not values[-1]:
        values.pop()
    return tuple(values)


def _element_id(error: EdiError, component: int | None) -> list[str]:
    """S011: 0098 counts the segment tag as position 1, so data element n is n + 1."""
    if error.element is None:
        return []
    return [str(error.element + 1), str(component) if component is not None else ""]


def write_contrl(ack: FunctionalAckDoc, envelope: Envelope) -> list[Segment]:
    """The segments between UNH and UNT of the CONTRL answering ``ack``'s interchange."""
    if ack.accepted and ack.errors:
        raise InvalidInputError("an accepted interchange has no errors to report in a CONTRL")
    reference = integer_value(
        ack.acknowledged_control_number, label="acknowledged control number", max_digits=14
    )
    subject_sender = text_value(envelope.receiver_id, label="envelope receiver_id", max_length=35)
    subject_recipient = text_value(envelope.sender_id, label="envelope sender_id", max_length=35)
    interchange: EdiError | None = None
    groups: dict[MessageKey, list[EdifactError]] = {}
    for error in ack.errors:
        if isinstance(error, EdifactError) and error.message_ref:
            key = (error.message_ref, _trim(error.message_identifier))
            if not _echoable(key):
                raise InvalidInputError(f"message {error.message_ref!r} cannot be named in a UCM")
            groups.setdefault(key, []).append(error)
        elif interchange is None:
            interchange = error
    action = ACCEPTED if ack.accepted else REJECTED
    uci: list[str | list[str]] = [reference, [subject_sender], [subject_recipient], action]
    if interchange is not None:
        tag = interchange.segment if interchange.segment in _INTERCHANGE_TAGS else ""
        component = interchange.component if isinstance(interchange, EdifactError) else None
        uci += [interchange.code or UNSPECIFIED_ERROR, tag, _element_id(interchange, component)]
    out = [segment("UCI", *uci)]
    for (ref, identifier), errors in groups.items():
        out.extend(_message_response(ref, identifier, errors))
    return out


def _message_response(
    ref: str, identifier: tuple[str, ...], errors: list[EdifactError]
) -> list[Segment]:
    head = next(
        (e for e in errors if e.segment in _MESSAGE_TAGS or e.message_position is None), None
    )
    ucm: list[str | list[str]] = [ref, list(identifier), REJECTED]
    if head is not None:
        tag = head.segment if head.segment in _MESSAGE_TAGS else ""
        ucm += [head.code or UNSPECIFIED_ERROR, tag, _element_id(head, head.component)]
    out = [segment("UCM", *ucm)]
    current: int | None = None
    for error in errors:
        if error is head:
            continue
        if error.message_position is None:
            raise InvalidInputError(f"error {error} has no segment position for a UCS")
        code = error.code or UNSPECIFIED_ERROR
        if error.element is None:
            out.append(segment("UCS", str(error.message_position), code))
        else:
            if error.message_position != current:
                out.append(segment("UCS", str(error.message_position)))
            out.append(segment("UCD", code, _element_id(error, error.component)))
        current = error.message_position
    return out


def read_contrl(segments: Sequence[RawSegment], log: ErrorLog) -> FunctionalAckDoc | None:
    """Read a CONTRL (UNH..UNT as received) into the "as reported" form of its errors."""
    before = len(log.errors)
    unh, body = segments[0], [s for s in segments[1:] if s.tag != "UNT"]
    uci = next((s for s in body if s.tag == "UCI"), None)
    if uci is None:
        log.add("UCI", unh.position, MISSING, "interchange response (UCI) is missing")
        return None
    control = read_integer(uci, log, 1, label="acknowledged control reference", max_digits=14)
    action = read_code(uci, log, 4, label="action", allowed={ACCEPTED, REJECTED, RECEIVED})
    accepted = action in (ACCEPTED, RECEIVED)
    errors: list[EdifactError] = []
    if uci.get(5):
        errors.append(_reported(uci, log, 5, 6, 7, "", ()))
    set_ids: list[str] = []
    key: MessageKey | None = None
    position: int | None = None
    for seg in body:
        if seg.tag == "UCM":
            ref = read_text(seg, log, 1, label="message reference", max_length=14)
            identifier = _trim(seg.components(2))
            key, position = (ref, identifier), None
            set_ids.append(identifier[0] if identifier else "")
            if read_code(seg, log, 3, label="action", allowed={ACCEPTED, REJECTED}) == REJECTED:
                accepted = False
            if seg.get(4):
                errors.append(_reported(seg, log, 4, 5, 6, ref, identifier))
        elif seg.tag in ("UCS", "UCD") and key is None:
            log.at(seg, NOT_SUPPORTED_IN_POSITION, f"{seg.tag} before any UCM")
        elif seg.tag == "UCS":
            assert key is not None
            position = read_integer(seg, log, 1, label="segment position", max_digits=6)
            if seg.get(2):
                errors.append(_error(seg.get(2), None, None, "", key[0], key[1], position))
        elif seg.tag == "UCD":
            assert key is not None
            element = read_integer(seg, log, 2, 1, label="data element position", max_digits=3)
            component = read_integer(
                seg, log, 2, 2, label="component position", max_digits=3, required=False
            )
            code = read_text(seg, log, 1, label="syntax error code", max_length=3)
            if element is not None:
                errors.append(_error(code, element - 1, component, "", key[0], key[1], position))
        elif seg.tag not in ("UCI", "UNT"):
            log.at(seg, NOT_SUPPORTED_IN_POSITION, f"{seg.tag} is not read in a CONTRL")
    if len(log.errors) > before or control is None:
        return None
    return FunctionalAckDoc(
        acknowledged_control_number=control,
        accepted=accepted,
        errors=tuple(errors),
        acknowledged_set_ids=tuple(set_ids),
    )


def _reported(
    seg: RawSegment,
    log: ErrorLog,
    code_at: int,
    tag_at: int,
    element_at: int,
    ref: str,
    identifier: tuple[str, ...],
) -> EdifactError:
    element = read_integer(
        seg, log, element_at, 1, label="data element position", max_digits=3, required=False
    )
    component = read_integer(
        seg, log, element_at, 2, label="component position", max_digits=3, required=False
    )
    code = read_text(seg, log, code_at, label="syntax error code", max_length=3)
    tag = read_text(seg, log, tag_at, label="service segment tag", max_length=3, required=False)
    return _error(
        code, element - 1 if element is not None else None, component, tag, ref, identifier, None
    )


def _error(
    code: str,
    element: int | None,
    component: int | None,
    tag: str,
    ref: str,
    identifier: tuple[str, ...],
    position: int | None,
) -> EdifactError:
    return EdifactError(
        segment=tag,
        position=0,
        message=describe(code),
        element=element,
        code=code,
        message_ref=ref,
        message_identifier=identifier,
        message_position=position,
        component=component if element is not None else None,
    )
