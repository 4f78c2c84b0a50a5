"""``@username`` mentions in room messages (at most :data:`MAX_MENTIONS` notified)."""

import re

from sqlalchemy import select

from ..auth.models import User
from ..auth.tokens import Identity
from ..contract.chat import MAX_MENTIONS, MENTION_PATTERN
from ..extensions import db

# A mention starts at the beginning or after a character that cannot be part
# of a name or an e-mail address, so "me@host" mentions nobody. The SPA
# highlights with the same pattern (exported in the contract's limits); both
# are tested against tests/contract/mention_cases.json.
MENTION = re.compile(MENTION_PATTERN)


def mentioned_names(text: str) -> list[str]:
    """The distinct names ``text`` mentions, in order of first appearance."""
    names = dict.fromkeys(match.group(1) for match in MENTION.finditer(text))
    return list(names)[:MAX_MENTIONS]


def mentioned_users(text: str, author_id: int) -> list[Identity]:
    """The existing users ``text`` mentions, the author left out."""
    names = mentioned_names(text)
    if not names:
        return []
    users = db.session.scalars(select(User).where(User.username.in_(names)))
    return [Identity(u.id, u.username) for u in users if u.id != author_id]
