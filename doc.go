// Package websocket implements the WebSocket protocol of RFC 6455, for servers and
// clients.
//
// It is a protocol library: it turns an HTTP request, or any net.Conn, into a [Conn] that
// sends and receives messages, with what a service needs to run it (keepalive, bounded
// fan-out, graceful shutdown, counters), and leaves routing and sessions to the
// application. Besides the standard library, it depends only on golang.org/x modules.
//
// # Quick start
//
// A server upgrades requests in an ordinary net/http handler with [Accept]:
//
//	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
//		c, err := websocket.Accept(w, r, nil)
//		if err != nil {
//			return // Accept has answered the request with an HTTP error
//		}
//		defer c.CloseNow()
//		ctx := context.Background()
//		for {
//			typ, msg, err := c.Read(ctx)
//			if err != nil {
//				return // the peer closed, or the connection failed
//			}
//			if err := c.Write(ctx, typ, msg); err != nil {
//				return
//			}
//		}
//	})
//
// A client connects with [Dial]:
//
//	c, _, err := websocket.Dial(ctx, "ws://127.0.0.1:8080/ws", nil)
//	if err != nil {
//		return err
//	}
//	defer c.CloseNow()
//	if err := c.Write(ctx, websocket.MessageText, []byte("hello")); err != nil {
//		return err
//	}
//	_, reply, err := c.Read(ctx)
//	if err != nil {
//		return err
//	}
//	fmt.Printf("%s\n", reply)
//	return c.Close(websocket.StatusNormalClosure, "")
//
// Both take a nil options pointer for the defaults, and neither modifies the options it is
// given. Once the handshake is done, the two ends are the same type, [Conn], and behave
// alike except for masking (a client masks what it sends, RFC 6455 §5.3) and for who
// closes the TCP connection first.
//
// The program in examples/echo of this module is a complete echo server, with a page to
// try it from a browser, and a command-line client.
//
// # Messages
//
// A message is text ([MessageText]) or binary ([MessageBinary]); ping, pong and close
// frames are handled by the Conn and never returned as messages. There are two ways to
// move one:
//
//   - [Conn.Read] and [Conn.Write] take a message whole, as a byte slice. They are the
//     simplest, and right for messages of a known, modest size. Write sends the message
//     in a single frame.
//   - [Conn.Reader] and [Conn.Writer] stream it. The reader returns the payload as the
//     frames arrive and io.EOF at the end of the message; the writer sends frames of up to
//     about 16 KiB as it fills and the last one when it is closed. Neither holds the whole
//     message in memory, so a proxy or a file transfer can move large messages through
//     a fixed buffer. While a Writer is open, other data messages on the Conn wait for it
//     to be closed.
//
// Text messages must be valid UTF-8 (RFC 6455 §5.6). What an application sends as text
// is its responsibility. What the Conn receives as text is checked as it arrives, across
// frame boundaries: invalid UTF-8 fails the connection with
// [StatusInvalidFramePayloadData] (1007) as soon as it is seen, and the invalid bytes
// are not returned to the reader. A streamed text message may therefore have delivered a
// valid beginning before its read fails. Binary messages are not inspected.
//
// # Concurrency
//
// Every method of [Conn] is safe for concurrent use, except that [Conn.Read] and
// [Conn.Reader] (with the message reader it returns) must be used by one goroutine at a
// time.
//
// In practice: have one goroutine that reads, and write from wherever is convenient. Writes
// are serialised inside the Conn, so messages from different goroutines never interleave,
// and ping, pong and close frames go out between the frames of a message being streamed.
//
// The application must keep reading. Pings are answered, pongs matched to [Conn.Ping] and
// the peer's close frame handled only while a read is under way; a Conn that nobody reads
// stops responding to its peer. A connection the application only writes to should call
// [Conn.CloseRead], which reads and discards in the background.
//
// # Contexts
//
// Every call that may block takes a context.Context. A context that can never end, such
// as context.Background(), costs nothing: the Conn does no extra work and allocates
// nothing for it. A context that can end is watched while the call runs, and its end
// interrupts the blocked I/O through the connection's deadlines.
//
// What a cancelled call leaves behind depends on where it stopped, because the peer must
// never see a frame cut short:
//
//   - A read cancelled while waiting for the next frame returns ctx.Err(), and the
//     connection stays usable. If a message had already begun, a later read continues
//     it, and the next [Conn.Reader] skips what is left of it.
//   - A read cancelled in the middle of a frame closes the connection: the stream can no
//     longer be followed. Calls after it return errors wrapping net.ErrClosed.
//   - [Conn.Write] cancelled before the message starts to go out (while it waits for
//     another writer, say) returns an error wrapping ctx.Err(), and the connection stays
//     usable. Cancelled while its frame is being written, it closes the connection.
//   - The context given to [Conn.Writer] governs the whole message until the writer is
//     closed. If it ends while a frame is being written, the connection is closed.
//   - [Conn.Ping] cancelled while waiting for its pong returns an error wrapping ctx.Err();
//     the connection is unaffected.
//
// For [Dial] and [Client] the context bounds the opening handshake only; once they return,
// it no longer affects the connection. After [Accept], the request's context no longer
// follows the connection either.
//
// # Limits
//
// A Conn accepts messages of up to 1 MiB (1,048,576 bytes) by default. Change the limit
// with AcceptOptions.ReadLimit or DialOptions.ReadLimit, or later with [Conn.SetReadLimit],
// which applies from the next message on; a negative limit removes it. The limit counts
// the declared lengths of a message's frames, so a message that would exceed it is refused
// before its payload is read: the read returns an error wrapping [ErrMessageTooBig] and the
// connection is closed with [StatusMessageTooBig] (1009). The declared lengths are
// compared with the room left under the limit, never summed first, so no length a peer can
// write (up to 2^63-1 per frame) wraps past it. For a compressed message the limit applies
// to the decompressed size, and decompression stops one byte past it. No buffer is ever
// sized by a length the peer declares; [Conn.Read] grows its slice as the payload arrives.
//
// Each frame costs a header's worth of work however little it carries, so the limit also
// bounds how finely a message may be cut: into at most one data frame per 64 bytes of the
// limit, and never fewer than 1,024 frames (16,384 frames under the 1 MiB default; a
// negative limit removes this bound too). A message cut finer fails with 1009 and
// [ErrMessageTooBig]. More than 32 empty data frames in a row within a message, which
// would let a message go on forever without coming nearer the limit, fail the connection
// with [StatusPolicyViolation] (1008) whatever the limit. Control frames between fragments
// count towards neither bound, and a peer's pings are answered with at most 16 pongs
// owed at a time.
//
// After a protocol violation or a limit, the Conn sends its close frame and reads on only
// to let that frame reach the peer (closing with data unread would reset the connection,
// and the peer might never see the close frame): it discards at most 256 KiB, for at
// most about 5 seconds, before it closes the TCP connection. Over the read limit, the
// rest of the frame the peer declared, up to 16 MiB or the read limit if that is larger,
// comes on top of the 256 KiB: the peer may be writing that message still.
//
// The opening handshake is bounded too. [Server] reads at most 32 KiB of request header
// within 10 seconds; [Accept] applies the same 32 KiB to the request net/http has parsed,
// and leaves the time to the http.Server (set its ReadHeaderTimeout). Both refuse a
// request of more than 128 header fields or 32 KiB with 431, and with 400 a request that
// has a body (a Content-Length other than 0, or any Transfer-Encoding: RFC 9112 §6), more
// than 64 offered subprotocols or, with compression on, more than 32 extension offers or
// 16 parameters in one. [Dial] reads at most 32 KiB and 128 fields of response header
// and gives up after 30 seconds. Sec-WebSocket-Extensions and Sec-WebSocket-Protocol are
// read once, in place, without building lists, so a long header costs time in
// proportion to its length and no memory beyond a few hundred bytes.
//
// # Closing
//
// [Conn.Close] performs the closing handshake of RFC 6455 §7: it sends a close frame with
// a status code and a reason, waits for the peer's close frame and closes the connection.
// The server closes the TCP connection first, and the client waits for it to do so
// (§7.1.1). The whole handshake is bounded, by about 5 seconds, after which the
// connection is closed regardless, so Close never hangs on an unresponsive peer. If a
// goroutine is blocked reading when Close is called, that goroutine may receive the
// peer's close frame, or return a message that arrived before it; once no read is in
// progress, Close itself reads and discards whatever arrives before the peer's close
// frame, so the handshake completes whether or not the application reads on.
//
// [Conn.CloseNow] closes the connection at once, without a close frame: use it when the
// peer is not worth waiting for, and in a defer as a backstop (after Close it does
// nothing but return an error).
//
// When the peer closes, reads and writes return an error that wraps a [CloseError], the
// peer's code and reason. [CloseStatus] extracts the code, and returns -1 for errors that
// do not carry one:
//
//	_, _, err := c.Read(ctx)
//	switch websocket.CloseStatus(err) {
//	case websocket.StatusNormalClosure, websocket.StatusGoingAway:
//		// an orderly end
//	case -1:
//		// not a close frame: a network error, a timeout, a local close
//	}
//
// Once the connection is closed, for whatever reason, every call returns an error that
// wraps net.ErrClosed, so errors.Is(err, net.ErrClosed) tells a finished connection from
// a failed call. Close refuses codes that may not be sent (1005, 1006, 1015 and the
// unassigned ranges; see [StatusCode]) and reasons longer than 123 bytes or not UTF-8.
// A close frame received with such a code is answered with [StatusProtocolError].
//
// # Backpressure and broadcast
//
// [Conn.Write] blocks while the connection's socket is full, that is while the peer reads
// more slowly than the application writes, until its context ends: for one connection,
// that is the backpressure wanted. A server that sends the same message to many
// connections must not let one slow peer hold up the rest, so it uses [Conn.Send]
// instead, which queues the message and returns at once. A goroutine per connection
// writes the queue out, and exists only while the queue is not empty: an idle connection
// keeps none.
//
// The queue is bounded, by [AcceptOptions].SendQueueLimit (1 MiB by default). A peer
// that falls that far behind is cast off: Send returns an error wrapping
// [ErrSendQueueFull], the waiting messages are dropped, and the connection is closed
// with [StatusTryAgainLater] (1013), the code for a server shedding clients, so that
// the peer knows to reconnect later and resynchronise. It never grows without limit,
// and never slows the other connections.
//
// A [PreparedMessage] is encoded once for all of them: its frame is built once, and,
// where permessage-deflate was negotiated without context takeover on the sending
// side, it is compressed once per compression level and window size. Under context
// takeover every connection has its own compression history, so it compresses the
// message itself; a server that broadcasts a lot may prefer
// [DeflateOptions].ServerNoContextTakeover, which also leaves an idle connection
// without a history to keep.
//
//	pm, err := websocket.NewPreparedMessage(websocket.MessageText, update)
//	if err != nil {
//		return err
//	}
//	for _, c := range subscribers {
//		if err := c.Send(pm); err != nil {
//			remove(c) // closed, or being closed for falling behind
//		}
//	}
//
// [Conn.WritePrepared] writes a prepared message as Write would, blocking.
//
// # Graceful shutdown
//
// net/http does not see a connection once it has been upgraded, so http.Server's
// Shutdown does not close WebSocket connections. A [Tracker] does: track each
// connection as it is accepted, from [AcceptOptions].OnAccept, and call
// [Tracker.Shutdown] when the server stops, from http.Server.RegisterOnShutdown or after
// Shutdown returns. Every tracked connection is closed with [StatusGoingAway] (1001),
// its queued sends going out first; Shutdown waits for the close handshakes until its
// context ends, and then closes the connections that are left. Connections leave the
// Tracker by themselves as they end, and the Tracker costs no goroutine while the
// server runs.
//
// # Origin checks
//
// Browsers let any page open a WebSocket to any host, and send the user's cookies with
// it. Unless told otherwise, [Accept] and [Server] therefore accept a request that carries
// an Origin header only if the origin's host is the request's own Host: same-origin. A
// request without an Origin header does not come from a browser page and is accepted.
// A refused request is answered with 403 Forbidden.
//
// To let pages served from elsewhere connect, list their hosts in
// AcceptOptions.OriginPatterns, such as "app.example.com" or "*.example.com" (path.Match
// syntax, matched against the origin's host and port).
//
// AcceptOptions.InsecureSkipOriginCheck turns the check off. It is dangerous for any
// endpoint that relies on cookies or other ambient credentials: a page on any site the
// user visits could open a connection that is authenticated as the user and read the
// replies (cross-site WebSocket hijacking). Prefer OriginPatterns, and use
// InsecureSkipOriginCheck only for endpoints that authenticate each connection by other
// means, or that serve public data.
//
// # Handshakes without net/http
//
// [Server] and [Client] run the opening handshake over any net.Conn: a connection from a
// custom listener, a TLS connection set up by the caller, a Unix socket, or one end of
// net.Pipe in a test. Server reads and checks the request itself, under its own size and
// time limits, and returns it so the caller can look at the path and headers; Client
// sends the request for a given URL over a connection the caller has dialled. If the peer
// sent frames right behind its handshake, they are kept for the Conn.
//
// # Compression
//
// Compression is off unless asked for. Set [AcceptOptions].Deflate or
// [DialOptions].Deflate to a [DeflateOptions] to negotiate permessage-deflate (RFC 7692);
// a server accepts the first acceptable offer, a client offers it and goes ahead
// uncompressed if the server declines. Nothing else changes for the application:
// messages are compressed and decompressed as they are written and read, streamed in
// frames both ways, never buffered whole.
//
//	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Deflate: &websocket.DeflateOptions{}})
//
// Messages shorter than [DeflateOptions].Threshold (128 bytes by default) go out as
// they are, and a message written with [Conn.WriteUncompressed] is never compressed,
// which suits payloads that are compressed already:
//
//	err := c.WriteUncompressed(ctx, websocket.MessageBinary, jpeg)
//
// The read limit applies to the decompressed size: a small frame that would inflate past
// it fails the connection with [StatusMessageTooBig] as soon as the limit is passed.
// Compressed data that does not decode fails it with [StatusInvalidFramePayloadData].
//
// Memory. The working state of the compressor and decompressor (hash tables, Huffman
// tables, buffers: a few hundred KiB) is pooled and held by a connection only while it
// reads or writes a compressed message. With context takeover, the default, each
// message is compressed against the ones before it, which compresses small similar
// messages several times better; the price is that a connection keeps, for each
// direction, the last bytes it sent or received, up to the window (2^bits bytes: 32 KiB
// at the default 15 bits). That history grows with the data, so a connection that sends
// little keeps little. ServerMaxWindowBits and ClientMaxWindowBits shrink the windows
// (and the memory) at some cost in ratio; the no-context-takeover options drop the
// histories altogether, so an idle connection keeps nothing for compression.
//
// # RFC references
//
// RFC 6455, The WebSocket Protocol, is implemented as follows:
//
//   - §4: the opening handshake ([Accept], [Server], [Dial], [Client]), with origin
//     checks (§4.2.2, §10.2) and subprotocol selection (§1.9, §4.2.2).
//   - §5.2: the framing; §5.3: client-to-server masking with keys from a
//     cryptographically strong source; §5.4: fragmentation; §5.5: control frames of at
//     most 125 bytes, never fragmented, which may arrive between the frames of a message.
//   - §5.6 and §8.1: UTF-8 text, checked on receipt.
//   - §5.5.1, §7 and §7.4: the closing handshake and status codes ([StatusCode],
//     [CloseError]); §7.1.7: failing the connection on a protocol violation.
//   - §10.4: limits on message size.
//
// RFC 7692, Compression Extensions for WebSocket, is implemented for permessage-deflate
// with all four parameters (§7.1), context takeover in either direction, window sizes
// of 8 to 15 bits honoured by Hayate's own compressor (internal/deflate), and the data
// path of §7.2 (RSV1 on a message's first frame, the sync-flush tail removed and
// restored).
package websocket
