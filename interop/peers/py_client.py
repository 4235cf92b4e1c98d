"""Client side of the interop scenarios with Python's websockets, against a Hayate server.

Usage: python3 py_client.py <ws-base-url> <scenario>...
A scenario "deflate:<profile>:<config>" connects to <ws-base-url><profile> with
permessage-deflate set up as DEFLATE_CONFIGS[config] says and echoes until closed.
Prints one JSON report per scenario on stdout; the Go tests judge them.
"""

import asyncio
import json
import sys
import traceback

import websockets
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

import patterns as P

STEP = 10  # seconds for any one step


async def connect(url, **kw):
    options = {"max_size": None, "compression": None, "open_timeout": STEP, "close_timeout": STEP}
    options.update(kw)
    return await websockets.connect(url, **options)


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), STEP)


def as_bytes(msg):
    return (True, msg) if isinstance(msg, bytes) else (False, msg.encode("utf-8"))


async def echo(base, path, msgs, **kw):
    ws = await connect(base + path, **kw)
    report = {
        "echo": [],
        "protocol": ws.subprotocol or "",
        "extensions": ",".join(e.name for e in ws.extensions),
    }
    for m in msgs:
        await ws.send(m)
        got = await recv(ws)
        report["echo"].append(
            {
                "type": "binary" if isinstance(m, bytes) else "text",
                "size": len(as_bytes(m)[1]),
                "match": type(got) is type(m) and got == m,
            }
        )
    await ws.close(1000)
    return report


async def text(base):
    msgs = [P.pattern_text(n) for n in P.ECHO_SIZES] + [P.REP]
    return await echo(base, "text", msgs)


async def binary(base):
    return await echo(base, "binary", [P.pattern_bytes(True, n) for n in P.ECHO_SIZES])


async def large(base):
    msgs = [P.pattern_text(P.LARGE_SIZE), P.pattern_bytes(True, P.LARGE_SIZE)]
    return await echo(base, "large", msgs)


async def compression(base):
    return await echo(base, "compression", [P.pattern_text(65536), P.REP], compression="deflate")


async def fragmented(base):
    ws = await connect(base + "fragmented")
    # An iterable is sent as one fragmented message, a frame per item.
    await ws.send([P.FRAG[:1], P.FRAG[1:-2], P.FRAG[-2:]])
    got = await recv(ws)
    binary, data = as_bytes(got)
    report = {
        "fragmented": "fragmented",
        "received": {
            "type": "binary" if binary else "text",
            "size": len(data),
            "kind": P.classify(binary, data),
        },
    }
    await ws.close(1000)
    return report


async def ping(base):
    ws = await connect(base + "ping")
    first = await recv(ws)
    report = {"hayatePing": first if isinstance(first, str) else repr(first)}
    try:
        waiter = await ws.ping(b"peer-ping")
        await asyncio.wait_for(waiter, 5)
        report["peerPing"] = "ok"
    except Exception as e:  # noqa: BLE001 - reported, judged by the Go test
        report["peerPing"] = "fail: " + repr(e)
    await ws.send("peer-ping:" + report["peerPing"])
    await ws.close(1000)
    return report


async def close_hayate(base):
    ws = await connect(base + "close-hayate")
    try:
        await recv(ws)
    except websockets.ConnectionClosed:
        pass
    await asyncio.wait_for(ws.wait_closed(), STEP)
    return {"closeCode": ws.close_code, "closeReason": ws.close_reason}


async def close_peer(base):
    ws = await connect(base + "close-peer")
    await ws.close(4001, "ciao \u2713")  # a reason with a 3-byte UTF-8 sequence
    return {"closeCode": ws.close_code, "closeReason": ws.close_reason}


async def subprotocol(base):
    ws = await connect(base + "subprotocol", subprotocols=["chat.v2", "chat.v1"])
    said = await recv(ws)
    report = {"protocol": ws.subprotocol or "", "serverSaid": said}
    await ws.close(1000)
    return report


# The permessage-deflate settings of the compression tests (scenario
# "deflate:<profile>:<config>"), as connect() options.
DEFLATE_CONFIGS = {
    # websockets' defaults: offers client_max_window_bits, compresses every message
    "default": lambda: {"compression": "deflate"},
    "no-takeover": lambda: {
        "extensions": [ClientPerMessageDeflateFactory(server_no_context_takeover=True, client_no_context_takeover=True)]
    },
    "window": lambda: {
        "extensions": [ClientPerMessageDeflateFactory(server_max_window_bits=10, client_max_window_bits=9)]
    },
}


def deflate_params(ws):
    """What the connection negotiated, as websockets sees it."""
    for e in ws.extensions:
        if e.name == "permessage-deflate":
            return {
                "remote_no_context_takeover": e.remote_no_context_takeover,
                "local_no_context_takeover": e.local_no_context_takeover,
                "remote_max_window_bits": e.remote_max_window_bits,
                "local_max_window_bits": e.local_max_window_bits,
            }
    return None


async def echo_until_closed(ws, report, key):
    """Echo every message until the peer closes; a text message that starts with
    FRAGMENT_ECHO goes back in three frames (an iterable is sent fragmented)."""
    try:
        async for msg in ws:
            binary = isinstance(msg, bytes)
            data = msg if binary else msg.encode("utf-8")
            report[key].append({"type": "binary" if binary else "text", "size": len(data), "sha": P.sha(data)})
            if not binary and msg.startswith(P.FRAGMENT_ECHO):
                await ws.send([msg[a:b] for a, b in P.thirds(len(msg))])
                report["fragEcho" if key == "messages" else "fragmented"] = "fragmented"
            else:
                await ws.send(msg)
    except websockets.ConnectionClosed:
        pass
    await asyncio.wait_for(ws.wait_closed(), STEP)
    report["closeCode"] = ws.close_code
    report["closeReason"] = ws.close_reason


async def deflate_echo(base, profile, config):
    ws = await connect(base + profile, **DEFLATE_CONFIGS[config]())
    report = {
        "extensions": ",".join(e.name for e in ws.extensions),
        "params": deflate_params(ws),
        "messages": [],
    }
    await echo_until_closed(ws, report, "messages")
    return report


SCENARIOS = {
    "text": text,
    "binary": binary,
    "large": large,
    "compression": compression,
    "fragmented": fragmented,
    "ping": ping,
    "close-hayate": close_hayate,
    "close-peer": close_peer,
    "subprotocol": subprotocol,
}


async def main():
    base, names = sys.argv[1], sys.argv[2:]
    for name in names:
        try:
            if name.startswith("deflate:"):
                _, profile, config = name.split(":")
                report = await asyncio.wait_for(deflate_echo(base, profile, config), 4 * STEP)
            else:
                report = await asyncio.wait_for(SCENARIOS[name](base), 4 * STEP)
        except Exception:  # noqa: BLE001 - reported, judged by the Go test
            report = {"error": traceback.format_exc()}
        print(json.dumps({"scenario": name, **report}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
