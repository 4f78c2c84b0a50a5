"""The ``/logs`` namespace: list, start, cancel and follow task runs."""

from flask import request

from ..contract.base import NoPayload
from ..contract.tasks import StartTask, TaskRef, TaskSubscribe
from ..namespace import AuthNamespace
from ..wire import ok, parse
from .service import TaskService
from .taskhub import NAMESPACE


class TasksNamespace(AuthNamespace):
    """Task runs and their live logs; see the ``/logs`` section of the contract.

    Every socket joins the ``tasks`` room on connect and so receives the
    ``task`` event of every run; ``lines`` frames go only to the sockets
    that subscribed to that run.
    """

    def __init__(self, service: TaskService):
        super().__init__(NAMESPACE)
        self.service = service

    def connected(self, identity):
        self.service.connected(request.sid)

    def disconnected(self, identity, sid):
        self.service.drop(sid)

    def on_tasks(self, data):
        parse(NoPayload, data)
        return ok(definitions=self.service.definitions(), tasks=self.service.list_tasks())

    def on_start(self, data):
        name = parse(StartTask, data).name
        return ok(task=self.service.start(name, self.user.username))

    def on_cancel(self, data):
        self.service.cancel(parse(TaskRef, data).task_id, self.user.username)
        return ok()

    def on_subscribe(self, data):
        req = parse(TaskSubscribe, data)
        return ok(**self.service.subscribe(request.sid, req.task_id, req.after_seq))

    def on_unsubscribe(self, data):
        task_id = parse(TaskRef, data).task_id
        self.service.unsubscribe(request.sid, task_id)
        return ok()
