package main

import (
	"bytes"
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
			tx, rx := newPMDState(tc.takeover, tc.window), newPMDState(true, 0)
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
	wire := newPMDState(false, 0).compress(bytes.Repeat([]byte{'a'}, 100000))
	if _, err := newPMDState(true, 0).decompress(wire, 1000); err == nil {
		t.Fatal("inflating past the limit succeeded")
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
		{"unsolicited server window", "permessage-deflate; server_max_window_bits=10", def, false, true},
		{"requested window honoured", "permessage-deflate; server_max_window_bits=9", []pmdOffer{{false, 9}}, true, false},
		{"requested window exceeded", "permessage-deflate; server_max_window_bits=12", []pmdOffer{{false, 9}}, false, true},
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
