"""Loaded by every Python process the test suite starts (PYTHONPATH points here).

It makes any attempt to reach the network fail loudly: connections to
addresses outside the loopback range and name lookups of anything but
localhost raise OSError. Loopback stays open because Jupyter kernels, the
JupyterLab server and the browser tests talk over it. The course must never
need the network at run time; with this in place, a notebook that tried would
fail its nbval run.
"""
import ipaddress
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


class NetworkBlocked(OSError):
    pass


def _is_local(host):
    if isinstance(host, bytes):
        host = host.decode()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(address):
    if isinstance(address, tuple) and address and not _is_local(address[0]):
        raise NetworkBlocked(f"network access blocked in the course's tests: tried to reach {address[0]!r}")


def _connect(self, address):
    _check(address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _check(address)
    return _real_connect_ex(self, address)


def _getaddrinfo(host, *args, **kwargs):
    if host is not None and not _is_local(host):
        raise NetworkBlocked(f"network access blocked in the course's tests: tried to look up {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
socket.getaddrinfo = _getaddrinfo
