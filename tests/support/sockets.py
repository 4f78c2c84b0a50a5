"""Look at the server's end of a TCP connection from the test process (Linux only)."""

import ctypes
import os
import socket

SYS_PIDFD_GETFD = 438  # x86_64 and aarch64


def server_side_option(pid: int, client: socket.socket, level: int, option: int) -> int:
    """``getsockopt(level, option)`` on process ``pid``'s socket connected to ``client``.

    The socket is copied out of the server with ``pidfd_getfd(2)`` (root, or
    ptrace rights over ``pid``), so the option read is the server's own.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                continue
            copy = libc.syscall(SYS_PIDFD_GETFD, pidfd, int(fd), 0)
            if copy < 0:
                raise OSError(ctypes.get_errno(), "pidfd_getfd failed")
            with socket.socket(fileno=copy) as sock:
                try:
                    peer = sock.getpeername()
                except OSError:  # the listening socket, or not TCP
                    continue
                if peer == client.getsockname():
                    return sock.getsockopt(level, option)
    finally:
        os.close(pidfd)
    raise LookupError(f"process {pid} has no socket connected to {client.getsockname()}")
