package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a child process of the driver: its standard output is read line by
// line and its standard error kept for error messages. Children are killed
// when the driver ends, however it ends: Kill on every path, every live child
// on SIGINT/SIGTERM, and the kernel's parent-death signal if the driver dies.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr *syncBuffer
	done   chan struct{}
	killed chan struct{}
	once   sync.Once
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 64<<10 {
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.TrimSpace(s.b.String())
}

var (
	liveMu sync.Mutex
	live   = map[*child]bool{}
)

// killOnSignal kills every live child when the driver is interrupted.
func killOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-ch
		liveMu.Lock()
		var all []*child
		for c := range live {
			all = append(all, c)
		}
		liveMu.Unlock()
		for _, c := range all {
			c.kill()
		}
		fmt.Fprintf(os.Stderr, "peerbench: %v: children killed\n", s)
		os.Exit(1)
	}()
}

// start runs this executable with args as a child.
func start(name string, args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	c := &child{name: name, cmd: cmd, lines: make(chan string, 16), stderr: &syncBuffer{}, done: make(chan struct{}), killed: make(chan struct{})}
	cmd.Stderr = c.stderr
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	liveMu.Lock()
	live[c] = true
	liveMu.Unlock()
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			select {
			case c.lines <- sc.Text():
			case <-c.killed:
			}
		}
		close(c.lines)
		_ = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

var errTimeout = errors.New("timed out")

// next returns the next line the child prints, or an error if it exits or
// stays silent for d.
func (c *child) next(d time.Duration) (string, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case l, ok := <-c.lines:
		if !ok {
			return "", c.exitErr()
		}
		return l, nil
	case <-t.C:
		return "", fmt.Errorf("%s: %w after %v", c.name, errTimeout, d)
	}
}

// expect reads the next line and checks that it starts with word.
func (c *child) expect(word string, d time.Duration) (string, error) {
	l, err := c.next(d)
	if err != nil {
		return "", err
	}
	rest, ok := strings.CutPrefix(l, word)
	if !ok {
		return "", fmt.Errorf("%s: expected %q, got %q", c.name, word, l)
	}
	return strings.TrimSpace(rest), nil
}

// ask sends a command line and returns the answer.
func (c *child) ask(cmd, word string) (string, error) {
	if _, err := io.WriteString(c.stdin, cmd+"\n"); err != nil {
		return "", fmt.Errorf("%s: %w", c.name, err)
	}
	return c.expect(word, 30*time.Second)
}

func (c *child) exitErr() error {
	<-c.done
	msg := c.stderr.String()
	if msg == "" {
		msg = c.cmd.ProcessState.String()
	}
	return fmt.Errorf("%s exited: %s", c.name, msg)
}

// kill ends the child and its process group and waits for it.
func (c *child) kill() {
	c.once.Do(func() {
		close(c.killed)
		_ = c.stdin.Close()
		if c.cmd.Process != nil {
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		}
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
		}
		liveMu.Lock()
		delete(live, c)
		liveMu.Unlock()
	})
}
