// Package broadcast holds benchmarks of one message fanned out to many
// connections, with the network replaced by memory.
//
// BenchmarkBroadcast: one op = one 1 KiB text message written to every one of
// 1,000 or 10,000 server-side connections, and seen whole by every peer. Each
// connection is a library's own server-side connection over an in-memory
// net.Conn (a sink) whose peer side reads nothing: it counts the bytes written
// and follows the frame headers, so it knows when each message's last frame
// has arrived; an op ends only when every connection's sink has received the
// message, so that libraries that write from goroutines of their own (Hayate's
// Send, gws's Broadcaster) are timed until their writes are done.
//
// Sub-benchmarks are named conns=N/comp=C/lib=L, for benchstat -col /lib:
//
//   - comp=off: no compression;
//   - comp=nctx: permessage-deflate without context takeover on the server
//     side, so a message can be compressed once for every connection;
//   - comp=ctx: permessage-deflate with server context takeover, so each
//     connection compresses against its own history (gorilla cannot; gws's
//     Broadcaster compresses once without a dictionary even then).
//
// Compression is at level 1 everywhere (gorilla's and gws's default). What was
// negotiated is checked on every connection from the handshake response, and
// after each run that every message went out compressed (or not) as the mode
// says; a benchmark that finds otherwise fails.
//
// Libraries are run one after another within each connection count and mode,
// in an order rotated by the BENCH_ROTATE environment variable. Besides ns/op,
// B/op and allocs/op, each benchmark reports ns/conn (wall time per message
// and connection), cpu-ns/conn (the process's user+system CPU time per message
// and connection, which counts the work of every goroutine and of the garbage
// collector) and wire-B/msg (bytes written per message and connection).
package broadcast
