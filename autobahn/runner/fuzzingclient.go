package main

import (
	"fmt"
	"log"
	"net"
	"net/url"
	"path/filepath"
	"time"
)

// fuzzingClient plays the suite's fuzzingclient role: for each case it
// connects to the testee server, performs the opening handshake and plays
// the case as the client.
func fuzzingClient(rawURL, agent, outDir string, cases []Case) (*reportSet, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "ws") || u.Host == "" {
		return nil, fmt.Errorf("bad -url %q: want ws://host:port[/path]", rawURL)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	rs := newReportSet(filepath.Join(outDir, "servers"), "Autobahn results: testee servers (fuzzingclient)")
	for i, c := range cases {
		rep := runClientCase(u, &c, caseContext{num: i + 1, agent: agent})
		logCase(rep)
		if err := rs.add(rep); err != nil {
			return rs, err
		}
	}
	return rs, rs.flush()
}

func runClientCase(u *url.URL, c *Case, cc caseContext) *caseReport {
	conn, err := net.DialTimeout("tcp", u.Host, handshakeTimeout)
	if err != nil {
		return failedReport(c, cc, "could not connect: "+err.Error())
	}
	offer := ""
	if c.Deflate != nil {
		offer = clientOffer(c.Deflate)
	}
	br, ext, hs, err := clientHandshake(conn, u, offer)
	cc.hs = hs
	if err != nil {
		_ = conn.Close()
		return failedReport(c, cc, err.Error())
	}
	var pmd *pmdState
	if c.Deflate != nil {
		pmd, err = acceptResponse(ext, c.Deflate)
		if err != nil {
			_ = conn.Close()
			return failedReport(c, cc, "invalid permessage-deflate response: "+err.Error())
		}
		if pmd == nil {
			cc.unimplemented = "The testee server did not accept the permessage-deflate offer."
		}
	} else if ext != "" {
		_ = conn.Close()
		return failedReport(c, cc, fmt.Sprintf("server accepted extensions that were not offered: %q", ext))
	}
	cc.negotiated = ext
	s := newSession(conn, br, false, pmd, !c.NoWirelog)
	return playCase(c, s, cc)
}

// logCase prints one line per case.
func logCase(r *caseReport) {
	log.Printf("case %-8s %-13s %-13s %5d ms  %s", r.ID, r.Behavior, r.BehaviorClose, r.Duration, short(r.Result, 90))
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// waitForPort waits until addr accepts TCP connections or d elapses.
func waitForPort(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
