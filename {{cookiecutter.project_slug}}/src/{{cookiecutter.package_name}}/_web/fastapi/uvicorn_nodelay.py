"""uvicorn's command line, with TCP_NODELAY on the connections of a multi-worker server.

With --workers N (and --reload) uvicorn binds the listening socket itself and leaves its protocol
unsaid (0). asyncio turns TCP_NODELAY on only for sockets that say TCP, so Nagle's algorithm stays
on: every request after the first on a keep-alive connection waits about 40 ms for the client's
delayed ACK (uvicorn issue #3149, open as of uvicorn 0.54). Behind a load balancer, which keeps
connections alive, that is nearly every request. This module says TCP; drop it once uvicorn does.

    python -m <package>.web.uvicorn_nodelay <uvicorn's arguments>
"""

import socket

import uvicorn
from uvicorn.config import Config

_bind_socket = Config.bind_socket


def bind_tcp_socket(config: Config) -> socket.socket:
    sock = _bind_socket(config)
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return sock  # a Unix socket (--uds): no Nagle there
    # The same socket, declared TCP; the workers inherit it as it is.
    return socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())


Config.bind_socket = bind_tcp_socket

if __name__ == "__main__":
    uvicorn.main()
