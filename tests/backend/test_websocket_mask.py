"""The WebSocket unmasking that replaces eventlet's byte-at-a-time loop."""

import os

import pytest

from pulseboard.websocket_mask import apply_mask


def eventlets_own(data, mask, length=None, offset=0):
    # eventlet 0.41's RFC6455WebSocket._apply_mask: the reference.
    if length is None:
        length = len(data)
    return b"".join(bytes((data[i] ^ mask[(offset + i) % 4],)) for i in range(length))


@pytest.mark.parametrize("size", [0, 1, 3, 4, 5, 127, 65_536])
@pytest.mark.parametrize("offset", [0, 1, 2, 3, 6])
def test_unmasks_exactly_as_eventlet_does(size, offset):
    data, mask = os.urandom(size + 7), os.urandom(4)
    assert apply_mask(data, mask, size, offset) == eventlets_own(data, mask, size, offset)
    assert apply_mask(data[:size], mask) == eventlets_own(data[:size], mask)


def test_masking_twice_gives_the_data_back():
    data, mask = os.urandom(1000), os.urandom(4)
    assert apply_mask(apply_mask(data, mask), mask) == data
