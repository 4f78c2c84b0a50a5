"""Alerts: rules on streams, their state across workers, actions, ``/alerts`` and REST.

``docs/alerts.md`` describes the rules file, the states and the actions;
``docs/contract.md`` the ``/alerts`` namespace and ``/api/alerts``.
"""

from flask import Flask

from ..extensions import socketio


def init_app(app: Flask, services) -> None:
    """Read the rules (a bad file stops the server) and create the service.

    Evaluation starts when the app is served (:mod:`pulseboard.serving`).
    Needs the charts feature (rules read streams); chat's ``/ack`` hook is
    installed when the chat feature is there.
    """
    from .api import bp
    from .namespace import AlertsNamespace
    from .rules import load_rules
    from .service import AlertService

    rules = load_rules(app.config.get("ALERTS_FILE"))  # RulesFileError: a settings error
    _check_tasks(rules, getattr(services, "tasks", None), app.config.get("ALERTS_FILE"))
    services.alerts = AlertService(app, socketio, services, rules)
    socketio.on_namespace(AlertsNamespace(services.alerts))
    app.register_blueprint(bp)
    chat = getattr(services, "chat", None)
    if chat is not None and hasattr(chat, "on_posted"):
        chat.on_posted.append(services.alerts.on_chat_message)


def _check_tasks(rules, tasks, path) -> None:
    """A rule's ``task`` must name a task of the tasks file (as it reads at start-up)."""
    from .rules import RulesFileError

    for rule in rules.values():
        if rule.task and (tasks is None or tasks.catalog.get(rule.task) is None):
            raise RulesFileError(f"alerts file {path}: rule {rule.name!r}: task: no task named "
                                 f"{rule.task!r} in the tasks file (TASKS_FILE)")
