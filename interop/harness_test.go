package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testTimeout bounds each top-level test, peers included.
const testTimeout = 30 * time.Second

// testContext returns a context that ends when the test's time is up or the test ends.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// ---- reports ----

// echoResult is one message a peer client sent and got back.
type echoResult struct {
	Type  string `json:"type"`
	Size  int    `json:"size"`
	Match bool   `json:"match"`
}

// msgInfo describes a received message: its kind (see classify), or, in the
// compression tests, the start of its SHA-256 (see shortSHA).
type msgInfo struct {
	Type string `json:"type"`
	Size int    `json:"size"`
	Kind string `json:"kind,omitempty"`
	Sha  string `json:"sha,omitempty"`
}

// clientReport is what a peer client says about one scenario against Hayate's server.
type clientReport struct {
	Scenario    string       `json:"scenario"`
	Error       string       `json:"error,omitempty"`
	Echo        []echoResult `json:"echo,omitempty"`
	Protocol    string       `json:"protocol"`
	Extensions  string       `json:"extensions"`
	Fragmented  string       `json:"fragmented,omitempty"` // how the peer sent its message
	Received    *msgInfo     `json:"received,omitempty"`   // Hayate's fragmented message
	HayatePing  string       `json:"hayatePing,omitempty"` // the server's word on its Ping
	PeerPing    string       `json:"peerPing,omitempty"`   // "ok", "unsupported" or a failure
	ServerSaid  string       `json:"serverSaid,omitempty"`
	CloseCode   int          `json:"closeCode,omitempty"` // the close frame the peer received
	CloseReason string       `json:"closeReason,omitempty"`
	Clean       *bool        `json:"clean,omitempty"` // browsers: CloseEvent.wasClean
	// The compression tests: the parameters as the peer sees them, the messages it
	// received, and "fragmented" if it sent an echo in fragments ("unsupported" if it
	// cannot).
	Params   map[string]any `json:"params,omitempty"`
	Messages []msgInfo      `json:"messages,omitempty"`
	FragEcho string         `json:"fragEcho,omitempty"`
}

// serverReport is what a peer server says about one connection from Hayate's client.
type serverReport struct {
	Path        string    `json:"path"`
	Error       string    `json:"error,omitempty"`
	Protocol    string    `json:"protocol"`
	Extensions  string    `json:"extensions"`
	Received    []msgInfo `json:"received"`
	Fragmented  string    `json:"fragmented,omitempty"`
	PeerPing    string    `json:"peerPing,omitempty"`
	CloseCode   int       `json:"closeCode"` // the close frame the peer received
	CloseReason string    `json:"closeReason"`
	// The compression tests: the parameters as the peer sees them.
	Params map[string]any `json:"params,omitempty"`
}

// ---- peers ----

// peer names an implementation and how to get it.
type peer struct {
	name    string
	install string
	check   func() error
}

// requirePeer skips the test when p is missing, or fails it when CI=true.
func requirePeer(t *testing.T, peers ...peer) {
	t.Helper()
	for _, p := range peers {
		if err := p.check(); err != nil {
			msg := fmt.Sprintf("peer %s is missing (%v); install it with: %s", p.name, err, p.install)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// envOr returns the environment variable name, or def when it is empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

var (
	chromiumBin = envOr("INTEROP_CHROMIUM", "/usr/bin/chromium")
	// pythonBin is Debian's Python: a python3 earlier on PATH (pyenv, a venv) does not
	// see Debian's python3-websockets.
	pythonBin = envOr("INTEROP_PYTHON", "/usr/bin/python3")
)

func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	return nil
}

// quickCheck runs a short command that must succeed, for peer detection.
func quickCheck(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func nodeModule(module string) func() error {
	return sync.OnceValue(func() error {
		if _, err := exec.LookPath("node"); err != nil {
			return err
		}
		return quickCheck("node", "-e", "require.resolve('"+module+"')")
	})
}

var (
	peerNode = peer{"node", "apt-get install -y nodejs npm", sync.OnceValue(func() error {
		_, err := exec.LookPath("node")
		return err
	})}
	peerNodeWS = peer{"Node ws", "cd interop && npm ci", nodeModule("ws")}
	peerNodePW = peer{"Node playwright-core", "cd interop && npm ci", nodeModule("playwright-core")}
	peerChrome = peer{"Chromium (" + chromiumBin + ")", "apt-get install -y chromium", sync.OnceValue(func() error {
		return executable(chromiumBin)
	})}
	peerPython = peer{"Python websockets (" + pythonBin + ")", "apt-get install -y python3-websockets", sync.OnceValue(func() error {
		if err := executable(pythonBin); err != nil {
			return err
		}
		return quickCheck(pythonBin, "-c", "import websockets")
	})}
	peerNginx = peer{"nginx", "apt-get install -y nginx-light (or nginx)", sync.OnceValue(func() error {
		_, err := nginxPath()
		return err
	})}
)

func nginxPath() (string, error) {
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", errors.New("no nginx on PATH or in /usr/sbin")
}

// ---- child processes ----

// proc is a peer running as a child process, in its own process group so that it and
// everything it starts (a browser's helpers, nginx's workers) can be killed together.
type proc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{}
	err   error // from Wait, once done is closed

	mu      sync.Mutex
	stderr  bytes.Buffer
	out     []string // stdout lines
	partial []byte   // stdout after the last newline
	eof     bool     // stdout is complete
	changed chan struct{}
	next    int // index in out of the next line to hand out
}

// startProc starts a peer under ctx and arranges for it to be killed when the test ends.
func startProc(t *testing.T, ctx context.Context, env []string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: filepath.Base(name), done: make(chan struct{}), changed: make(chan struct{})}
	for _, a := range args {
		if strings.HasPrefix(a, "peers/") {
			p.name = filepath.Base(a)
			break
		}
	}
	for _, kv := range env {
		if mode, ok := strings.CutPrefix(kv, "HAYATE_INTEROP_PEER="); ok {
			p.name = mode
		}
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = 3 * time.Second
	cmd.Stdout = writerFunc(p.writeStdout)
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.stderr.Len() < 1<<20 {
			p.stderr.Write(b)
		}
		return len(b), nil
	})
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p.cmd = cmd
	go func() {
		err := cmd.Wait() // returns once stdout and stderr are copied
		p.mu.Lock()
		p.err = err
		if len(p.partial) > 0 {
			p.out = append(p.out, string(p.partial))
		}
		p.eof = true
		close(p.changed)
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() {
		// Ask the process to stop, so that it can stop its own children (nginx's master
		// reaps its workers), then kill whatever is left of its process group.
		_ = p.stdin.Close()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(3 * time.Second):
		}
		_ = killGroup(cmd)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s did not exit after being killed", p.name)
		}
		if t.Failed() || os.Getenv("INTEROP_STDERR") != "" {
			t.Logf("%s stderr:\n%s", p.name, p.stderrText())
		}
	})
	return p
}

func (p *proc) writeStdout(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	added := false
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			break
		}
		p.out = append(p.out, string(p.partial[:i]))
		p.partial = p.partial[i+1:]
		added = true
	}
	if added {
		close(p.changed)
		p.changed = make(chan struct{})
	}
	return len(b), nil
}

// nextLine returns the next line of the peer's stdout. It returns false at the end of
// its output (the process has exited) or when ctx ends.
func (p *proc) nextLine(ctx context.Context) (string, bool) {
	for {
		p.mu.Lock()
		if p.next < len(p.out) {
			line := p.out[p.next]
			p.next++
			p.mu.Unlock()
			return line, true
		}
		eof, changed := p.eof, p.changed
		p.mu.Unlock()
		if eof {
			return "", false
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return "", false
		}
	}
}

func (p *proc) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// exited reports whether the process has ended, and how.
func (p *proc) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// killGroup kills the process group led by cmd's process.
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// clientReports waits for a peer client to finish and returns its reports by scenario.
func (p *proc) clientReports(ctx context.Context) map[string]clientReport {
	p.t.Helper()
	reports := map[string]clientReport{}
	for {
		line, ok := p.nextLine(ctx)
		if !ok {
			break
		}
		var r clientReport
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Scenario == "" {
			p.t.Logf("%s: %s", p.name, line)
			continue
		}
		reports[r.Scenario] = r
		if testing.Verbose() {
			p.t.Logf("%s: %s", p.name, line)
		}
	}
	if ended, err := p.exited(); !ended {
		p.t.Errorf("%s did not finish: %v\nstderr:\n%s", p.name, ctx.Err(), p.stderrText())
	} else if err != nil {
		p.t.Errorf("%s: %v\nstderr:\n%s", p.name, err, p.stderrText())
	}
	return reports
}

// serverPeer is a peer server: its port, and its reports as they come.
type serverPeer struct {
	name string
	base string // ws://127.0.0.1:port

	mu      sync.Mutex
	reports map[string]serverReport
	arrived chan struct{} // closed and replaced when a report arrives
}

// startServerPeer starts a peer server process and waits for its "LISTEN <port>" line.
func startServerPeer(t *testing.T, ctx context.Context, env []string, name string, args ...string) *serverPeer {
	t.Helper()
	p := startProc(t, ctx, env, name, args...)
	s := &serverPeer{name: p.name, reports: map[string]serverReport{}, arrived: make(chan struct{})}
	for s.base == "" {
		line, ok := p.nextLine(ctx)
		if !ok {
			_, err := p.exited()
			t.Fatalf("%s did not start listening (%v, exit: %v)\nstderr:\n%s", p.name, ctx.Err(), err, p.stderrText())
		}
		if port, ok := strings.CutPrefix(line, "LISTEN "); ok {
			s.base = "ws://127.0.0.1:" + port
		} else {
			t.Logf("%s: %s", p.name, line)
		}
	}
	go func() {
		for {
			line, ok := p.nextLine(ctx)
			if !ok {
				return
			}
			var r serverReport
			if err := json.Unmarshal([]byte(line), &r); err != nil || r.Path == "" {
				continue
			}
			s.mu.Lock()
			s.reports[r.Path] = r
			close(s.arrived)
			s.arrived = make(chan struct{})
			s.mu.Unlock()
		}
	}()
	return s
}

// report waits, briefly, for the report on the connection to path.
func (s *serverPeer) report(t *testing.T, path string) (serverReport, bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		r, ok := s.reports[path]
		arrived := s.arrived
		s.mu.Unlock()
		if ok {
			return r, true
		}
		select {
		case <-arrived:
		case <-deadline:
			t.Errorf("%s: no report on the connection to %s", s.name, path)
			return serverReport{}, false
		}
	}
}
