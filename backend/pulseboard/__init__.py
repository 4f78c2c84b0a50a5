"""Pulseboard: a live operations board on Flask-SocketIO.

The package exposes :func:`create_app`, the application factory used by
``pulseboard serve``, by ``flask --app pulseboard db ...``, by the development
app (:mod:`pulseboard.dev`) and by the tests.
Importing the package is deliberately cheap and imports neither Flask nor
eventlet: ``pulseboard serve`` must monkey-patch before Flask, SQLAlchemy or
python-socketio create their locks, so the real factory is imported lazily.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pulseboard")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"


def create_app(config=None):
    """Create the Flask application; see :func:`pulseboard.app.create_app`."""
    from .app import create_app as _create_app

    return _create_app(config)


__all__ = ["__version__", "create_app"]
