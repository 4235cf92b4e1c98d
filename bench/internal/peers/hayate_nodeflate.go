//go:build !hayatedeflate

package peers

import "github.com/hayate-ws/websocket"

// This build has no compression for Hayate: the library's permessage-deflate
// (DeflateOptions) had not landed when it was made. The Makefile adds the
// hayatedeflate tag once server.go declares the option.

const hayateDeflateNote = "not available: permessage-deflate not in this Hayate build"

func hayateAcceptOptions(deflate bool) (*websocket.AcceptOptions, error) {
	if deflate {
		return nil, ErrNotAvailable
	}
	return &websocket.AcceptOptions{ReadLimit: ReadLimit}, nil
}

func hayateDialOptions(deflate bool) (*websocket.DialOptions, error) {
	if deflate {
		return nil, ErrNotAvailable
	}
	return &websocket.DialOptions{ReadLimit: ReadLimit}, nil
}
