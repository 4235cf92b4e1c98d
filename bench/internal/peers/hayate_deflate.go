//go:build hayatedeflate

package peers

import "github.com/hayate-ws/websocket"

// Built with the hayatedeflate tag, which the Makefile sets when Hayate's
// permessage-deflate option exists: both sides use the zero DeflateOptions,
// that is the library's defaults (context takeover in both directions, full
// windows).

const hayateDeflateNote = "DeflateOptions{} (library defaults: context takeover both ways)"

func hayateAcceptOptions(deflate bool) (*websocket.AcceptOptions, error) {
	o := &websocket.AcceptOptions{ReadLimit: ReadLimit}
	if deflate {
		o.Deflate = &websocket.DeflateOptions{}
	}
	return o, nil
}

func hayateDialOptions(deflate bool) (*websocket.DialOptions, error) {
	o := &websocket.DialOptions{ReadLimit: ReadLimit}
	if deflate {
		o.Deflate = &websocket.DeflateOptions{}
	}
	return o, nil
}
