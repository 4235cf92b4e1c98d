package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fuzzingServer plays the suite's fuzzingserver role: testee clients connect
// to it and drive the run through the testee protocol:
//
//	/getCaseCount                  a text message with the number of cases
//	/runCase?case=N&agent=A        plays case N (1-based) against agent A
//	/updateReports?agent=A         writes index.json, per-case files, summary.md
//	/getCaseInfo?case=N            a JSON message {"id", "description"}
//	/getCaseStatus?case=N&agent=A  a JSON message {"behavior"}
type fuzzingServer struct {
	cases   []Case
	reports *reportSet

	mu       sync.Mutex
	inflight sync.WaitGroup // cases being played; reports wait for them
	updated  chan string    // receives the agent of each updateReports
}

func newFuzzingServer(outDir string, cases []Case) *fuzzingServer {
	return &fuzzingServer{
		cases:   cases,
		reports: newReportSet(filepath.Join(outDir, "clients"), "Autobahn results: testee clients (fuzzingserver)"),
		updated: make(chan string, 16),
	}
}

// serve accepts connections until ln is closed.
func (fs *fuzzingServer) serve(ln net.Listener) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go fs.handle(conn)
	}
}

func (fs *fuzzingServer) handle(conn net.Conn) {
	br := bufio.NewReaderSize(conn, 64<<10)
	up, ok, err := readUpgrade(conn, br)
	if err != nil {
		_ = conn.Close()
		return
	}
	q := up.req.URL.Query()
	path := up.req.URL.Path
	if !ok {
		if path == "/" || path == "" {
			writeHTTPError(conn, http.StatusOK, fmt.Sprintf("Hayate Autobahn fuzzing server: %d cases. Connect with a WebSocket client to /getCaseCount, /runCase?case=N&agent=A, /updateReports?agent=A.\n", len(fs.cases)))
		} else {
			writeHTTPError(conn, http.StatusBadRequest, "not a WebSocket upgrade request\n")
		}
		_ = conn.Close()
		return
	}
	switch path {
	case "/getCaseCount":
		fs.reply(conn, br, up, strconv.Itoa(len(fs.cases)))
	case "/getCaseInfo":
		c, err := fs.lookup(q.Get("case"))
		if err != nil {
			writeHTTPError(conn, http.StatusBadRequest, err.Error()+"\n")
			_ = conn.Close()
			return
		}
		b, _ := json.Marshal(map[string]string{"id": c.ID, "description": c.Desc})
		fs.reply(conn, br, up, string(b))
	case "/getCaseStatus":
		c, err := fs.lookup(q.Get("case"))
		if err != nil {
			writeHTTPError(conn, http.StatusBadRequest, err.Error()+"\n")
			_ = conn.Close()
			return
		}
		fs.mu.Lock()
		e, found := fs.reports.index[q.Get("agent")][c.ID]
		fs.mu.Unlock()
		status := "UNKNOWN"
		if found {
			status = e.Behavior
		}
		b, _ := json.Marshal(map[string]string{"behavior": status})
		fs.reply(conn, br, up, string(b))
	case "/runCase":
		fs.inflight.Add(1)
		defer fs.inflight.Done()
		fs.runCase(conn, br, up, q.Get("case"), q.Get("agent"))
	case "/updateReports":
		// A fast client asks for reports as soon as TCP closes, which can be
		// before the last case is judged; every case has a bounded budget.
		fs.inflight.Wait()
		fs.mu.Lock()
		err := fs.reports.flush()
		fs.mu.Unlock()
		if err != nil {
			log.Printf("writing reports: %v", err)
		}
		fs.reply(conn, br, up, "")
		select {
		case fs.updated <- q.Get("agent"):
		default:
		}
	default:
		writeHTTPError(conn, http.StatusNotFound, "unknown path "+path+"\n")
		_ = conn.Close()
	}
}

// lookup maps a 1-based case number to its case.
func (fs *fuzzingServer) lookup(num string) (*Case, error) {
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > len(fs.cases) {
		return nil, fmt.Errorf("case must be a number from 1 to %d, got %q", len(fs.cases), num)
	}
	return &fs.cases[n-1], nil
}

// reply completes the handshake, sends msg as a text message (if not empty)
// and closes with 1000.
func (fs *fuzzingServer) reply(conn net.Conn, br *bufio.Reader, up *upgradeRequest, msg string) {
	if _, err := writeUpgrade(conn, up, ""); err != nil {
		_ = conn.Close()
		return
	}
	s := newSession(conn, br, true, nil, false)
	s.expectClose = closeNormal
	s.start()
	if msg != "" {
		s.send(textFrame(msg))
	}
	s.sendClose(1000, "", false)
	select {
	case <-s.done:
	case <-time.After(closeHandshakeTimeout + time.Second):
		s.abort("testee did not close")
	}
}

func (fs *fuzzingServer) runCase(conn net.Conn, br *bufio.Reader, up *upgradeRequest, num, agent string) {
	c, err := fs.lookup(num)
	if err != nil || agent == "" {
		if err == nil {
			err = errors.New("missing agent parameter")
		}
		writeHTTPError(conn, http.StatusBadRequest, err.Error()+"\n")
		_ = conn.Close()
		return
	}
	n, _ := strconv.Atoi(num)
	cc := caseContext{num: n, agent: agent, hs: handshakeInfo{request: up.raw}}
	var pmd *pmdState
	ext := ""
	if c.Deflate != nil {
		ext, pmd = acceptOffer(up.ext, c.Deflate[0])
		if pmd == nil {
			cc.unimplemented = "The testee client did not offer permessage-deflate (or no offer was acceptable)."
		}
	}
	resp, err := writeUpgrade(conn, up, ext)
	cc.hs.response, cc.negotiated = resp, ext
	if err != nil {
		_ = conn.Close()
		fs.store(failedReport(c, cc, "writing handshake response: "+err.Error()))
		return
	}
	s := newSession(conn, br, true, pmd, !c.NoWirelog)
	fs.store(playCase(c, s, cc))
}

func (fs *fuzzingServer) store(rep *caseReport) {
	logCase(rep)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.reports.add(rep); err != nil {
		log.Printf("writing case report: %v", err)
	}
}

// agentsSeen lists the agents with results, for the final log line.
func (fs *fuzzingServer) agentsSeen() string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var a []string
	for k := range fs.reports.index {
		a = append(a, k)
	}
	return strings.Join(a, ", ")
}
