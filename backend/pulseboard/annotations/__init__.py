"""Annotations: every event on the chart (task runs, alert transitions, marked chat messages).

Read on ``/charts`` (``annotations``) and over REST (``/api/annotations``);
pushed as the ``/charts`` event ``annotation``. The tasks, alerts and chat
features call this one's hooks (:class:`.service.AnnotationService`) where
their events happen; ``docs/contract.md`` describes the objects.
"""

from flask import Flask

from ..extensions import socketio


def init_app(app: Flask, services) -> None:
    """Create the service, register the REST blueprint, install the other features' hooks.

    The ``/charts`` handler lives in :mod:`pulseboard.charts.namespace` and
    finds the service on ``services``; a feature that is absent has no hook.
    """
    from .api import bp
    from .service import AnnotationService

    service = services.annotations = AnnotationService(socketio)
    app.register_blueprint(bp)
    tasks = getattr(services, "tasks", None)
    if tasks is not None:
        tasks.on_started.append(service.on_run_started)
        tasks.on_ended.append(service.on_run_finished)
    alerts = getattr(services, "alerts", None)
    if alerts is not None:
        alerts.on_transition.append(service.on_alert_transition)
    chat = getattr(services, "chat", None)
    if chat is not None:
        chat.on_posted.append(service.on_chat_message)
