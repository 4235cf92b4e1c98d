package websocket

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"runtime"
	"strings"
	"sync"
	"time"
	"weak"

	"golang.org/x/net/http/httpguts"
)

// This file checks options and fills in their defaults, once per options value: the
// result is kept, keyed by the options' address, for as long as the options are alive,
// and shared by every connection made with them.

// Keepalive defaults; see [AcceptOptions].PingInterval.
const (
	defaultPingInterval = 20 * time.Second
	defaultPongTimeout  = 20 * time.Second
	// defaultSendQueueLimit: see AcceptOptions.SendQueueLimit.
	defaultSendQueueLimit = 1 << 20
)

// errBadOptions is what every options error wraps.
var errBadOptions = errors.New("websocket: invalid options")

// optionError says which field of which options struct is wrong.
func optionError(kind, field string, err error) error {
	return fmt.Errorf("%w: %s.%s: %w", errBadOptions, kind, field, err)
}

// sharedConfig is the part of a connection's configuration that all connections made
// with the same options share: one pointer per Conn instead of a copy of each field.
type sharedConfig struct {
	pingInterval time.Duration // 0: no keepalive
	pongTimeout  time.Duration
	sendLimit    int64 // see SendQueueLimit; 0 only in noSharedConfig, meaning the default
	onClose      func(*Conn, Stats)
}

// noSharedConfig is the shared configuration of a Conn made without options of its own
// (in tests).
var noSharedConfig sharedConfig

// acceptConfig is a checked AcceptOptions with its defaults filled in.
type acceptConfig struct {
	o      AcceptOptions // a copy, with defaults; its slices and maps are copies too
	shared *sharedConfig
}

// dialConfig is a checked DialOptions with its defaults filled in.
type dialConfig struct {
	o      DialOptions
	shared *sharedConfig
}

// configCache maps a weak pointer to an options struct to its checked form, or to the
// error that checking it gave.
type configCache[O, C any] struct {
	m sync.Map // weak.Pointer[O] -> configEntry[C]
}

type configEntry[C any] struct {
	cfg *C
	err error
}

// get returns the checked form of *o, making it with check the first time o is seen.
// An entry goes when o is collected.
func (cc *configCache[O, C]) get(o *O, check func(*O) (*C, error)) (*C, error) {
	key := weak.Make(o)
	if v, ok := cc.m.Load(key); ok {
		e := v.(configEntry[C])
		return e.cfg, e.err
	}
	cfg, err := check(o)
	v, loaded := cc.m.LoadOrStore(key, configEntry[C]{cfg, err})
	if !loaded {
		runtime.AddCleanup(o, func(k weak.Pointer[O]) { cc.m.Delete(k) }, key)
	}
	e := v.(configEntry[C])
	return e.cfg, e.err
}

var (
	acceptConfigs configCache[AcceptOptions, acceptConfig]
	dialConfigs   configCache[DialOptions, dialConfig]

	defaultAccept = sync.OnceValue(func() *acceptConfig {
		cfg, _ := checkAcceptOptions(&AcceptOptions{})
		return cfg
	})
	defaultDial = sync.OnceValue(func() *dialConfig {
		cfg, _ := checkDialOptions(&DialOptions{})
		return cfg
	})
)

// acceptConfigFor returns the checked form of opts (nil means the zero options).
func acceptConfigFor(opts *AcceptOptions) (*acceptConfig, error) {
	if opts == nil {
		return defaultAccept(), nil
	}
	return acceptConfigs.get(opts, checkAcceptOptions)
}

// dialConfigFor returns the checked form of opts (nil means the zero options).
func dialConfigFor(opts *DialOptions) (*dialConfig, error) {
	if opts == nil {
		return defaultDial(), nil
	}
	return dialConfigs.get(opts, checkDialOptions)
}

func checkAcceptOptions(opts *AcceptOptions) (*acceptConfig, error) {
	const kind = "AcceptOptions"
	o := *opts
	o.Subprotocols = append([]string(nil), o.Subprotocols...)
	o.OriginPatterns = append([]string(nil), o.OriginPatterns...)
	o.ResponseHeader = o.ResponseHeader.Clone()
	if err := checkSubprotocols(o.Subprotocols); err != nil {
		return nil, optionError(kind, "Subprotocols", err)
	}
	for i, p := range o.OriginPatterns {
		// path.Match reports a malformed pattern whatever the name; lower-case, as
		// checkOrigin matches it.
		o.OriginPatterns[i] = strings.ToLower(p)
		if _, err := path.Match(o.OriginPatterns[i], ""); err != nil || p == "" {
			if err == nil {
				err = errors.New("empty pattern")
			}
			return nil, optionError(kind, "OriginPatterns", fmt.Errorf("pattern %q: %w", p, err))
		}
	}
	if _, err := appendExtraHeaders(nil, o.ResponseHeader); err != nil {
		return nil, optionError(kind, "ResponseHeader", errors.New(err.(*HandshakeError).Reason))
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = defaultHandshakeTimeout
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	shared, err := checkShared(kind, &o.Deflate, o.PingInterval, o.PongTimeout, o.SendQueueLimit)
	if err != nil {
		return nil, err
	}
	shared.onClose = o.OnClose
	return &acceptConfig{o: o, shared: shared}, nil
}

func checkDialOptions(opts *DialOptions) (*dialConfig, error) {
	const kind = "DialOptions"
	o := *opts
	o.Subprotocols = append([]string(nil), o.Subprotocols...)
	o.HTTPHeader = o.HTTPHeader.Clone()
	if err := checkSubprotocols(o.Subprotocols); err != nil {
		return nil, optionError(kind, "Subprotocols", err)
	}
	if _, err := appendExtraHeaders(nil, o.HTTPHeader); err != nil {
		return nil, optionError(kind, "HTTPHeader", errors.New(err.(*HandshakeError).Reason))
	}
	if o.Host != "" && !httpguts.ValidHostHeader(o.Host) {
		return nil, optionError(kind, "Host", fmt.Errorf("invalid host %q", o.Host))
	}
	if o.HandshakeTimeout <= 0 {
		o.HandshakeTimeout = defaultDialTimeout
	}
	shared, err := checkShared(kind, &o.Deflate, o.PingInterval, o.PongTimeout, o.SendQueueLimit)
	if err != nil {
		return nil, err
	}
	return &dialConfig{o: o, shared: shared}, nil
}

// checkSubprotocols refuses names that are not HTTP tokens, and repeats.
func checkSubprotocols(list []string) error {
	for i, s := range list {
		if !validSubprotocol(s) {
			return fmt.Errorf("%q is not an HTTP token", s)
		}
		for _, t := range list[:i] {
			if t == s {
				return fmt.Errorf("%q listed twice", s)
			}
		}
	}
	return nil
}

// checkShared checks the options both roles have: it replaces *deflate with a checked
// copy and fills in the keepalive defaults.
func checkShared(kind string, deflate **DeflateOptions, interval, timeout time.Duration, sendLimit int64) (*sharedConfig, error) {
	if *deflate != nil {
		d := **deflate
		if err := d.check(); err != nil {
			return nil, optionError(kind, "Deflate", err)
		}
		*deflate = &d
	}
	if timeout < 0 {
		return nil, optionError(kind, "PongTimeout", errors.New("negative: "+timeout.String()))
	}
	if sendLimit < 0 {
		return nil, optionError(kind, "SendQueueLimit", fmt.Errorf("negative: %d", sendLimit))
	}
	s := &sharedConfig{sendLimit: sendLimit}
	if s.sendLimit == 0 {
		s.sendLimit = defaultSendQueueLimit
	}
	if interval >= 0 {
		s.pingInterval, s.pongTimeout = interval, timeout
		if s.pingInterval == 0 {
			s.pingInterval = defaultPingInterval
		}
		if s.pongTimeout == 0 {
			s.pongTimeout = defaultPongTimeout
		}
	}
	return s, nil
}

// rejectForOptions answers a request that bad options keep from being handled: it is the
// server's fault, not the client's.
func rejectForOptions(w http.ResponseWriter) {
	http.Error(w, "WebSocket server misconfigured", http.StatusInternalServerError)
}
