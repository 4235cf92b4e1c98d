// Package deflate is the DEFLATE (RFC 1951) encoder and decoder of the
// permessage-deflate extension (RFC 7692): [Encoder] and [Decoder], with the
// per-connection history, [Window], that context takeover keeps between
// messages.
//
// compress/flate's writer does not fit the extension: it cannot limit its
// LZ77 window below 32 KiB, while a peer may negotiate
// server_max_window_bits or client_max_window_bits down to 8 and must then
// never see a longer distance; it is about 800 KiB of state with a costly
// Reset; and it cannot be given a new dictionary cheaply. This package splits
// the state of a connection's sending direction in two: a small [Window] of
// history per connection, which must live as long as the connection under
// context takeover, and a heavy [Encoder] that is needed only while a message
// is compressed and is pooled between connections.
//
// # Use
//
// For each message: take an Encoder from a pool, [Encoder.Reset] it with the
// destination, level, negotiated window bits and the connection's Window (nil
// without context takeover), [Encoder.Write] the payload in as many pieces as
// convenient, [Encoder.Finish], and put the Encoder back. Finish writes the
// last byte before it returns and appends the message to the Window.
//
// The output is what RFC 7692 §7.2.1 puts on the wire: every block is
// non-final, and the message ends with the empty stored block of a sync flush
// less its last four bytes 00 00 ff ff, so the caller strips nothing. An
// empty message is the single byte 0x00 (§7.2.3.6). Appending 00 00 ff ff
// gives a stream that compress/flate's NewReaderDict decodes with the history
// from before the message as dictionary.
//
// [Decoder] is the other direction: Reset it with the message's payload as it
// came in frames (it restores the removed tail itself), the peer's window bits
// and the connection's receiving Window, and Read the message. It allocates
// nothing after [NewDecoder], decodes only as far ahead as Read asks (so a
// size limit enforced through the read buffer stops a decompression bomb
// early), rejects a distance beyond the window, and appends the message to
// the Window when it ends. compress/flate's reader is used by the tests only:
// it allocates on every dynamic block and copies its dictionary on every
// Reset.
//
// # Window bits
//
// With window bits b, no match reaches back more than 1<<b bytes, counting
// the history, so that a decoder with a window of exactly 1<<b bytes
// decodes every message. The tests check each round trip with their own
// inflater, which rejects any farther distance.
//
// # Levels
//
// Matches are found through a hash of 4 bytes (so the shortest match is 4
// bytes, though DEFLATE allows 3) and grown backwards over the literals
// before them. Levels 1 to 3 are greedy with one probe per position: the
// match a position's hash finds, if any, is taken. After 32 literals in a row
// the search steps over more and more positions, at most 8 at a time, so that
// incompressible data costs little. Levels 4 to 9 follow hash chains for the
// longest match and match lazily: before a match is taken, the next position
// is searched too, and a longer match there wins.
//
// Under context takeover, each message starts with priming: the end of the
// history is copied into the Encoder and indexed. That cost is per message,
// so the levels differ mostly in how much history they index:
//
//	level  method                     history indexed              search
//	1      greedy                     last 8 KiB, every 16th pos.  1 probe
//	2      greedy                     last 8 KiB, every 8th pos.   1 probe
//	3      greedy (DefaultLevel)      32 KiB, every 4th pos.       1 probe
//	4      lazy, chains               16 KiB, every 4th pos.       4 candidates
//	5      lazy, chains               32 KiB, every 4th pos.       8 candidates
//	6      lazy, chains               32 KiB, every 2nd pos.       32 candidates
//	7      lazy, chains               32 KiB, every position       64 candidates
//	8      lazy, chains               32 KiB, every position       256 candidates
//	9      lazy, chains               32 KiB, every position       1024 candidates
//
// (Windows under 32 KiB cap the history indexed.) Positions are indexed
// sparsely because a match found a few bytes late is recovered by growing
// it backwards. On the test corpus of 2 KiB JSON messages with takeover
// and 15 window bits, the output is 0.238 of the input at level 1, 0.232 at
// level 2, 0.217 at level 3, 0.200 at level 4, 0.173 at level 6 and 0.163
// at level 9; compress/flate gives 0.288 at BestSpeed and 0.171 at
// DefaultCompression. In our measurements levels 1 and 2 take about half
// the time of compress/flate's BestSpeed on those messages, and level 4
// less than BestSpeed; from level 6 up, priming the chains with the
// history costs about as much as compress/flate's DefaultCompression with a
// persistent writer, or more. bench_test.go compares them.
//
// # Blocks
//
// A block ends when the Encoder's buffer is full (every 32 to 64 KiB of
// input), when 4096 matches and literal runs are pending, or at the end of
// the message. Each block is sized exactly, in bits, as a stored block, a
// block with the fixed Huffman code and one with its own (dynamic) code
// including the code's header, and goes out in whichever is smallest: short
// messages often take the fixed code, incompressible data is stored.
//
// Dynamic codes are optimal prefix codes with lengths limited to 15 bits (7
// for the code-length code): optimal code lengths come from the in-place
// method of Moffat and Katajainen, and when they are too long, which is rare,
// package-merge gives the optimal limited code instead.
//
// # Cost of decoding
//
// The CPU time the Decoder spends on a message is bounded by a small
// multiple of its compressed size plus one of its decompressed size, which
// the caller bounds through Read, whatever the input. Output costs a few
// nanoseconds a byte at most, much less in long matches; what else costs is
// the block header, and a message may be made of tens of thousands of tiny
// blocks. An empty fixed block is 10 bits and costs a few dispatches. A
// dynamic header makes the Decoder build three decoding tables, for the
// code-length code, the literal/length code and the distance code, whose
// root tables have as many bits as the longest code of each, up to 7, 10 and
// 8 bits, so that a header pays for the tables it gets: entries are written
// by doubling copies of the table, about one per entry, and an empty block
// whose only literal/length code is the end of block fills 2 entries of that
// table. Filling all 128 + 1024 + 256 root entries takes codes of every
// length up to the root bits (at least 8, 11 and 9 codes) spelled in a
// header of about 20 bytes; no header fills more than 128 + 1440 + 1056
// entries (longer codes fill subtables, and cost still more bits). In
// BenchmarkBlockCost (CPU time on a shared 2-core AMD EPYC), messages of
// such 20-byte headers (the costliest per byte found) take about 30 ns per
// byte of input, 6 times the 5 ns of ordinary JSON; 12-byte headers of four
// 2-bit codes, 18 ns (44 when every root table was filled whole); empty
// fixed blocks, 10 ns; compress/flate's output with a sync flush after every
// write of 1 or 16 bytes, under 4 ns. So the Decoder has no work budget and
// no error for costly input: a budget would only refuse input that costs
// little more than ordinary data, and risk refusing what honest encoders
// send (TestDecoderManyBlocks decodes the most block-heavy).
//
// # Memory
//
// A warm Encoder holds about 236 KiB at levels 1 to 3: a 64 KiB working
// buffer, a 128 KiB hash table (of which a short message touches only a small
// part, sized to it), 32 KiB of pending matches and the output buffer, which
// grows to the largest block written, and 10 KiB of Huffman scratch. The
// lazy levels add 64 KiB of hash chains. An Encoder does not allocate in
// steady state.
//
// A Window is 40 bytes plus its storage, which grows by doubling from 256
// bytes as history arrives and stops at 1<<b bytes: 8 KiB after three
// messages of 2 KiB, 32 KiB at most.
package deflate
