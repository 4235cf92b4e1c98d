// ws_server.js runs the server side of the interop scenarios with the Node "ws" library,
// for a Hayate client, and echoes with permessage-deflate on /deflate/<config>/<profile>
// for the compression tests. Usage: node ws_server.js
// It listens on 127.0.0.1 on a free port and prints "LISTEN <port>", then one JSON report
// per connection when it ends. It exits when its standard input closes.
'use strict';

const crypto = require('crypto');
const http = require('http');
const { WebSocketServer } = require('ws');
const P = require('./patterns.js');

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: true, // enabled: a client that does not offer it must still work
  maxPayload: 64 << 20,
  // Server preference, as Hayate does.
  handleProtocols: (offered) => ['chat.v1', 'chat.v2'].find((p) => offered.has(p)) || false,
});

// The compression tests connect to /deflate/<config>/<profile>: a server per config,
// with permessage-deflate set up as ws options.
const DEFLATE_CONFIGS = {
  default: {}, // ws's defaults: compresses messages of 1 KiB or more
  'no-takeover': { serverNoContextTakeover: true, clientNoContextTakeover: true },
  window: { serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
};
const deflateServers = {};
for (const [name, opts] of Object.entries(DEFLATE_CONFIGS)) {
  deflateServers[name] = new WebSocketServer({ noServer: true, perMessageDeflate: { ...opts }, maxPayload: 64 << 20 });
  deflateServers[name].on('connection', deflateConnection);
}

const server = http.createServer((req, res) => {
  res.writeHead(426);
  res.end();
});
server.on('upgrade', (req, socket, head) => {
  const m = /^\/deflate\/([^/]+)\//.exec(req.url);
  const target = m ? deflateServers[m[1]] : wss;
  if (!target) {
    socket.destroy();
    return;
  }
  target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, req));
});
server.listen(0, '127.0.0.1', () => console.log('LISTEN ' + server.address().port));

function sha(b) {
  return crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);
}

// deflateConnection echoes every message until the client closes: a text message that
// starts with FRAGMENT_ECHO goes back in three frames, every other one whole.
function deflateConnection(ws, req) {
  const pmd = ws._extensions['permessage-deflate'];
  const report = { path: req.url, extensions: ws.extensions, params: pmd ? pmd.params : null, received: [] };
  ws.on('error', (e) => {
    report.error = String(e);
  });
  ws.on('message', (data, isBinary) => {
    const b = Buffer.from(data);
    report.received.push({ type: isBinary ? 'binary' : 'text', size: b.length, sha: sha(b) });
    if (!isBinary && b.subarray(0, P.FRAGMENT_ECHO.length).toString() === P.FRAGMENT_ECHO) {
      const parts = P.thirds(b.length);
      parts.forEach(([x, y], i) => ws.send(b.subarray(x, y), { binary: false, fin: i === parts.length - 1 }));
      report.fragmented = 'fragmented';
    } else {
      ws.send(b, { binary: isBinary });
    }
  });
  ws.on('close', (code, reason) => {
    report.closeCode = code;
    report.closeReason = reason.toString();
    console.log(JSON.stringify(report));
  });
}

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
