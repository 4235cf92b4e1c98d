package main

import (
	"bytes"
	"compress/flate"
	"testing"
)

func TestPMDRoundTrip(t *testing.T) {
	msgs := [][]byte{
		[]byte("Hello, Hello, Hello, Hello!"),
		{},
		bytes.Repeat([]byte("context takeover pays off "), 200),
		binPattern(70000),
		[]byte("Hello, Hello, Hello, Hello!"),
	}
	for _, tc := range []struct {
		name     string
		takeover bool
		window   int
	}{{"takeover", true, 0}, {"no takeover", false, 0}, {"window 9", true, 9}, {"window 9 no takeover", false, 9}} {
		t.Run(tc.name, func(t *testing.T) {
			tx, rx := newPMDState(tc.takeover, tc.window, true, 0), newPMDState(true, 0, tc.takeover, tc.window)
			for i, m := range msgs {
				wire := tx.compress(m)
				got, err := rx.decompress(wire, 1<<20)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if !bytes.Equal(got, m) {
					t.Fatalf("message %d: round trip changed %d octets into %d", i, len(m), len(got))
				}
			}
		})
	}
}

func TestPMDDecompressLimit(t *testing.T) {
	wire := newPMDState(false, 0, true, 0).compress(bytes.Repeat([]byte{'a'}, 100000))
	for _, window := range []int{0, 9} {
		if _, err := newPMDState(true, 0, true, window).decompress(wire, 1000); err == nil {
			t.Errorf("window %d: inflating past the limit succeeded", window)
		}
	}
}

func TestAcceptResponse(t *testing.T) {
	def := []pmdOffer{{false, 0}}
	for _, tc := range []struct {
		name    string
		header  string
		offers  []pmdOffer
		wantPMD bool
		wantErr bool
	}{
		{"declined", "", def, false, false},
		{"plain accept", "permessage-deflate", def, true, false},
		{"server asks client no takeover", "permessage-deflate; client_no_context_takeover; server_no_context_takeover", def, true, false},
		{"client window", "permessage-deflate; client_max_window_bits=10", def, true, false},
		{"unasked server window", "permessage-deflate; server_max_window_bits=10", def, true, false},
		{"requested window honoured", "permessage-deflate; server_max_window_bits=9", []pmdOffer{{false, 9}}, true, false},
		{"requested window exceeded", "permessage-deflate; server_max_window_bits=12", []pmdOffer{{false, 9}}, false, true},
		{"requested window left out", "permessage-deflate", []pmdOffer{{false, 9}}, false, true},
		{"requested 15 left out", "permessage-deflate", []pmdOffer{{false, 15}}, true, false},
		{"requested window left out, other offer fits", "permessage-deflate; server_no_context_takeover", []pmdOffer{{true, 9}, {true, 0}}, true, false},
		{"no-takeover request ignored", "permessage-deflate", []pmdOffer{{true, 0}}, false, true},
		{"one of several offers", "permessage-deflate", []pmdOffer{{true, 9}, {true, 0}, {false, 0}}, true, false},
		{"unknown parameter", "permessage-deflate; foo", def, false, true},
		{"bad window", "permessage-deflate; client_max_window_bits=7", def, false, true},
		{"repeated parameter", "permessage-deflate; server_no_context_takeover; server_no_context_takeover", def, false, true},
		{"unoffered extension", "x-webkit-deflate-frame", def, false, true},
		{"two extensions", "permessage-deflate, permessage-deflate", def, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pmd, err := acceptResponse(tc.header, tc.offers)
			if (err != nil) != tc.wantErr || (pmd != nil) != tc.wantPMD {
				t.Fatalf("acceptResponse(%q) = %v, %v; want pmd %v, error %v", tc.header, pmd, err, tc.wantPMD, tc.wantErr)
			}
		})
	}
}

func TestAcceptOffer(t *testing.T) {
	for _, tc := range []struct {
		name, offer string
		want        pmdOffer
		resp        string
	}{
		{"no offer", "", pmdOffer{}, ""},
		{"other extension", "x-foo", pmdOffer{}, ""},
		{"plain", "permessage-deflate", pmdOffer{}, "permessage-deflate"},
		{"client window bare", "permessage-deflate; client_max_window_bits", pmdOffer{true, 9}, "permessage-deflate; client_no_context_takeover; client_max_window_bits=9"},
		{"client window without support", "permessage-deflate", pmdOffer{false, 9}, "permessage-deflate"},
		{"server params echoed", "permessage-deflate; server_no_context_takeover; server_max_window_bits=10", pmdOffer{}, "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"},
		{"bad first offer, good second", "permessage-deflate; bogus, permessage-deflate", pmdOffer{}, "permessage-deflate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, pmd := acceptOffer(tc.offer, tc.want)
			if resp != tc.resp || (pmd != nil) != (tc.resp != "") {
				t.Fatalf("acceptOffer(%q) = %q, %v; want %q", tc.offer, resp, pmd, tc.resp)
			}
		})
	}
}

func TestClientOffer(t *testing.T) {
	got := clientOffer([]pmdOffer{{true, 9}, {false, 0}})
	want := "permessage-deflate; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9, permessage-deflate; client_max_window_bits"
	if got != want {
		t.Fatalf("clientOffer = %q, want %q", got, want)
	}
}

func TestAcceptOfferPeerLimits(t *testing.T) {
	for _, tc := range []struct {
		name, offer  string
		want         pmdOffer
		peerTakeover bool
		peerWindow   int
	}{
		{"plain", "permessage-deflate; client_max_window_bits", pmdOffer{}, true, 0},
		{"granted window", "permessage-deflate; client_max_window_bits", pmdOffer{false, 8}, true, 8},
		{"promised window", "permessage-deflate; client_max_window_bits=10", pmdOffer{}, true, 10},
		{"promised window below the granted one", "permessage-deflate; client_max_window_bits=9", pmdOffer{false, 12}, true, 9},
		{"no takeover asked", "permessage-deflate", pmdOffer{true, 0}, false, 0},
		{"no takeover promised", "permessage-deflate; client_no_context_takeover", pmdOffer{}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, pmd := acceptOffer(tc.offer, tc.want)
			if pmd == nil || pmd.peerTakeover != tc.peerTakeover || pmd.peerWindow != tc.peerWindow {
				t.Fatalf("acceptOffer(%q, %v) = %+v; want peer takeover %v, window %d", tc.offer, tc.want, pmd, tc.peerTakeover, tc.peerWindow)
			}
		})
	}
}

// TestPMDChecksTestee checks that decompress refuses what the testee agreed
// not to send: a reference into an earlier message without context takeover,
// a match farther back than the negotiated window.
func TestPMDChecksTestee(t *testing.T) {
	text := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog; "), 40) // 1800 octets
	compress := func(t *testing.T, dict []byte, msg []byte) []byte {
		t.Helper()
		var b bytes.Buffer
		w, err := flate.NewWriterDict(&b, flate.BestCompression, dict)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(msg)
		_ = w.Flush()
		return bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
	}
	t.Run("takeover refused", func(t *testing.T) {
		rx := newPMDState(true, 0, false, 0)
		if _, err := rx.decompress(compress(t, nil, text), 1<<20); err != nil {
			t.Fatal(err)
		}
		if _, err := rx.decompress(compress(t, text, text), 1<<20); err == nil {
			t.Fatal("a reference into the previous message was accepted without context takeover")
		}
	})
	t.Run("takeover allowed", func(t *testing.T) {
		rx := newPMDState(true, 0, true, 0)
		for i, dict := range [][]byte{nil, text} {
			if got, err := rx.decompress(compress(t, dict, text), 1<<20); err != nil || !bytes.Equal(got, text) {
				t.Fatalf("message %d: %v", i, err)
			}
		}
	})
	// A 45-octet period fits a 9-bit window; a 600-octet one does not.
	long := binPattern(600)
	long = append(long, long...)
	for _, tc := range []struct {
		name   string
		msg    []byte
		window int
		ok     bool
	}{
		{"short matches in window 9", text, 9, true},
		{"long matches in window 9", long, 9, false},
		{"long matches in window 10", long, 10, true},
		{"long matches in window 15", long, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := newPMDState(true, 0, true, tc.window).decompress(compress(t, nil, tc.msg), 1<<20)
			if tc.ok && (err != nil || !bytes.Equal(got, tc.msg)) {
				t.Fatalf("decompress: %v", err)
			}
			if !tc.ok && err == nil {
				t.Fatal("a match beyond the window was accepted")
			}
		})
	}
}

func TestAcceptResponsePeerLimits(t *testing.T) {
	for _, tc := range []struct {
		header                 string
		offers                 []pmdOffer
		takeover, peerTakeover bool
		window, peerWindow     int
	}{
		{"permessage-deflate", []pmdOffer{{false, 0}}, true, true, 0, 0},
		{"permessage-deflate; server_max_window_bits=10", []pmdOffer{{false, 0}}, true, true, 0, 10},
		{"permessage-deflate; server_no_context_takeover; server_max_window_bits=8", []pmdOffer{{true, 8}}, true, false, 0, 8},
		{"permessage-deflate; client_no_context_takeover; client_max_window_bits=9", []pmdOffer{{false, 0}}, false, true, 9, 0},
	} {
		pmd, err := acceptResponse(tc.header, tc.offers)
		if err != nil || pmd.takeover != tc.takeover || pmd.window != tc.window || pmd.peerTakeover != tc.peerTakeover || pmd.peerWindow != tc.peerWindow {
			t.Errorf("acceptResponse(%q) = %+v, %v", tc.header, pmd, err)
		}
	}
}
