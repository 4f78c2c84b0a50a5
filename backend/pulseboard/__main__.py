"""``python -m pulseboard serve``: the same as the ``pulseboard`` command."""

from .cli import main

main()
