"""``/chat``: rooms, direct messages, presence, history with resume, notifications."""

from typing import Annotated, Literal

from pydantic import Field, RootModel

from .auth import MAX_LOGIN_USERNAME
from .base import Id, Payload, Reply, Timestamp, matching
from .charts import StreamName

MAX_ROOM_NAME = 32
#: Room names: 1-32 of a-z 0-9 _ -, starting with a letter or digit.
ROOM_NAME_PATTERN = rf"^[a-z0-9][a-z0-9_-]{{0,{MAX_ROOM_NAME - 1}}}$"
ROOM_NAME_RULE = f"1-{MAX_ROOM_NAME} of a-z 0-9 _ -, starting with a letter or digit"
DEFAULT_ROOM = "general"
#: A message's text, stripped: longer is too_large (checked by the service for that code).
MAX_TEXT = 2000
PREVIEW_CHARS = 100
MAX_CLIENT_ID = 64
JOIN_MESSAGES = 50
DEFAULT_PAGE = 50
MAX_PAGE = 200
#: ``@name`` mentions: at the start or after a character that cannot be part of a
#: name or an e-mail address (so ``me@host`` mentions nobody); the name is group 1.
#: Python's ``re`` and ECMAScript read it alike (tests/contract/mention_cases.json).
MENTION_PATTERN = r"(?<![A-Za-z0-9_@.-])@([A-Za-z0-9_-]{3,32})(?![A-Za-z0-9_-])"
#: One message notifies at most this many users.
MAX_MENTIONS = 10

RoomName = Annotated[matching(ROOM_NAME_PATTERN, ROOM_NAME_RULE),
                     Field(min_length=1, max_length=MAX_ROOM_NAME)]
#: A username as a client names one (unknown → not_found; the token gives one's own).
UserName = Annotated[str, Field(max_length=MAX_LOGIN_USERNAME)]
ClientId = Annotated[str, Field(min_length=1, max_length=MAX_CLIENT_ID)]
Text = Annotated[str, Field(description=f"stripped; empty is bad_request (unless the message "
                                        f"has an embed), over {MAX_TEXT} characters too_large")]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]


# -- embeds: a live chart or a run's log tail carried by a message ----------------


class StreamEmbed(Payload):
    """A live chart of ``stream`` (unknown stream → ``not_found``)."""

    kind: Literal["stream"]
    stream: StreamName


class RunEmbed(Payload):
    """A run's status and live log tail (unknown run → ``not_found``)."""

    kind: Literal["run"]
    task_id: Id


#: What a ``message`` or ``dm`` may carry as ``embed``; unknown kinds and keys are bad_request.
Embed = Annotated[StreamEmbed | RunEmbed, Field(discriminator="kind")]


class SentStreamEmbed(Reply):
    kind: Literal["stream"]
    stream: str


class SentRunEmbed(Reply):
    kind: Literal["run"]
    task_id: int


#: A message's ``embed`` as the server sends it: null when the message has none.
SentEmbed = Annotated[SentStreamEmbed | SentRunEmbed, Field(discriminator="kind")] | None


class RoomRef(Payload):
    """``join`` and ``leave``."""

    room: RoomName


class PostMessage(Payload):
    """``message``: post to a room this socket joined."""

    room: RoomName
    text: Text = ""
    client_id: ClientId | None = None
    annotate: bool = Field(default=False, description="draw the message on the charts "
                                                      "(an annotation)")
    embed: Embed | None = None


class SendDirect(Payload):
    """``dm`` (``annotate`` is refused: a DM never is an annotation)."""

    to: UserName
    text: Text = ""
    client_id: ClientId | None = None
    embed: Embed | None = None


class HistoryQuery(Payload):
    """``history``: the ``limit`` newest before ``before_id`` (or the latest)."""

    room: RoomName
    before_id: Id | None = None
    limit: Page = DEFAULT_PAGE


class ResumeQuery(Payload):
    """``resume``: the oldest ``limit`` after ``after_id``."""

    room: RoomName
    after_id: Id
    limit: Page = MAX_PAGE


class DirectHistoryQuery(Payload):
    """``dm_history``: the caller's own conversation with ``with``."""

    with_: UserName = Field(alias="with")
    before_id: Id | None = None
    after_id: Id | None = None
    limit: Page = DEFAULT_PAGE


# -- objects ---------------------------------------------------------------------


class RoomMessage(Reply):
    """A message in a room (the ``message`` event, and in histories)."""

    id: int
    room: str
    user: str
    text: str
    ts: Timestamp
    client_id: str | None
    annotation: bool = Field(description="sent with annotate: drawn on the charts")
    embed: SentEmbed


class DirectMessage(Reply):
    """A direct message between two users (the ``dm`` event, and in ``dm_history``)."""

    model_config = {"populate_by_name": True}

    id: int
    from_: str = Field(alias="from")
    to: str
    text: str
    ts: Timestamp
    client_id: str | None
    embed: SentEmbed


class DmNotification(Reply):
    model_config = {"populate_by_name": True}

    kind: Literal["dm"]
    from_: str = Field(alias="from")
    message_id: int
    preview: str = Field(description=f"the first {PREVIEW_CHARS} characters")


class MentionNotification(Reply):
    model_config = {"populate_by_name": True}

    kind: Literal["mention"]
    from_: str = Field(alias="from")
    room: str
    message_id: int
    preview: str = Field(description=f"the first {PREVIEW_CHARS} characters")


class Presence(Reply):
    """A user came online or went offline in a room (first socket anywhere, last one gone)."""

    room: str
    user: str
    online: bool


class RoomInfo(Reply):
    name: str
    online: int = Field(description="users present")


class Notification(RootModel[Annotated[DmNotification | MentionNotification,
                                        Field(discriminator="kind")]]):
    """The ``notification`` event: a DM, or a mention in a room message."""


class Conversation(Reply):
    model_config = {"populate_by_name": True}

    with_: str = Field(alias="with")
    last: DirectMessage


# -- acks ------------------------------------------------------------------------


class RoomsAck(Reply):
    """``rooms``: every room with its member and online counts."""

    ok: Literal[True]
    rooms: list[RoomInfo] = Field(description="general always listed")


class JoinAck(Reply):
    """``join``: the room's members and its last messages."""

    ok: Literal[True]
    room: str
    members: list[str]
    messages: list[RoomMessage] = Field(description=f"the last {JOIN_MESSAGES}, oldest first")


class RoomMessageAck(Reply):
    """``message``: the stored message (the first one again for a repeated ``client_id``)."""

    ok: Literal[True]
    message: RoomMessage


class DirectMessageAck(Reply):
    """``dm``: the stored direct message."""

    ok: Literal[True]
    message: DirectMessage


class MessagesAck(Reply):
    """``history`` and ``resume``."""

    ok: Literal[True]
    messages: list[RoomMessage]
    has_more: bool


class DirectHistoryAck(Reply):
    """``dm_history``: one conversation's messages, oldest first."""

    model_config = {"populate_by_name": True}

    ok: Literal[True]
    with_: str = Field(alias="with")
    messages: list[DirectMessage]
    has_more: bool


class ConversationsAck(Reply):
    """``conversations``: the caller's direct-message conversations."""

    ok: Literal[True]
    conversations: list[Conversation] = Field(description="newest first")
