"""UN/EDIFACT for Takt's EDI documents: syntax version 3 (UNOC), directory D.96A.

Pure functions, text in and out; pydifact does the tokenising and the release-
character escaping, the mapping and every check are Takt's.

* :func:`encode` writes ``UNA:+.? '`` then UNB..UNZ: one UNH..UNT message per
  document, references 1..n, UNT 0074 counting UNH..UNT, UNZ 0036 the messages.
* :func:`decode` reads an interchange back into the same dataclasses, or raises
  :class:`~takt.edi.documents.EdiRejected` listing every error found, each with
  the segment tag, its position (UNB = 1; UNA, not a segment, is 0), the element
  and component, and the UN/ECE 0085 code a CONTRL reports.
* :func:`functional_ack` answers a received interchange with a CONTRL.

Messages: ORDERS / ORDCHG (purchase order, change, cancel), ORDRSP, DESADV,
INVOIC (D.96A, agency UN) and CONTRL (D:3:UN). See ``_edifact_messages`` for the
segment mapping and code lists, ``_edifact_contrl`` for the CONTRL layout.

Envelope (ISO 9735 v3): UNB S001 ``UNOC:3``; S002/S003 partner id with
qualifier 14 (GS1) for a 13-digit GLN, else ZZ (mutually defined); S004 the
preparation date and time as YYMMDD:HHMM (read back as 20YY, no seconds, no time
zone); 0020 the control number; 0035 = 1 for a test interchange. UNB syntax
levels UNOA..UNOF at version 2 or 3 are read; other versions → 0085 code 2.

Error codes used (UN/ECE 0085): 2 syntax version, 12 invalid value, 13 missing,
14 value not supported (message type, version, non-numeric control reference),
15 not supported in this position, 16 too many constituents (an unescaped
separator, usually), 19 invalid decimal notation, 20 invalid UNA service
character, 21 invalid characters, 26 duplicate message reference, 28 references
do not match (UNT/UNH, UNZ/UNB), 29 control count does not match (UNT, UNZ, CNT),
32 lower level empty, 33 segment outside a message, 37 invalid type of
character (a letter in a number), 38 missing digit before the decimal mark,
39 data element too long.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydifact.segments import Segment

from takt.edi._edifact_contrl import (
    CONTRL_IDENTIFIER,
    CONTRL_VERSIONS,
    read_contrl,
    report,
    write_contrl,
)
from takt.edi._edifact_messages import MESSAGE_TYPES, is_gln, read_message, write_message
from takt.edi._edifact_syntax import (
    CONTROL_COUNT_MISMATCH,
    DUPLICATE_DETECTED,
    INVALID_VALUE,
    LOWER_LEVEL_EMPTY,
    MISSING,
    OUTSIDE_MESSAGE,
    REFERENCES_DO_NOT_MATCH,
    SYNTAX_VERSION_NOT_SUPPORTED,
    VALUE_NOT_SUPPORTED,
    EdifactError,
    ErrorLog,
    MessageScope,
    RawSegment,
    check_layout,
    integer_value,
    read_code,
    read_integer,
    read_text,
    segment,
    serialise,
    text_value,
    tokenise,
)
from takt.edi.documents import (
    Document,
    EdiRejected,
    Envelope,
    FunctionalAckDoc,
    Interchange,
)
from takt.errors import InvalidInputError

__all__ = ["EdifactError", "decode", "encode", "functional_ack"]

SYNTAX_IDENTIFIER = ("UNOC", "3")
_SYNTAX_LEVELS = frozenset({"UNOA", "UNOB", "UNOC", "UNOD", "UNOE", "UNOF"})
_SYNTAX_VERSIONS = frozenset({"2", "3"})
D96A = ("D", "96A", "UN")


def encode(interchange: Interchange) -> str:
    """The interchange as EDIFACT text: UNA, UNB, one UNH..UNT per document, UNZ.

    Raises :class:`~takt.errors.InvalidInputError` for a value EDIFACT cannot carry
    (too long for its D.96A element, outside UNOC, too many digits) rather than
    cutting it.
    """
    envelope = interchange.envelope
    if not interchange.documents:
        raise InvalidInputError("an interchange holds at least one document")
    sender = text_value(envelope.sender_id, label="envelope sender_id", max_length=35)
    receiver = text_value(envelope.receiver_id, label="envelope receiver_id", max_length=35)
    reference = integer_value(
        envelope.control_number, label="envelope control_number", max_digits=14
    )
    stamp = envelope.prepared_at
    segments = [
        segment(
            "UNB",
            list(SYNTAX_IDENTIFIER),
            [sender, _party_qualifier(sender)],
            [receiver, _party_qualifier(receiver)],
            [f"{stamp.year % 100:02d}{stamp.month:02d}{stamp.day:02d}", f"{stamp:%H%M}"],
            reference,
            *(["", "", "", "", "", "1"] if envelope.test else []),
        )
    ]
    for number, document in enumerate(interchange.documents, start=1):
        body, identifier = _message_body(document, envelope)
        segments.append(segment("UNH", str(number), list(identifier)))
        segments.extend(body)
        segments.append(segment("UNT", str(len(body) + 2), str(number)))
    segments.append(segment("UNZ", str(len(interchange.documents)), reference))
    return serialise(segments)


def _party_qualifier(party_id: str) -> str:
    return "14" if is_gln(party_id) else "ZZ"


def _message_body(document: Document, envelope: Envelope) -> tuple[list[Segment], tuple[str, ...]]:
    if isinstance(document, FunctionalAckDoc):
        return write_contrl(document, envelope), CONTRL_IDENTIFIER
    kind, body = write_message(document)
    return body, (kind, *D96A)


@dataclass(frozen=True, slots=True)
class _Header:
    sender_id: str
    receiver_id: str
    control_text: str
    control_number: int | None
    prepared_at: datetime | None
    test: bool


def decode(text: str) -> Interchange:
    """Read an EDIFACT interchange into Takt documents.

    Raises :class:`~takt.edi.documents.EdiRejected` naming every syntax, envelope
    and mapping error found (the errors are :class:`EdifactError`, which also know
    the message they lie in), with sender, receiver, control number and message
    types whenever they could be read.
    """
    tokenised = tokenise(text)
    log = ErrorLog()
    log.errors.extend(tokenised.errors)
    segments = tokenised.segments
    header = _read_unb(segments, log)
    documents: list[Document] = []
    set_ids: list[str] = []
    references: set[str] = set()
    index, count, unz = 1, 0, None
    while header is not None and index < len(segments):
        seg = segments[index]
        if seg.tag == "UNH":
            end = index + 1
            while end < len(segments) and segments[end].tag not in ("UNT", "UNH", "UNZ"):
                end += 1
            stop = end + 1 if end < len(segments) and segments[end].tag == "UNT" else end
            message = segments[index:stop]
            index, count = stop, count + 1
            kind, document = _read_message(message, log, tokenised.decimal_mark, references)
            set_ids.append(kind)
            if document is not None:
                documents.append(document)
        elif seg.tag == "UNZ":
            unz, index = seg, index + 1
            break
        else:
            log.at(seg, OUTSIDE_MESSAGE, f"{seg.tag} is outside any message (UNH..UNT)")
            index += 1
    if header is not None:
        for seg in segments[index:]:
            log.at(seg, OUTSIDE_MESSAGE, f"{seg.tag} follows the interchange trailer UNZ")
        _check_unz(unz, count, header, len(segments) + 1, log)
    if log.errors or header is None or header.prepared_at is None or header.control_number is None:
        raise EdiRejected(
            tuple(log.errors),
            sender_id=(header.sender_id or None) if header else None,
            receiver_id=(header.receiver_id or None) if header else None,
            control_number=header.control_number if header else None,
            set_ids=tuple(set_ids),
        )
    envelope = Envelope(
        sender_id=header.sender_id,
        receiver_id=header.receiver_id,
        control_number=header.control_number,
        prepared_at=header.prepared_at,
        test=header.test,
    )
    return Interchange(envelope=envelope, documents=tuple(documents))


def _read_unb(segments: tuple[RawSegment, ...], log: ErrorLog) -> _Header | None:
    """UNB (ISO 9735 v3): S001 syntax, S002 sender, S003 recipient, S004, 0020, 0035."""
    if not segments or segments[0].tag != "UNB":
        found = f", found {segments[0].tag}" if segments else ""
        log.add("UNB", 1, MISSING, f"the interchange does not start with UNB{found}")
        return None
    unb = segments[0]
    check_layout(unb, log)
    read_code(
        unb,
        log,
        1,
        1,
        label="syntax identifier",
        allowed=_SYNTAX_LEVELS,
        unsupported=SYNTAX_VERSION_NOT_SUPPORTED,
    )
    read_code(
        unb,
        log,
        1,
        2,
        label="syntax version",
        allowed=_SYNTAX_VERSIONS,
        unsupported=SYNTAX_VERSION_NOT_SUPPORTED,
    )
    sender = read_text(unb, log, 2, 1, label="interchange sender", max_length=35)
    receiver = read_text(unb, log, 3, 1, label="interchange recipient", max_length=35)
    prepared_at = _read_stamp(unb, log)
    control_text = read_text(unb, log, 5, label="interchange control reference", max_length=14)
    control_number = None
    if control_text.isascii() and control_text.isdigit():
        control_number = int(control_text)
    elif control_text:
        log.at(
            unb,
            VALUE_NOT_SUPPORTED,
            f"control reference {control_text!r} is not numeric (Takt numbers interchanges)",
            5,
        )
    test = read_code(unb, log, 11, label="test indicator", allowed={"1"}, required=False)
    return _Header(sender, receiver, control_text, control_number, prepared_at, test == "1")


def _read_stamp(unb: RawSegment, log: ErrorLog) -> datetime | None:
    """S004: 0017 YYMMDD, 0019 HHMM (syntax version 3), read as 20YY."""
    day, time = unb.get(4, 1), unb.get(4, 2)
    for value, length, component in ((day, 6, 1), (time, 4, 2)):
        if not value:
            log.at(unb, MISSING, "date/time of preparation is missing", 4, component)
            return None
        if len(value) != length or not value.isascii() or not value.isdigit():
            log.at(
                unb, INVALID_VALUE, f"date/time of preparation {value!r} is not valid", 4, component
            )
            return None
    try:
        return datetime(
            2000 + int(day[:2]), int(day[2:4]), int(day[4:]), int(time[:2]), int(time[2:])
        )
    except ValueError:
        log.at(unb, INVALID_VALUE, f"date/time of preparation {day}:{time} is not valid", 4)
        return None


def _read_message(
    message: list[RawSegment] | tuple[RawSegment, ...],
    log: ErrorLog,
    decimal_mark: str,
    references: set[str],
) -> tuple[str, Document | None]:
    """Check one UNH..UNT (reference, type, UNT count and reference), then map it."""
    unh = message[0]
    reference = read_text(unh, log, 1, label="message reference", max_length=14)
    identifier = unh.components(2)
    log.scope = MessageScope(reference, identifier, unh.position)
    for seg in message:
        check_layout(seg, log)
    if reference in references:
        log.at(unh, DUPLICATE_DETECTED, f"message reference {reference!r} is used twice", 1)
    references.add(reference)
    kind = _message_kind(unh, log)
    last = message[-1]
    if last.tag != "UNT":
        log.add("UNT", last.position + 1, MISSING, f"message {reference} has no UNT trailer")
    else:
        counted = read_integer(last, log, 1, label="UNT segment count", max_digits=6)
        if counted is not None and counted != len(message):
            log.at(
                last,
                CONTROL_COUNT_MISMATCH,
                f"UNT says {counted} segments, counted {len(message)}",
                1,
            )
        if last.get(2) != reference:
            log.at(
                last,
                REFERENCES_DO_NOT_MATCH,
                f"UNT reference {last.get(2)!r} differs from UNH reference {reference!r}",
                2,
            )
    document: Document | None = None
    if kind == "CONTRL" and last.tag == "UNT":
        document = read_contrl(message, log)
    elif kind and last.tag == "UNT":  # a message cut short is reported once, not per segment
        document = read_message(kind, message, log, decimal_mark)
    log.scope = None
    return identifier[0] if identifier else "", document


def _message_kind(unh: RawSegment, log: ErrorLog) -> str:
    """UNH S009: a supported type, version D release 96A (CONTRL D:3), agency UN."""
    kind = unh.get(2, 1)
    if not kind:
        log.at(unh, MISSING, "message type is missing", 2, 1)
        return ""
    if kind != "CONTRL" and kind not in MESSAGE_TYPES:
        supported = ", ".join([*sorted(MESSAGE_TYPES), "CONTRL"])
        log.at(unh, VALUE_NOT_SUPPORTED, f"message type {kind!r} is not one of {supported}", 2, 1)
        return ""
    versions = CONTRL_VERSIONS if kind == "CONTRL" else {D96A[:2]}
    version = (unh.get(2, 2), unh.get(2, 3))
    if version not in versions:
        log.at(
            unh,
            VALUE_NOT_SUPPORTED,
            f"{kind} version {':'.join(version)!r} is not supported (D:96A; CONTRL D:3)",
            2,
            2,
        )
        return ""
    if unh.get(2, 4) != "UN":
        log.at(unh, VALUE_NOT_SUPPORTED, f"controlling agency {unh.get(2, 4)!r} is not UN", 2, 4)
        return ""
    return kind


def _check_unz(
    unz: RawSegment | None, count: int, header: _Header, end: int, log: ErrorLog
) -> None:
    """UNZ 0036 = number of messages, 0020 = UNB 0020 (ISO 9735 v3)."""
    if unz is None:
        log.add("UNZ", end, MISSING, "the interchange trailer UNZ is missing (truncated?)")
        return
    check_layout(unz, log)
    counted = read_integer(unz, log, 1, label="UNZ message count", max_digits=6)
    if counted is not None and counted != count:
        log.at(unz, CONTROL_COUNT_MISMATCH, f"UNZ says {counted} messages, counted {count}", 1)
    if unz.get(2) != header.control_text:
        log.at(
            unz,
            REFERENCES_DO_NOT_MATCH,
            f"UNZ reference {unz.get(2)!r} differs from UNB reference {header.control_text!r}",
            2,
        )
    if count == 0:
        log.at(unz, LOWER_LEVEL_EMPTY, "the interchange holds no message")


def functional_ack(received: Interchange | EdiRejected, *, envelope: Envelope) -> Interchange:
    """A CONTRL answering ``received``, in an interchange with ``envelope``.

    An accepted interchange gets UCI action 7 (acknowledged, all levels). A rejected
    one gets UCI action 4 with its first UNA/UNB/UNZ error, and a UCM (action 4) per
    message in error with UCS/UCD for each error in it. The FunctionalAckDoc holds
    the errors as the CONTRL reports them (see ``_edifact_contrl.report``), so that
    decoding the CONTRL gives the same document back.

    ``envelope`` is the CONTRL's own: its receiver is the sender of ``received``.
    Raises :class:`~takt.errors.InvalidInputError` when the control reference of
    the rejected interchange could not be read (there is nothing to acknowledge).
    """
    if isinstance(received, Interchange):
        ack = FunctionalAckDoc(
            acknowledged_control_number=received.envelope.control_number, accepted=True
        )
    else:
        if received.control_number is None:
            raise InvalidInputError(
                "cannot acknowledge an interchange whose control reference could not be read"
            )
        errors, set_ids = report(received.errors)
        ack = FunctionalAckDoc(
            acknowledged_control_number=received.control_number,
            accepted=False,
            errors=errors,
            acknowledged_set_ids=set_ids,
        )
    return Interchange(envelope=envelope, documents=(ack,))
