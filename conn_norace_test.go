//go:build !race

package websocket

// raceEnabled reports whether the race detector is on.
const raceEnabled = false
