// page.js runs the client side of the interop scenarios in the browser against the Hayate
// server that served this page (same origin). The scenarios to run come from the page's
// query string (?s=text,binary,...). The reports go to window.__hayateResults and to the
// #result element, and window.__hayateDone becomes true at the end.
'use strict';

(function () {
  const P = globalThis.hayatePatterns;
  const STEP_TIMEOUT = 10000;
  const base = 'ws://' + location.host + '/ws/';

  function withTimeout(promise, ms, what) {
    let timer;
    return Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out: ' + what)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  // Peer queues the messages and the close of one WebSocket.
  class Peer {
    constructor(ws) {
      this.ws = ws;
      this.queue = [];
      this.waiters = [];
      this.closeInfo = null;
      this.closeWaiters = [];
      ws.binaryType = 'arraybuffer';
      ws.onmessage = (ev) => {
        const binary = typeof ev.data !== 'string';
        const m = { binary, data: binary ? new Uint8Array(ev.data) : ev.data };
        const w = this.waiters.shift();
        if (w) w.resolve(m);
        else this.queue.push(m);
      };
      ws.onclose = (ev) => {
        this.closeInfo = { code: ev.code, reason: ev.reason, clean: ev.wasClean };
        for (const w of this.waiters.splice(0)) w.reject(new Error('closed ' + ev.code));
        for (const r of this.closeWaiters.splice(0)) r(this.closeInfo);
      };
    }

    next() {
      if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
      if (this.closeInfo) return Promise.reject(new Error('closed ' + this.closeInfo.code));
      return withTimeout(new Promise((resolve, reject) => this.waiters.push({ resolve, reject })), STEP_TIMEOUT, 'message');
    }

    closed() {
      if (this.closeInfo) return Promise.resolve(this.closeInfo);
      return withTimeout(new Promise((r) => this.closeWaiters.push(r)), STEP_TIMEOUT, 'close');
    }
  }

  function connect(path, protocols) {
    return withTimeout(
      new Promise((resolve, reject) => {
        const ws = protocols ? new WebSocket(base + path, protocols) : new WebSocket(base + path);
        const p = new Peer(ws);
        ws.onopen = () => resolve(p);
        ws.onerror = () => reject(new Error('WebSocket error before open'));
      }),
      STEP_TIMEOUT,
      'open',
    );
  }

  function same(a, b) {
    if (a.binary !== b.binary) return false;
    return a.binary ? P.equalBytes(a.data, b.data) : a.data === b.data;
  }

  function size(m) {
    return m.binary ? m.data.length : new TextEncoder().encode(m.data).length;
  }

  async function echo(path, msgs) {
    const p = await connect(path);
    const report = { echo: [], protocol: p.ws.protocol, extensions: p.ws.extensions };
    for (const m of msgs) {
      p.ws.send(m.data);
      const r = await p.next();
      report.echo.push({ type: m.binary ? 'binary' : 'text', size: size(m), match: same(r, m) });
    }
    p.ws.close(1000);
    await p.closed();
    return report;
  }

  function msg(binary, n) {
    return binary ? { binary, data: P.patternBytes(true, n) } : { binary, data: P.patternText(n) };
  }

  async function sha(bytes) {
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return Array.from(d.slice(0, 8), (x) => x.toString(16).padStart(2, '0')).join('');
  }

  // deflateEcho connects to the compression test server's /deflate/<profile> and echoes
  // every message until the server closes. The browser always offers permessage-deflate
  // with client_max_window_bits, and a page cannot choose frames: every echo goes whole.
  async function deflateEcho(profile) {
    const ws = new WebSocket('ws://' + location.host + '/deflate/' + profile);
    const p = new Peer(ws);
    await withTimeout(
      new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('WebSocket error before open'));
      }),
      STEP_TIMEOUT,
      'open',
    );
    const report = { extensions: ws.extensions, messages: [], fragEcho: 'unsupported' };
    for (;;) {
      let m;
      try {
        m = await p.next();
      } catch (e) {
        if (p.closeInfo) break;
        throw e;
      }
      ws.send(m.data);
      const bytes = m.binary ? m.data : new TextEncoder().encode(m.data);
      report.messages.push({ type: m.binary ? 'binary' : 'text', size: bytes.length, sha: await sha(bytes) });
    }
    const c = await p.closed();
    return { ...report, closeCode: c.code, closeReason: c.reason, clean: c.clean };
  }

  const scenarios = {
    text: () => echo('text', [...P.ECHO_SIZES.map((n) => msg(false, n)), { binary: false, data: P.REP }]),
    binary: () => echo('binary', P.ECHO_SIZES.map((n) => msg(true, n))),
    large: () => echo('large', [msg(false, P.LARGE_SIZE), msg(true, P.LARGE_SIZE)]),
    // The browser always offers permessage-deflate.
    compression: () => echo('compression', [msg(false, 65536), { binary: false, data: P.REP }]),

    async fragmented() {
      const p = await connect('fragmented');
      p.ws.send(P.FRAG); // a page cannot choose frames: this goes as the browser likes
      const r = await p.next();
      const bytes = r.binary ? r.data : new TextEncoder().encode(r.data);
      const report = {
        fragmented: 'unsupported',
        received: { type: r.binary ? 'binary' : 'text', size: bytes.length, kind: P.classify(r.binary, bytes) },
      };
      p.ws.close(1000);
      await p.closed();
      return report;
    },

    async ping() {
      const p = await connect('ping');
      const first = await p.next();
      // A page cannot send pings; the browser answers Hayate's on its own.
      const report = { hayatePing: String(first.data), peerPing: 'unsupported' };
      p.ws.send('peer-ping:unsupported');
      p.ws.close(1000);
      await p.closed();
      return report;
    },

    async 'close-hayate'() {
      const p = await connect('close-hayate');
      const c = await p.closed();
      return { closeCode: c.code, closeReason: c.reason, clean: c.clean };
    },

    async 'close-peer'() {
      const p = await connect('close-peer');
      p.ws.close(4001, 'ciao \u2713'); // a reason with a 3-byte UTF-8 sequence
      const c = await p.closed();
      return { closeCode: c.code, closeReason: c.reason, clean: c.clean };
    },

    async subprotocol() {
      const p = await connect('subprotocol', ['chat.v2', 'chat.v1']);
      const r = await p.next();
      const report = { protocol: p.ws.protocol, serverSaid: String(r.data) };
      p.ws.close(1000);
      await p.closed();
      return report;
    },
  };

  async function run() {
    const names = (new URLSearchParams(location.search).get('s') || '').split(',').filter(Boolean);
    const results = [];
    for (const name of names) {
      let report;
      const t0 = performance.now();
      try {
        if (name.startsWith('deflate:')) report = await deflateEcho(name.split(':')[1]);
        else if (!scenarios[name]) throw new Error('unknown scenario');
        else report = await scenarios[name]();
      } catch (e) {
        report = { error: String(e && e.stack ? e.stack : e) };
      }
      results.push({ scenario: name, ...report, ms: Math.round(performance.now() - t0) });
    }
    window.__hayateResults = results;
    document.getElementById('result').textContent = JSON.stringify(results);
    document.getElementById('status').textContent = 'done';
    window.__hayateDone = true;
  }

  window.addEventListener('load', run);
})();
