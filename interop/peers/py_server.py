"""Server side of the interop scenarios with Python's websockets, for a Hayate client.

Under /deflate/<config>/<profile> it echoes with permessage-deflate set up as
DEFLATE_CONFIGS[config] says, for the compression tests.

Usage: python3 py_server.py
Listens on 127.0.0.1 on a free port, prints "LISTEN <port>", then one JSON report per
connection when it ends. Exits when its standard input closes.
"""

import asyncio
import json
import os
import sys
import threading

import websockets
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory, enable_server_permessage_deflate
from websockets.legacy.server import WebSocketServerProtocol

import patterns as P
from py_client import deflate_params, echo_until_closed

# The compression tests connect to /deflate/<config>/<profile>; each config is the list
# of server extensions to negotiate from.
DEFLATE_CONFIGS = {
    # websockets' defaults (server_max_window_bits=12, client_max_window_bits=12)
    "default": enable_server_permessage_deflate(None),
    "no-takeover": [ServerPerMessageDeflateFactory(server_no_context_takeover=True, client_no_context_takeover=True)],
    "window": [ServerPerMessageDeflateFactory(server_max_window_bits=10, client_max_window_bits=9)],
}


class Protocol(WebSocketServerProtocol):
    """Negotiates extensions by request path: /deflate/<config>/... as DEFLATE_CONFIGS
    says, anything else with the server's own extensions."""

    async def process_request(self, path, request_headers):
        self.request_path = path
        return None

    def process_extensions(self, headers, available_extensions):
        parts = self.request_path.split("/")
        if len(parts) > 3 and parts[1] == "deflate":
            available_extensions = DEFLATE_CONFIGS.get(parts[2], [])
        return WebSocketServerProtocol.process_extensions(headers, available_extensions)


async def deflate_handler(ws):
    report = {
        "path": ws.path,
        "extensions": ",".join(e.name for e in ws.extensions),
        "params": deflate_params(ws),
        "received": [],
    }
    try:
        await echo_until_closed(ws, report, "received")
    except Exception as e:  # noqa: BLE001 - reported
        report["error"] = repr(e)
    print(json.dumps(report), flush=True)


def prefer_server(client_subprotocols, server_subprotocols):
    """Server preference, as Hayate does (the library's default weighs both sides)."""
    for p in server_subprotocols:
        if p in client_subprotocols:
            return p
    return None


async def handler(ws):
    path = ws.path
    if path.startswith("/deflate/"):
        await deflate_handler(ws)
        return
    report = {
        "path": path,
        "protocol": ws.subprotocol or "",
        "extensions": ",".join(e.name for e in ws.extensions),
        "received": [],
    }
    try:
        if path == "/fragment":
            # An iterable is sent as one fragmented message, a frame per item.
            await ws.send([P.FRAG[:1], P.FRAG[1:-2], P.FRAG[-2:]])
            report["fragmented"] = "fragmented"
        elif path == "/close-server":
            await ws.close(4000, "bye")
        elif path == "/subprotocol":
            await ws.send(ws.subprotocol or "")
        async for msg in ws:
            binary = isinstance(msg, bytes)
            data = msg if binary else msg.encode("utf-8")
            report["received"].append(
                {"type": "binary" if binary else "text", "size": len(data), "kind": P.classify(binary, data)}
            )
            if path.startswith("/echo") or path == "/fragment":
                await ws.send(msg)
            elif path == "/ping" and msg == "ping-me":
                try:
                    waiter = await ws.ping(b"peer-ping")
                    await asyncio.wait_for(waiter, 5)
                    result = "ok"
                except Exception as e:  # noqa: BLE001 - reported
                    result = "fail: " + repr(e)
                report["peerPing"] = result
                await ws.send("peer-ping:" + result)
    except websockets.ConnectionClosed:
        pass
    except Exception as e:  # noqa: BLE001 - reported
        report["error"] = repr(e)
    await ws.wait_closed()
    report["closeCode"] = ws.close_code
    report["closeReason"] = ws.close_reason
    print(json.dumps(report), flush=True)


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


async def main():
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    async with websockets.serve(
        handler,
        "127.0.0.1",
        0,
        subprotocols=["chat.v1", "chat.v2"],
        select_subprotocol=prefer_server,
        max_size=None,
        compression="deflate",  # enabled: a client that does not offer it must still work
        create_protocol=Protocol,
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"LISTEN {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
