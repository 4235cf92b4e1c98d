// Package frame holds benchmarks of one message's trip through each library's
// frame layer with the network replaced by memory (package memconn).
//
// BenchmarkFrameRead: a server-side connection reads one binary message of the
// given size, sent by a client as a single masked frame, into a buffer the
// application owns (or, for gws, hands it to the OnMessage callback in its own
// pooled buffer, which the callback releases). The connection is served an
// endless run of identical pre-encoded frames with data always ready.
//
// BenchmarkFrameWrite: a server-side connection sends one binary message of
// the given size as a single unmasked frame to a connection that drops what
// it is given.
//
// Each library is driven through its fastest documented path; see README.md of
// the bench module for the exact calls. Libraries are run one after another
// within each size, in an order rotated by the BENCH_ROTATE environment
// variable, so that several invocations interleave them.
package frame
