"""Chat: rooms, direct messages, presence, history and notifications on ``/chat``."""

from flask import Flask

from ..extensions import socketio


def init_app(app: Flask, services) -> None:
    """Create the ChatService and register the ``/chat`` namespace."""
    from .embeds import EmbedChecker
    from .namespace import ChatNamespace
    from .service import ChatService

    services.chat = ChatService(socketio, check_embed=EmbedChecker(services))
    socketio.on_namespace(ChatNamespace(services.chat))
