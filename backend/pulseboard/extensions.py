"""Flask extensions, created once and bound to an app in :func:`create_app`."""

from flask_cors import CORS
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every Pulseboard model."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cors = CORS()
socketio = SocketIO()
