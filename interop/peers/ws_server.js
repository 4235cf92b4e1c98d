// ws_server.js runs the server side of the interop scenarios with the Node "ws" library,
// for a Hayate client. Usage: node ws_server.js
// It listens on 127.0.0.1 on a free port and prints "LISTEN <port>", then one JSON report
// per connection when it ends. It exits when its standard input closes.
'use strict';

const { WebSocketServer } = require('ws');
const P = require('./patterns.js');

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: true, // enabled: a client that does not offer it must still work
  maxPayload: 64 << 20,
  // Server preference, as Hayate does.
  handleProtocols: (offered) => ['chat.v1', 'chat.v2'].find((p) => offered.has(p)) || false,
});

wss.on('listening', () => console.log('LISTEN ' + wss.address().port));

wss.on('connection', (ws, req) => {
  const path = req.url;
  const report = { path, protocol: ws.protocol, extensions: ws.extensions, received: [] };
  ws.on('error', (e) => {
    report.error = String(e);
  });
  ws.on('message', (data, isBinary) => {
    const b = Buffer.from(data);
    report.received.push({ type: isBinary ? 'binary' : 'text', size: b.length, kind: P.classify(isBinary, b) });
    if (path.startsWith('/echo') || path === '/fragment') {
      ws.send(b, { binary: isBinary });
    } else if (path === '/ping' && !isBinary && b.toString() === 'ping-me') {
      let timer;
      const onPong = (d) => {
        if (d.toString() !== 'peer-ping') return;
        clearTimeout(timer);
        ws.off('pong', onPong);
        report.peerPing = 'ok';
        ws.send('peer-ping:ok');
      };
      timer = setTimeout(() => {
        ws.off('pong', onPong);
        report.peerPing = 'fail: no pong';
        ws.send('peer-ping:fail');
      }, 5000);
      ws.on('pong', onPong);
      ws.ping(Buffer.from('peer-ping'));
    }
  });
  ws.on('close', (code, reason) => {
    report.closeCode = code;
    report.closeReason = reason.toString();
    console.log(JSON.stringify(report));
  });

  switch (path) {
    case '/fragment': {
      // Three frames; the cuts fall inside multi-byte UTF-8 sequences.
      const b = Buffer.from(P.FRAG);
      const n = b.length;
      ws.send(b.subarray(0, 2), { binary: false, fin: false });
      ws.send(b.subarray(2, n - 3), { binary: false, fin: false });
      ws.send(b.subarray(n - 3), { binary: false, fin: true });
      report.fragmented = 'fragmented';
      break;
    }
    case '/close-server':
      ws.close(4000, 'bye');
      break;
    case '/subprotocol':
      ws.send(ws.protocol);
      break;
  }
});

process.stdin.on('data', () => {});
process.stdin.on('end', () => process.exit(0));
