"""``tokledger serve``: a local web dashboard over the ledger, working offline.

The page (``static/``: hand-written HTML, CSS and JavaScript modules, no build step, nothing fetched from
the network) shows a year of usage as a contribution calendar in 2D or 3D, the headline numbers, and
charts of daily cost per source, cost and tokens per model, and monthly totals. It is drawn only from the
JSON API in :mod:`tokledger.web.app`, whose answers have the same shapes and numbers as the CLI's ``--json``.
"""

from __future__ import annotations

import socket
import threading

from tokledger.errors import TokledgerError
from tokledger.web.app import create_app, is_loopback, warm
from tokledger.web.backend import Backend

__all__ = ["Backend", "create_app", "is_loopback", "listen", "new_token", "run", "url_of"]


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or a clear error when the address is taken or unknown."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        # The protocol must be IPPROTO_TCP, not 0: asyncio turns Nagle's algorithm off only on sockets that
        # say so, and with it on every answer waits some 40 ms for the client's delayed acknowledgement.
        sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise TokledgerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket, host: str, token: str | None = None) -> str:
    """The address to open in a browser (a wildcard address is reached through loopback), with the token."""
    port = sock.getsockname()[1]
    name = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    return f"http://{f'[{name}]' if ':' in name else name}:{port}/" + (f"?token={token}" if token else "")


def new_token(host: str) -> str | None:
    """A secret for a dashboard served beyond loopback (None on loopback: the machine's own user only)."""
    import secrets

    return None if is_loopback(host) else secrets.token_urlsafe(24)


def run(backend: Backend, sock: socket.socket, host: str, *, allow_hosts: tuple[str, ...] = (),
        token: str | None = None) -> None:  # fmt: skip
    """Serve until interrupted; the page's first views are computed in the background meanwhile."""
    import uvicorn

    threading.Thread(target=warm, args=(backend,), name="tokledger-warm", daemon=True).start()
    app = create_app(backend, host=host, allow_hosts=allow_hosts, token=token)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shuts down on Ctrl+C, then re-raises it
        pass
    finally:
        backend.close()
