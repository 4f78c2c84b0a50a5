"""What the in-process tests share besides fixtures."""


def call(client, namespace: str, event: str, *args):
    """Emit ``event`` with ``args`` on ``namespace`` and return its ack."""
    return client.emit(event, *args, namespace=namespace, callback=True)
