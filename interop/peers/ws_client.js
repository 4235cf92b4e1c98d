// ws_client.js runs the client side of the interop scenarios with the Node "ws" library
// against a Hayate server. Usage: node ws_client.js <ws-base-url> <scenario>...
// A scenario "deflate:<profile>:<config>" connects to <ws-base-url><profile> with
// permessage-deflate set up as DEFLATE_CONFIGS[config] says and echoes until closed.
// It prints one JSON report per scenario on stdout; interop tests in Go judge them.
'use strict';

const crypto = require('crypto');
const WebSocket = require('ws');
const P = require('./patterns.js');

const STEP_TIMEOUT = 10000;

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out: ' + what)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Peer queues the messages and the close of one connection so that scenarios can await
// them in order.
class Peer {
  constructor(ws) {
    this.ws = ws;
    this.queue = [];
    this.waiters = [];
    this.closeInfo = null;
    this.closeWaiters = [];
    ws.on('message', (data, isBinary) => {
      const m = { binary: isBinary, data: Buffer.from(data) };
      const w = this.waiters.shift();
      if (w) w.resolve(m);
      else this.queue.push(m);
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      for (const w of this.waiters.splice(0)) w.reject(new Error('closed ' + code));
      for (const r of this.closeWaiters.splice(0)) r(this.closeInfo);
    });
    ws.on('error', () => {});
  }

  next() {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    if (this.closeInfo) return Promise.reject(new Error('closed ' + this.closeInfo.code));
    const p = new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    return withTimeout(p, STEP_TIMEOUT, 'message');
  }

  closed() {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return withTimeout(new Promise((r) => this.closeWaiters.push(r)), STEP_TIMEOUT, 'close');
  }
}

function connect(url, protocols, options) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, { maxPayload: 64 << 20, ...options });
      ws.once('open', () => resolve(new Peer(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => reject(new Error('HTTP ' + res.statusCode)));
    }),
    STEP_TIMEOUT,
    'open',
  );
}

async function echo(base, path, msgs, options) {
  const p = await connect(base + path, [], options);
  const report = { echo: [], protocol: p.ws.protocol, extensions: p.ws.extensions };
  for (const m of msgs) {
    p.ws.send(m.data, { binary: m.binary });
    const r = await p.next();
    report.echo.push({
      type: m.binary ? 'binary' : 'text',
      size: m.data.length,
      match: r.binary === m.binary && Buffer.compare(r.data, m.data) === 0,
    });
  }
  p.ws.close(1000);
  await p.closed();
  return report;
}

function msg(binary, n) {
  return { binary, data: Buffer.from(P.patternBytes(binary, n)) };
}

// DEFLATE_CONFIGS are the permessage-deflate settings of the compression tests
// (scenario "deflate:<profile>:<config>"), as ws options.
const DEFLATE_CONFIGS = {
  default: {}, // ws's defaults: offers client_max_window_bits, compresses messages of 1 KiB or more
  'no-takeover': { serverNoContextTakeover: true, clientNoContextTakeover: true },
  window: { serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
};

function sha(b) {
  return crypto.createHash('sha256').update(b).digest('hex').slice(0, 16);
}

// deflateEcho connects to base+profile with compression configured by config and echoes
// every message until the server closes: a text message that starts with FRAGMENT_ECHO
// goes back in three frames, every other one whole.
async function deflateEcho(base, profile, config) {
  const opts = DEFLATE_CONFIGS[config];
  if (!opts) throw new Error('unknown deflate config ' + config);
  const p = await connect(base + profile, [], { perMessageDeflate: { ...opts } });
  const pmd = p.ws._extensions['permessage-deflate'];
  const report = { extensions: p.ws.extensions, params: pmd ? pmd.params : null, messages: [] };
  for (;;) {
    let m;
    try {
      m = await p.next();
    } catch (e) {
      if (p.closeInfo) break;
      throw e;
    }
    report.messages.push({ type: m.binary ? 'binary' : 'text', size: m.data.length, sha: sha(m.data) });
    if (!m.binary && m.data.subarray(0, P.FRAGMENT_ECHO.length).toString() === P.FRAGMENT_ECHO) {
      const parts = P.thirds(m.data.length);
      parts.forEach(([a, b], i) => p.ws.send(m.data.subarray(a, b), { binary: false, fin: i === parts.length - 1 }));
      report.fragEcho = 'fragmented';
    } else {
      p.ws.send(m.data, { binary: m.binary });
    }
  }
  const c = await p.closed();
  report.closeCode = c.code;
  report.closeReason = c.reason;
  return report;
}

const scenarios = {
  text: (base) =>
    echo(
      base,
      'text',
      [...P.ECHO_SIZES.map((n) => msg(false, n)), { binary: false, data: Buffer.from(P.REP) }],
      { perMessageDeflate: false },
    ),
  binary: (base) => echo(base, 'binary', P.ECHO_SIZES.map((n) => msg(true, n)), { perMessageDeflate: false }),
  large: (base) =>
    echo(base, 'large', [msg(false, P.LARGE_SIZE), msg(true, P.LARGE_SIZE)], { perMessageDeflate: false }),
  compression: async (base) =>
    echo(base, 'compression', [msg(false, 65536), { binary: false, data: Buffer.from(P.REP) }], {
      perMessageDeflate: true,
    }),

  async fragmented(base) {
    const p = await connect(base + 'fragmented', [], { perMessageDeflate: false });
    // Three frames; the cuts fall inside multi-byte UTF-8 sequences.
    const b = Buffer.from(P.FRAG);
    const n = b.length;
    p.ws.send(b.subarray(0, 2), { binary: false, fin: false });
    p.ws.send(b.subarray(2, n - 3), { binary: false, fin: false });
    p.ws.send(b.subarray(n - 3), { binary: false, fin: true });
    const r = await p.next();
    const report = {
      fragmented: 'fragmented',
      received: { type: r.binary ? 'binary' : 'text', size: r.data.length, kind: P.classify(r.binary, r.data) },
    };
    p.ws.close(1000);
    await p.closed();
    return report;
  },

  async ping(base) {
    const p = await connect(base + 'ping', [], { perMessageDeflate: false });
    const first = await p.next();
    const report = { hayatePing: first.data.toString() };
    const pong = new Promise((resolve) => p.ws.once('pong', (d) => resolve(d.toString())));
    p.ws.ping(Buffer.from('peer-ping'));
    try {
      const got = await withTimeout(pong, 5000, 'pong');
      report.peerPing = got === 'peer-ping' ? 'ok' : 'pong payload ' + JSON.stringify(got);
    } catch (e) {
      report.peerPing = 'fail: ' + e.message;
    }
    p.ws.send('peer-ping:' + report.peerPing);
    p.ws.close(1000);
    await p.closed();
    return report;
  },

  async 'close-hayate'(base) {
    const p = await connect(base + 'close-hayate', [], { perMessageDeflate: false });
    const c = await p.closed();
    return { closeCode: c.code, closeReason: c.reason };
  },

  async 'close-peer'(base) {
    const p = await connect(base + 'close-peer', [], { perMessageDeflate: false });
    p.ws.close(4001, 'ciao \u2713'); // a reason with a 3-byte UTF-8 sequence
    const c = await p.closed();
    return { closeCode: c.code, closeReason: c.reason };
  },

  async subprotocol(base) {
    const p = await connect(base + 'subprotocol', ['chat.v2', 'chat.v1'], { perMessageDeflate: false });
    const r = await p.next();
    const report = { protocol: p.ws.protocol, serverSaid: r.data.toString() };
    p.ws.close(1000);
    await p.closed();
    return report;
  },
};

async function main() {
  const [base, ...names] = process.argv.slice(2);
  for (const name of names) {
    let report;
    try {
      if (name.startsWith('deflate:')) {
        const [, profile, config] = name.split(':');
        report = await deflateEcho(base, profile, config);
      } else if (!scenarios[name]) throw new Error('unknown scenario');
      else report = await scenarios[name](base);
    } catch (e) {
      report = { error: String(e && e.stack ? e.stack : e) };
    }
    console.log(JSON.stringify({ scenario: name, ...report }));
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
