// Package interop holds Hayate's interoperability tests: Hayate's server and client
// against WebSocket implementations nobody here wrote (Chromium, Node's ws, Python's
// websockets, gorilla/websocket, coder/websocket) and behind nginx. The peers run as
// separate processes; everything is driven by go test. The TestDeflate* tests do the same
// with permessage-deflate on. See README.md.
package interop
