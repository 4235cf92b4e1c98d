package deflate

// Window is the sliding history of one direction of a connection under context
// takeover (RFC 7692 §7.2.3): the last bytes of uncompressed data, at most a
// limit given with each write. The zero value is empty and ready to use.
//
// Storage is a ring that grows on demand, from 256 bytes in steps of a
// quarter or more, rounded to 512 bytes, and never past the limit, so a
// connection that has sent little holds little. Once the storage has reached
// the limit, Write does not allocate.
//
// A Window is not safe for concurrent use. While an [Encoder] compresses a
// message with a Window as its history (from [Encoder.Reset] to
// [Encoder.Finish]), the Window must not be used otherwise.
type Window struct {
	ring []byte // storage; its length is the ring's capacity
	head int    // index in ring of the oldest byte
	n    int    // bytes held, at most len(ring)
}

// minWindowStorage is the first storage size of a Window, the smallest limit
// that RFC 7692 allows (8 window bits).
const minWindowStorage = 256

// windowGrain is the step of a Window's storage size above minWindowStorage.
const windowGrain = 512

// Write appends p to the history and keeps only its last limit bytes. limit is
// the window size 1<<bits for the negotiated window bits, 256 to 32768; a
// limit smaller than an earlier one drops the older bytes.
func (w *Window) Write(p []byte, limit int) {
	if limit <= 0 {
		w.Reset()
		return
	}
	if w.n > limit {
		w.drop(w.n - limit)
	}
	if len(p) >= limit {
		// The new bytes replace everything.
		p = p[len(p)-limit:]
		w.grow(limit, limit, false)
		copy(w.ring, p)
		w.head, w.n = 0, limit
		return
	}
	need := w.n + len(p)
	if need > len(w.ring) && len(w.ring) < limit {
		w.grow(need, limit, true)
	}
	// Now len(w.ring) >= min(need, limit): anything the copy overwrites lies
	// among the oldest need-limit bytes, which are dropped below.
	size := len(w.ring)
	at := w.head + w.n
	if at >= size {
		at -= size
	}
	k := copy(w.ring[at:], p)
	copy(w.ring, p[k:])
	if need <= size {
		w.n = need
	} else {
		// The ring is full and wrapped onto its own oldest bytes.
		w.head = (w.head + need - size) % size
		w.n = size
	}
	if w.n > limit {
		w.drop(w.n - limit)
	}
}

// drop forgets the k oldest bytes.
func (w *Window) drop(k int) {
	w.head += k
	if w.head >= len(w.ring) {
		w.head -= len(w.ring)
	}
	w.n -= k
}

// grow gives the ring at least min(need, limit) bytes of storage, and never
// more than limit unless it already had more. It grows by a quarter at least,
// which keeps copying linear, but otherwise only to need rounded up to
// windowGrain: a history is kept for as long as its connection lives, so
// doubling's spare half would be memory held idle by every connection. keep
// tells whether the held bytes must survive; they are then laid out from
// index 0.
func (w *Window) grow(need, limit int, keep bool) {
	size := max(need, len(w.ring)+len(w.ring)/4, minWindowStorage)
	if size > minWindowStorage {
		size = (size + windowGrain - 1) &^ (windowGrain - 1)
	}
	size = min(size, max(limit, len(w.ring)))
	if size <= len(w.ring) {
		return
	}
	ring := make([]byte, size)
	if keep {
		a, b := w.segments(w.n)
		copy(ring[copy(ring, a):], b)
	} else {
		w.n = 0
	}
	w.ring, w.head = ring, 0
}

// segments returns the last k bytes of the history (k <= w.n) as two pieces,
// older first; the second is empty unless the ring wraps.
func (w *Window) segments(k int) (a, b []byte) {
	start := w.head + w.n - k
	size := len(w.ring)
	if start >= size {
		start -= size
	}
	if start+k <= size {
		return w.ring[start : start+k], nil
	}
	return w.ring[start:], w.ring[:start+k-size]
}

// Bytes returns the history, oldest byte first, as one slice that aliases the
// Window's storage and is valid until the next call of a method that changes
// it. If the ring wraps, Bytes first rotates it in place, which moves every
// byte once or twice and allocates nothing.
func (w *Window) Bytes() []byte {
	if w.head+w.n > len(w.ring) {
		rotateLeft(w.ring, w.head)
		w.head = 0
	}
	return w.ring[w.head : w.head+w.n]
}

// Len returns the number of bytes of history held.
func (w *Window) Len() int { return w.n }

// Reset forgets the history and releases its storage.
func (w *Window) Reset() {
	*w = Window{}
}

// rotateLeft rotates b left by k bytes in place: b[k:] moves to the front.
//
// While one side is short it goes through a small buffer on the stack with
// three copies; otherwise the shorter side is swapped with the far end of
// the longer side, which puts it in its final place and leaves a smaller
// rotation of the same kind. Every swap moves at least len(tmp) bytes into
// their final place, so the total work is a few passes over b.
func rotateLeft(b []byte, k int) {
	var tmp [512]byte
	for k > 0 && k < len(b) {
		r := len(b) - k
		switch {
		case k <= len(tmp):
			copy(tmp[:], b[:k])
			copy(b, b[k:])
			copy(b[r:], tmp[:k])
			return
		case r <= len(tmp):
			copy(tmp[:], b[k:])
			copy(b[r:], b[:k])
			copy(b, tmp[:r])
			return
		case k <= r:
			// b = A B1 B2 with |A| = |B2| = k becomes B2 B1 A; B2 B1 is
			// then rotated left by k.
			swapBlocks(b[:k], b[r:], &tmp)
			b = b[:r]
		default:
			// b = A1 A2 B with |A1| = |B| = r becomes B A2 A1; A2 A1 is
			// then rotated left by k-r.
			swapBlocks(b[:r], b[k:], &tmp)
			b = b[r:]
			k -= r
		}
	}
}

// swapBlocks exchanges the contents of x and y, which have the same length
// and do not overlap.
func swapBlocks(x, y []byte, tmp *[512]byte) {
	for len(x) > 0 {
		n := copy(tmp[:], x)
		copy(x, y[:n])
		copy(y, tmp[:n])
		x, y = x[n:], y[n:]
	}
}
