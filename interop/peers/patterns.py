"""Payloads shared by the Python peers; they must match patterns.js and patterns_test.go."""

import hashlib

REP = "h\u00e9llo w\u00f6rld \u2713 \U0001F680 "  # 23 bytes of UTF-8
FRAG = REP * 1000  # what a peer sends fragmented
FRAG3 = FRAG * 3  # what Hayate sends fragmented back

ECHO_SIZES = [0, 16, 125, 126, 65535, 65536]
# A text message that starts with FRAGMENT_ECHO is echoed in three frames by the peers of
# the compression tests.
FRAGMENT_ECHO = "fragment-echo:"
LARGE_SIZE = (1 << 20) + 1


def pattern_bytes(binary, n):
    """The n-byte payload of a text (ASCII a-z) or binary message."""
    if binary:
        return bytes((i * 7 + n) & 0xFF for i in range(n))
    return bytes(97 + (i * 7 + n) % 26 for i in range(n))


def pattern_text(n):
    return pattern_bytes(False, n).decode("ascii")


def classify(binary, data):
    """Name a received message: pattern, rep, F, F3 or other. data is bytes."""
    if data == pattern_bytes(binary, len(data)):
        return "pattern"
    if not binary:
        try:
            s = data.decode("utf-8")
        except UnicodeDecodeError:
            return "other"
        if s == REP:
            return "rep"
        if s == FRAG:
            return "F"
        if s == FRAG3:
            return "F3"
    return "other"


def thirds(n):
    """Cut n items in three parts of about equal size: (start, end) pairs."""
    a, b = n // 3, (2 * n) // 3
    return [(0, a), (a, b), (b, n)]


def sha(data):
    """The first 16 hex digits of the SHA-256 of data (bytes), as the reports carry it."""
    return hashlib.sha256(data).hexdigest()[:16]
