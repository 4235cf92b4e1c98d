//go:build purego || !amd64

package websocket

// mask XORs b in place with the masking key and returns the key for the byte
// after b; see the contract in mask.go.
func mask(key uint32, b []byte) uint32 {
	return maskGeneric(key, b)
}
