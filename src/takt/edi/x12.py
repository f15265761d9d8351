"""ANSI ASC X12 004010: Takt's documents in and out of ISA..IEA interchanges.

Pure functions, text in and dataclasses out (and back)::

    text = encode(Interchange(envelope, (purchase_order,)))
    received = decode(text)             # raises EdiRejected listing every fault
    answer = functional_ack(received, envelope=our_envelope)   # the 997 to send

Envelope (X12.5 interchange control, X12.6 application control):

* ISA is fixed width, 106 characters with its terminator: ISA01/03 ``00`` with
  blank ISA02/04, ISA05/07 ``ZZ`` (mutually defined) with ISA06/08 padded to
  15, ISA09 ``YYMMDD`` and ISA10 ``HHMM``, ISA11 ``U`` (in version 00401 ISA11
  is the standards identifier; the repetition separator only arrived in
  00402, so Takt uses none), ISA12 ``00401``, ISA13 the 9-digit control
  number, ISA14 ``0`` (no TA1 requested), ISA15 ``P`` or ``T``, ISA16 the
  component separator. On decode the separators are read from the ISA itself
  (element separator = character 4, component = character 105, terminator =
  character 106) and a newline after each terminator is accepted.
* One functional group per document kind, in order of first appearance: PO
  (850), PC (860 — X12 assigns change orders their own group), PR (855), SH
  (856), IN (810), FA (997). GS02/GS03 repeat the partner ids, GS04/GS05 the
  preparation date (``CCYYMMDD``) and time (``HHMM``, or ``HHMMSS`` when
  seconds are set), GS06 is ``envelope.group_control_number`` (or the
  interchange number) for the first group and one more for each next group,
  GS07 ``X``, GS08 ``004010``.
* ST02 numbers the sets 0001, 0002, ... across the interchange. SE01 counts
  the segments ST..SE, SE02 repeats ST02; GE01 counts sets, GE02 repeats
  GS06; IEA01 counts groups, IEA02 repeats ISA13. Every one of these is
  checked on decode.

X12 has no release character: a text value holding a separator cannot be
sent, and :func:`encode` raises :class:`InvalidInputError` naming the field.

Error codes on a rejection follow the level X12 reports them at: TA105 for
ISA/IEA, AK905 for GS/GE, AK502 for ST/SE, AK304 for a segment and AK403 for
an element (see :mod:`takt.edi._x12_syntax`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from takt.edi._x12_ack import decode_functional_ack, encode_functional_ack
from takt.edi._x12_ack import functional_ack as _answers
from takt.edi._x12_documents import (
    decode_invoice,
    decode_order,
    decode_order_response,
    decode_ship_notice,
    encode_invoice,
    encode_order,
    encode_order_response,
    encode_ship_notice,
    group_by_function,
    set_id_of,
)
from takt.edi._x12_syntax import (
    DEFAULT,
    FUNCTIONAL_IDS,
    SET_OF_FUNCTIONAL_ID,
    TAG,
    Segment,
    SegmentWriter,
    Separators,
    SetReader,
    X12Error,
    format_date,
    parse_date,
    parse_time,
)
from takt.edi.documents import (
    Document,
    EdiError,
    EdiRejected,
    Envelope,
    Interchange,
    InvoiceDoc,
    OrderResponseDoc,
    PurchaseOrderDoc,
    ShipNoticeDoc,
)
from takt.errors import InvalidInputError

__all__ = ["DEFAULT", "Separators", "X12Error", "decode", "encode", "functional_ack"]

ISA_VERSION = "00401"
GS_VERSION = "004010"
ISA_LENGTH = 106
MAX_CONTROL = 999_999_999
# ISA element widths, and the TA105 code for a fault in each.
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
# fmt: off
ISA_CODES = ("010", "011", "012", "013", "005", "006", "007", "008",
             "014", "015", "016", "017", "018", "019", "020", "027")
# fmt: on

DECODERS: dict[str, Callable[[SetReader], Document | None]] = {
    "850": decode_order,
    "860": decode_order,
    "855": decode_order_response,
    "856": decode_ship_notice,
    "810": decode_invoice,
    "997": decode_functional_ack,
}


# ---------------------------------------------------------------------------
# encode


def encode(interchange: Interchange, *, separators: Separators = DEFAULT) -> str:
    """Write ``interchange`` as one X12 004010 ISA..IEA interchange.

    Raises :class:`InvalidInputError` naming the field when a value cannot be
    carried: it holds a separator or a control character, breaks an element's
    length (e.g. a PO number over 22 characters, BEG03), a number needs more
    digits than the element allows, or the envelope's ids or control numbers
    do not fit the ISA.
    """
    separators.check()
    envelope = interchange.envelope
    w = SegmentWriter(separators)
    sender = _partner_id(w, envelope.sender_id, "sender_id")
    receiver = _partner_id(w, envelope.receiver_id, "receiver_id")
    _control(envelope.control_number, "control_number")
    stamp = envelope.prepared_at
    day = f"{stamp.year % 100:02d}{stamp.month:02d}{stamp.day:02d}"
    isa = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", sender.ljust(15), "ZZ", receiver.ljust(15)]
    isa += [day, f"{stamp:%H%M}", "U", ISA_VERSION, f"{envelope.control_number:09d}", "0"]
    isa += ["T" if envelope.test else "P", separators.component]
    w.segments.append(separators.element.join(isa))  # 105 characters + the terminator
    base = envelope.group_control_number
    if base is None:
        base = envelope.control_number
    groups = group_by_function(interchange.documents)
    gs_time = f"{stamp:%H%M%S}" if stamp.second else f"{stamp:%H%M}"
    set_number = 0
    for offset, (functional_id, documents) in enumerate(groups):
        group = _control(base + offset, "group_control_number (+ one per further group)")
        gs = [functional_id, sender, receiver, format_date(stamp.date()), gs_time]
        w.add("GS", *gs, str(group), "X", GS_VERSION)
        for doc in documents:
            set_number += 1
            control = f"{set_number:04d}"
            start = w.count()
            w.add("ST", set_id_of(doc), control)
            _encode_body(doc, w, stamp)
            w.add("SE", str(w.count() - start + 1), control)
        w.add("GE", str(len(documents)), str(group))
    w.add("IEA", str(len(groups)), f"{envelope.control_number:09d}")
    end = separators.segment + ("\n" if separators.line_break else "")
    return end.join(w.segments) + end


def _partner_id(w: SegmentWriter, value: str, field: str) -> str:
    value = w.text(value, f"envelope {field}", min_length=2, max_length=15)
    if value != value.rstrip(" "):
        raise InvalidInputError(
            f"envelope {field} {value!r} ends in a space, which ISA padding eats"
        )
    return value


def _control(number: int, field: str) -> int:
    if not 1 <= number <= MAX_CONTROL:
        raise InvalidInputError(f"envelope {field} {number} must be 1 to {MAX_CONTROL} (9 digits)")
    return number


def _encode_body(doc: Document, w: SegmentWriter, prepared_at: datetime) -> None:
    if isinstance(doc, PurchaseOrderDoc):
        encode_order(doc, w)
    elif isinstance(doc, OrderResponseDoc):
        encode_order_response(doc, w)
    elif isinstance(doc, ShipNoticeDoc):
        encode_ship_notice(doc, w, prepared_at)
    elif isinstance(doc, InvoiceDoc):
        encode_invoice(doc, w)
    else:
        encode_functional_ack(doc, w)


# ---------------------------------------------------------------------------
# functional_ack


def functional_ack(received: Interchange | EdiRejected, *, envelope: Envelope) -> Interchange:
    """The 997 answer to a received interchange, in an interchange of our own.

    For a decoded interchange: one :class:`FunctionalAckDoc` per functional
    group, accepted (AK9*A), acknowledging the group as a whole; 997 groups are
    not acknowledged (X12.6), so an interchange of 997s only gets an answer
    with no documents, which need not be sent.

    For an :class:`EdiRejected` from :func:`decode`: one rejected
    FunctionalAckDoc (AK9*R) for its (first) functional group, whose errors are
    the decoder's re-expressed as a 997 says them: AK3/AK4 with the segment's
    position in its set and the element, AK5 codes for ST/SE faults, AK905
    codes for GS/GE faults. ISA/IEA faults have no place in a 997 (X12 puts
    them in a TA1); the group is still rejected.

    Raises :class:`InvalidInputError` when the rejection happened before a GS
    could be read (no group control number to answer).
    """
    return Interchange(envelope=envelope, documents=_answers(received))


# ---------------------------------------------------------------------------
# decode


def decode(text: str) -> Interchange:
    """Read one X12 004010 interchange into Takt's documents.

    Raises :class:`EdiRejected` listing every fault found (with the sender,
    receiver and control numbers when they could be read) when the envelope,
    the structure or any transaction set breaks a rule; nothing is returned
    then, so nothing of it can be applied.
    """
    return _Decoder(text).run()


class _Decoder:
    """One pass over a received interchange, collecting errors instead of stopping."""

    def __init__(self, text: str) -> None:
        self.text = text.lstrip("\ufeff \t\r\n")
        self.errors: list[EdiError] = []
        self.sender: str | None = None
        self.receiver: str | None = None
        self.control: int | None = None
        self.first_group: int | None = None
        self.groups = 0
        self.prepared_at: datetime | None = None
        self.test = False
        self.set_ids: list[str] = []
        self.documents: list[Document] = []
        self.component = ""

    def reject(self) -> EdiRejected:
        return EdiRejected(
            self.errors,
            sender_id=self.sender,
            receiver_id=self.receiver,
            control_number=self.control,
            group_control_number=self.first_group,
            set_ids=tuple(self.set_ids),
        )

    def fault(
        self, segment: str, position: int, message: str, *, element: int | None = None, code: str
    ) -> None:
        """An interchange-level fault (TA105 code)."""
        self.errors.append(EdiError(segment, position, message, element, code))

    def run(self) -> Interchange:
        segments = self._interchange_header()
        if segments is None:
            raise self.reject()
        index, groups = 0, 0
        while index < len(segments) and segments[index].tag != "IEA":
            seg = segments[index]
            if seg.tag == "GS":
                index = self._group(segments, index)
                groups += 1
            else:
                self.fault(
                    seg.tag, seg.position, "segment outside a functional group (GS..GE)", code="022"
                )
                index += 1
        if index == len(segments):
            last = segments[-1].position if segments else 1
            self.fault("IEA", last + 1, "interchange trailer IEA is missing", code="023")
        else:
            self._trailer(segments[index], groups)
            for extra in segments[index + 1 :]:
                self.fault(extra.tag, extra.position, "segment after IEA", code="022")
        if (
            self.errors
            or self.sender is None
            or self.receiver is None
            or self.control is None
            or self.prepared_at is None
        ):
            raise self.reject()
        return Interchange(
            envelope=Envelope(
                sender_id=self.sender,
                receiver_id=self.receiver,
                control_number=self.control,
                prepared_at=self.prepared_at,
                group_control_number=None if self.first_group == self.control else self.first_group,
                test=self.test,
            ),
            documents=tuple(self.documents),
        )

    # -- ISA --------------------------------------------------------------

    def _interchange_header(self) -> list[Segment] | None:
        """Read the ISA and split the rest into segments; ``None`` when that is impossible."""
        text = self.text
        if not text.startswith("ISA") or len(text) < 4:
            self.fault("ISA", 1, "the file does not start with an X12 ISA header", code="022")
            return None
        element = text[3]
        if element.isalnum() or element.isspace():
            self.fault("ISA", 1, f"element separator {element!r} is not usable", code="026")
            return None
        # ISA has 16 elements: the 16th separator is followed by ISA16 and the terminator.
        separators = [i for i, char in enumerate(text[:400]) if char == element][:16]
        if len(separators) < 16 or separators[-1] + 2 >= len(text):
            self.fault("ISA", 1, "the file ends inside the ISA header", code="023")
            return None
        end = separators[-1] + 2
        terminator = text[end]
        fields = [*text[: separators[-1]].split(element)[1:], text[end - 1]]  # ISA01..ISA16
        self._isa_fields(fields, end + 1, element, terminator)
        if terminator.isalnum() or terminator in (" ", element, self.component):
            self.fault("ISA", 1, f"segment terminator {terminator!r} is not usable", code="004")
            return None
        return self._segments(text[end + 1 :], element, terminator)

    def _isa_fields(self, fields: list[str], length: int, element: str, terminator: str) -> None:
        if length != ISA_LENGTH:
            self.fault(
                "ISA",
                1,
                f"ISA is {length} characters long; X12 fixes it at {ISA_LENGTH}",
                code="022",
            )
        for number, (value, width, code) in enumerate(
            zip(fields, ISA_WIDTHS, ISA_CODES, strict=True), start=1
        ):
            if len(value) != width:
                self.fault(
                    "ISA",
                    1,
                    f"ISA{number:02d} {value!r} has {len(value)} characters; it must have {width}",
                    element=number,
                    code=code,
                )
        self.sender = fields[5].rstrip(" ") or None
        self.receiver = fields[7].rstrip(" ") or None
        for number, party in ((6, self.sender), (8, self.receiver)):
            if party is None:
                self.fault(
                    "ISA",
                    1,
                    f"ISA{number:02d} is blank",
                    element=number,
                    code=ISA_CODES[number - 1],
                )
        day = parse_date(f"20{fields[8]}") if len(fields[8]) == 6 else None
        clock = parse_time(fields[9]) if len(fields[9]) == 4 else None
        if day is None:
            self.fault("ISA", 1, f"ISA09 {fields[8]!r} is not a YYMMDD date", element=9, code="014")
        if clock is None:
            self.fault("ISA", 1, f"ISA10 {fields[9]!r} is not an HHMM time", element=10, code="015")
        if day and clock:
            self.prepared_at = datetime(day.year, day.month, day.day, clock[0], clock[1])
        if fields[11] != ISA_VERSION:
            self.fault(
                "ISA",
                1,
                f"ISA12 {fields[11]!r}: Takt reads version {ISA_VERSION}",
                element=12,
                code="017",
            )
        if fields[12].isdigit():
            self.control = int(fields[12])
        else:
            self.fault(
                "ISA", 1, f"ISA13 {fields[12]!r} is not a control number", element=13, code="018"
            )
        if fields[13] not in ("0", "1"):
            self.fault("ISA", 1, f"ISA14 {fields[13]!r} must be 0 or 1", element=14, code="019")
        if fields[14] not in ("P", "T"):
            self.fault("ISA", 1, f"ISA15 {fields[14]!r} must be P or T", element=15, code="020")
        self.test = fields[14] == "T"
        self.component = fields[15][:1]
        if (
            not self.component
            or self.component.isalnum()
            or self.component in (" ", element, terminator)
        ):
            self.fault(
                "ISA",
                1,
                f"ISA16 component separator {fields[15]!r} is not usable",
                element=16,
                code="027",
            )

    def _segments(self, rest: str, element: str, terminator: str) -> list[Segment]:
        """Split after the ISA; a newline after a terminator is tolerated."""
        pieces = rest.split(terminator)
        segments: list[Segment] = []
        for number, raw in enumerate(pieces):
            piece = raw.lstrip("\r\n")
            position = len(segments) + 2
            if number == len(pieces) - 1:
                if piece.strip():
                    self.fault(
                        piece.split(element)[0][:3],
                        position,
                        "the file ends inside a segment (no terminator)",
                        code="023",
                    )
            elif piece:
                tag, *values = piece.split(element)
                segments.append(Segment(tag, tuple(values), position))
        return segments

    def _trailer(self, iea: Segment, groups: int) -> None:
        count, reference = iea.get(1), iea.get(2)
        if not count.isdigit() or int(count) != groups:
            self.fault(
                "IEA",
                iea.position,
                f"IEA01 says {count or 'nothing'} groups, counted {groups}",
                element=1,
                code="021",
            )
        if not reference.isdigit() or int(reference) != self.control:
            self.fault(
                "IEA",
                iea.position,
                f"IEA02 {reference!r} does not match ISA13 {self.control}",
                element=2,
                code="001",
            )

    # -- GS..GE -----------------------------------------------------------

    def _group(self, segments: list[Segment], index: int) -> int:
        """Check one functional group and its sets; return the index after GE."""
        gs = segments[index]
        functional_id, number = gs.get(1), gs.get(6)
        group = int(number) if number.isdigit() and len(number) <= 9 else None

        def fault(segment: str, at: int, message: str, element: int | None, code: str) -> None:
            self.errors.append(X12Error(segment, at, message, element, code, functional_id, group))

        self.groups += 1
        if self.groups == 1:
            self.first_group = group
        if functional_id not in SET_OF_FUNCTIONAL_ID:
            fault(
                "GS",
                gs.position,
                f"GS01 {functional_id!r} is not a functional group Takt reads",
                1,
                "1",
            )
        for element in (2, 3, 7):
            if not gs.get(element):
                fault("GS", gs.position, f"GS{element:02d} is missing", element, "")
        day, clock = parse_date(gs.get(4)), parse_time(gs.get(5))
        if day is None:
            fault("GS", gs.position, f"GS04 {gs.get(4)!r} is not a CCYYMMDD date", 4, "")
        if clock is None:
            fault("GS", gs.position, f"GS05 {gs.get(5)!r} is not an HHMM time", 5, "")
        if self.groups == 1 and day and clock:  # GS04 has the century ISA09 lacks
            self.prepared_at = datetime(day.year, day.month, day.day, *clock)
        if group is None:
            fault("GS", gs.position, f"GS06 {number!r} is not a group control number", 6, "6")
        if not gs.get(8).startswith(GS_VERSION):
            fault("GS", gs.position, f"GS08 {gs.get(8)!r}: Takt reads version {GS_VERSION}", 8, "2")
        sets: list[str] = []
        index += 1
        while index < len(segments):
            seg = segments[index]
            if seg.tag == "ST":
                index = self._set(segments, index, functional_id, group, sets)
            elif seg.tag == "GE":
                count, reference = seg.get(1), seg.get(2)
                if not count.isdigit() or int(count) != len(sets):
                    fault(
                        "GE",
                        seg.position,
                        f"GE01 says {count or 'nothing'} transaction sets, counted {len(sets)}",
                        1,
                        "5",
                    )
                if not reference.isdigit() or int(reference) != group:
                    fault(
                        "GE",
                        seg.position,
                        f"GE02 {reference!r} does not match GS06 {number!r}",
                        2,
                        "4",
                    )
                return index + 1
            elif seg.tag in ("GS", "IEA"):
                break
            else:
                self.fault(
                    seg.tag, seg.position, "segment outside a transaction set (ST..SE)", code="022"
                )
                index += 1
        at = segments[index].position if index < len(segments) else segments[-1].position + 1
        fault("GE", at, "functional group trailer GE is missing", None, "3")
        return index

    # -- ST..SE -----------------------------------------------------------

    def _set(
        self,
        segments: list[Segment],
        index: int,
        functional_id: str,
        group: int | None,
        seen: list[str],
    ) -> int:
        """Check one transaction set and decode it; return the index after SE."""
        end = index + 1
        while end < len(segments) and segments[end].tag not in ("SE", "ST", "GE", "GS", "IEA"):
            end += 1
        closed = end < len(segments) and segments[end].tag == "SE"
        own = segments[index : end + 1] if closed else segments[index:end]
        r = SetReader(
            own, component=self.component, functional_id=functional_id, group_control_number=group
        )
        st = own[0]
        set_id, control = st.get(1), st.get(2)
        self.set_ids.append(set_id)
        if len(set_id) != 3 or not set_id.isdigit():
            r.error("ST", st, f"ST01 {set_id!r} is not a transaction set id", element=1, code="6")
        elif set_id not in DECODERS:
            r.error(
                "ST",
                st,
                f"transaction set {set_id} is not one Takt reads ({', '.join(DECODERS)})",
                element=1,
                code="1",
            )
        elif (
            functional_id in SET_OF_FUNCTIONAL_ID
            and functional_id != FUNCTIONAL_IDS[set_id]
            and (
                (set_id, functional_id) != ("860", "PO")  # a common mistake, read all the same
            )
        ):
            r.error(
                "ST",
                st,
                f"a {set_id} belongs in a {FUNCTIONAL_IDS[set_id]} group, not {functional_id}",
                element=1,
                code="6",
            )
        if not 4 <= len(control) <= 9:
            r.error("ST", st, f"ST02 {control!r} must have 4 to 9 characters", element=2, code="7")
        elif control in seen:
            r.error("ST", st, f"ST02 {control!r} repeats in this group", element=2, code="23")
        seen.append(control)
        for seg in own[1:]:
            if not TAG.fullmatch(seg.tag):
                r.error(seg.tag, seg, f"{seg.tag!r} is not a segment id", code="1")
        if closed:
            se = own[-1]
            count, reference = se.get(1), se.get(2)
            if not count.isdigit() or int(count) != len(own):
                r.error(
                    "SE",
                    se,
                    f"SE01 says {count or 'nothing'} segments, counted {len(own)}",
                    element=1,
                    code="4",
                )
            if reference != control:
                r.error(
                    "SE",
                    se,
                    f"SE02 {reference!r} does not match ST02 {control!r}",
                    element=2,
                    code="3",
                )
        else:
            at = segments[end] if end < len(segments) else own[-1]
            r.error("SE", at, "transaction set trailer SE is missing", code="2")
        decoder = DECODERS.get(set_id)
        document = decoder(r) if decoder is not None else None
        if r.errors:
            self.errors.extend(r.errors)
        elif document is not None:
            self.documents.append(document)
        return end + 1 if closed else end
