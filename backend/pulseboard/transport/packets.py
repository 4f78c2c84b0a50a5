"""Strict decoding of Socket.IO and Engine.IO packets.

python-socketio 5.18 decodes a packet with ``Packet.decode``, which trusts
its input: a non-digit type (``NaN/chat``), ids of up to 100 digits, up to
ten digits of binary attachments (each held in memory until they all come),
placeholders that point past the attachments, and JSON ``NaN`` or nesting
that raises ``RecursionError`` all end in an exception the server logs with
a traceback while the client is left waiting. :class:`StrictPacket` (passed
as python-socketio's ``serializer``) refuses a broken header with
:class:`ProtocolError`, which closes the connection, and turns a payload it
will not accept into :class:`Refused`, so that the event is still acked.
"""

import base64
import binascii
import json
from itertools import chain

from socketio import packet as sio_packet

from . import strict_json

#: Most binary attachments one packet may announce.
MAX_ATTACHMENTS = 10
#: Longest ack id (digits): socket.io-client counts from 0, a JS number stays exact.
MAX_ID_DIGITS = 15
MAX_NAMESPACE = 64
_DIGITS = frozenset("0123456789")
#: Exact types that hold no bytes and nothing else (a level of only these is done).
_LEAVES = frozenset({int, float, str, bool, type(None)})
_LISTS = frozenset({list})
_DICTS = frozenset({dict})


class ProtocolError(ValueError):
    """The peer broke the Engine.IO or Socket.IO framing: its connection is closed."""


class Refused:
    """A payload that is not acceptable JSON: its event is answered ``bad_request``.

    It stands in for the data, so python-socketio still routes the packet
    (and a ``CONNECT`` carrying it is refused as unauthorised).
    """

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason

    def __repr__(self) -> str:
        return f"Refused({self.reason!r})"


class StrictJSON:
    """The ``json`` module python-socketio decodes and encodes payloads with."""

    loads = staticmethod(strict_json.loads)
    dumps = staticmethod(json.dumps)  # encoding needs no checks: the C encoder, no wrapper


def _read_digits(text: str, at: int, most: int) -> int:
    end = at
    while end < len(text) and text[end] in _DIGITS:
        end += 1
    if end - at > most:
        raise ProtocolError("number field too long")
    return end


class StrictPacket(sio_packet.Packet):
    """A Socket.IO packet that refuses malformed headers and unacceptable payloads."""

    json = StrictJSON

    def decode(self, encoded_packet):
        """Decode the packet; return the number of binary attachments it announces."""
        if not isinstance(encoded_packet, str) or not encoded_packet:
            raise ProtocolError("a Socket.IO packet must be non-empty text")
        kind = encoded_packet[0]
        if kind not in "0123456":
            raise ProtocolError(f"unknown Socket.IO packet type {kind!r}")
        self.packet_type = int(kind)
        self.namespace = None
        self.data = None
        ep, at, attachments = encoded_packet, 1, 0
        binary = self.packet_type in (sio_packet.BINARY_EVENT, sio_packet.BINARY_ACK)
        if binary:
            end = _read_digits(ep, at, 2)
            if end == at or ep[end:end + 1] != "-":
                raise ProtocolError("a binary packet must announce its attachments")
            attachments = int(ep[at:end])
            if not 1 <= attachments <= MAX_ATTACHMENTS:
                raise ProtocolError(f"1-{MAX_ATTACHMENTS} attachments per packet")
            at = end + 1
        if ep[at:at + 1] == "/":
            comma = ep.find(",", at)
            end = len(ep) if comma == -1 else comma
            self.namespace = ep[at:end].partition("?")[0]
            if len(self.namespace) > MAX_NAMESPACE:
                raise ProtocolError("namespace too long")
            at = end if comma == -1 else comma + 1
        end = _read_digits(ep, at, MAX_ID_DIGITS)
        if end > at:
            self.id = int(ep[at:end])
            at = end
        if at < len(ep):
            try:
                self.data = self.json.loads(ep[at:])
            except strict_json.JSONRefused as exc:
                if binary:
                    raise ProtocolError(f"binary packet payload: {exc}") from None
                self.data = Refused(str(exc))
        if binary:
            _check_placeholders(self.data, attachments)
        return attachments

    @classmethod
    def data_is_binary(cls, data):
        """Whether ``data`` holds ``bytes``: python-socketio's answer, a level at a time.

        Upstream calls itself, builds a list and reduces it for every value of
        an emit: 15 % of a worker's time when ingest sends frames of thousands
        of points. Here a level of one kind (the points' lists, their numbers)
        is typed and flattened by ``map``/``chain`` without a Python call per
        value; a mixed level is walked as upstream walks it (lists and dicts
        searched, tuples and other objects not).
        """
        items = [data]
        while items:
            kinds = set(map(type, items))
            if kinds <= _LEAVES:
                return False
            if kinds == _LISTS:
                items = list(chain.from_iterable(items))
            elif kinds == _DICTS:
                items = list(chain.from_iterable(map(dict.values, items)))
            else:
                children = []
                for item in items:
                    if isinstance(item, bytes | bytearray):
                        return True
                    if isinstance(item, list):
                        children.extend(item)
                    elif isinstance(item, dict):
                        children.extend(item.values())
                items = children
        return False

    def add_attachment(self, attachment):
        """Take the next binary attachment; text here means the peer lost count."""
        if not isinstance(attachment, bytes | bytearray):
            raise ProtocolError("expected a binary attachment, got text")
        return super().add_attachment(attachment)


def _check_placeholders(data, count: int) -> None:
    """Every attachment ``0..count-1`` is referenced exactly once, and nothing else."""
    seen: list[int] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if item.get("_placeholder") is True:
                num = item.get("num")
                if type(num) is not int or set(item) != {"_placeholder", "num"}:
                    raise ProtocolError("malformed binary placeholder")
                seen.append(num)
            else:
                stack.extend(item.values())
    if sorted(seen) != list(range(count)):
        raise ProtocolError(f"placeholders {sorted(seen)[:12]} do not match "
                            f"the {count} announced attachment(s)")


def check_engineio_packet(encoded, polling: bool = False) -> None:
    """Refuse an Engine.IO packet python-engineio would choke on or misread.

    python-engineio 4.15 calls ``int()`` on the first character and
    ``json.loads`` on the rest of every text packet (a ``ValueError`` that
    escapes its WebSocket loop becomes an HTTP 500 written into the open
    WebSocket; ``RecursionError`` escapes its handlers). A client sends
    only CLOSE, PING/PONG (``probe``), UPGRADE, NOOP and MESSAGE, and a
    text MESSAGE always carries a Socket.IO packet. Over long-polling only
    CLOSE, PONG and MESSAGE: python-engineio answers any other type with
    ``UnknownPacketError``, then closes the session with ``wait=True``,
    which waits for the client to drain its queue: the POST never returns.
    """
    if isinstance(encoded, bytes | bytearray):
        return
    if not isinstance(encoded, str) or not encoded:
        raise ProtocolError("empty Engine.IO packet")
    kind, rest = encoded[0], encoded[1:]
    if kind == "4":
        if not rest or rest[0] not in "0123456":
            raise ProtocolError("an Engine.IO message must carry a Socket.IO packet")
    elif kind in ("13" if polling else "12356"):
        if rest not in ("", "probe"):
            raise ProtocolError(f"unexpected data in Engine.IO packet type {kind}")
    else:
        raise ProtocolError(f"Engine.IO packet type {kind!r} is not one a client sends")


def decode_polling_payload(body: bytes, max_packets: int = 16) -> None:
    """Check a long-polling POST body before python-engineio decodes it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("payload is not valid UTF-8") from None
    if text.startswith("d="):
        raise ProtocolError("JSONP payloads are not accepted")
    parts = text.split("\x1e") if text else []
    if len(parts) > max_packets:
        raise ProtocolError(f"more than {max_packets} packets in one payload")
    for part in parts:
        if part.startswith("b"):
            try:
                base64.b64decode(part[1:], validate=True)
            except (binascii.Error, ValueError):
                raise ProtocolError("invalid base64 attachment") from None
        else:
            check_engineio_packet(part, polling=True)
