// Payloads shared by the JavaScript peers (Node and the browser page). They must match
// patterns_test.go and patterns.py byte for byte: every side builds the messages it sends
// and classifies the messages it receives with the same rules.
(function (root) {
  'use strict';

  // REP is a short text with 2-, 3- and 4-byte UTF-8 sequences (23 bytes).
  const REP = 'h\u00e9llo w\u00f6rld \u2713 \u{1F680} ';
  // FRAG is the text a peer sends fragmented (23000 bytes); FRAG3 is what Hayate sends
  // fragmented back.
  const FRAG = REP.repeat(1000);
  const FRAG3 = FRAG.repeat(3);

  const ECHO_SIZES = [0, 16, 125, 126, 65535, 65536];
  // A text message that starts with FRAGMENT_ECHO is echoed in three frames by the peers
  // of the compression tests (those that can choose frames).
  const FRAGMENT_ECHO = 'fragment-echo:';
  const LARGE_SIZE = (1 << 20) + 1;

  // patternBytes returns the n-byte payload of a text (ASCII a-z) or binary message.
  function patternBytes(binary, n) {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      b[i] = binary ? (i * 7 + n) & 0xff : 97 + ((i * 7 + n) % 26);
    }
    return b;
  }

  function patternText(n) {
    return new TextDecoder().decode(patternBytes(false, n));
  }

  function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // classify names what a received message is: "pattern", "rep", "F", "F3" or "other".
  function classify(binary, bytes) {
    if (equalBytes(bytes, patternBytes(binary, bytes.length))) return 'pattern';
    if (!binary) {
      const s = new TextDecoder().decode(bytes);
      if (s === REP) return 'rep';
      if (s === FRAG) return 'F';
      if (s === FRAG3) return 'F3';
    }
    return 'other';
  }

  // thirds cuts n bytes in three parts of about equal size: [start, end) pairs.
  function thirds(n) {
    const a = Math.floor(n / 3);
    const b = Math.floor((2 * n) / 3);
    return [
      [0, a],
      [a, b],
      [b, n],
    ];
  }

  const api = {
    REP,
    FRAG,
    FRAG3,
    ECHO_SIZES,
    LARGE_SIZE,
    FRAGMENT_ECHO,
    patternBytes,
    patternText,
    equalBytes,
    classify,
    thirds,
  };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.hayatePatterns = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
