//go:build !race

package deflate

// raceEnabled reports whether the race detector is on; the heaviest tests
// run a smaller matrix then.
const raceEnabled = false
