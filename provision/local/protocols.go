package local

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
)

// protocols is what the listener speaks: HTTP/1.1, and cleartext HTTP/2
// with prior knowledge (the AWS SDK for JavaScript v3's Kinesis client and
// the Java SDK v2's async clients open connections that way). net/http
// serves both on one listener.
func protocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return p
}

// upgrader serves the other way into cleartext HTTP/2: an HTTP/1.1 request
// with "Upgrade: h2c" (RFC 7540 §3.2; curl --http2 uses it). net/http does
// not implement the upgrade, so the connection is hijacked and handed to
// x/net's HTTP/2 server, which answers the upgrading request as stream 1.
// Hijacked connections are outside http.Server's bookkeeping, so the
// upgrader tracks them, and the requests on them, for Shutdown and Close.
type upgrader struct {
	next *Server
	//lint:ignore SA1019 serves Upgrade: h2c, which net/http cannot (see ServeHTTP)
	h2     http2.Server
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool // no more upgrades

	// Requests on upgraded connections, counted under mu rather than by a
	// sync.WaitGroup: a request may begin while Shutdown waits, which a
	// WaitGroup forbids (it panics when one is added from zero during
	// Wait).
	inflight int
	stopping bool          // no more requests: they are refused
	idle     chan struct{} // closed once stopping with none in flight
}

func newUpgrader(next *Server) *upgrader {
	return &upgrader{next: next, conns: map[net.Conn]struct{}{}, idle: make(chan struct{})}
}

// maxUpgradeBody is the largest body an upgrading request may have: its
// body must be read before the switch, ahead of the signature and size
// checks, so a larger one is served as the HTTP/1.1 request it also is
// (RFC 7540 §3.2 lets a server ignore Upgrade).
const maxUpgradeBody = 64 << 10

func (u *upgrader) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor != 1 || !isH2CUpgrade(r.Header) || r.ContentLength < 0 || r.ContentLength > maxUpgradeBody {
		u.next.ServeHTTP(w, r)
		return
	}
	settings, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(r.Header.Get("HTTP2-Settings"), "="))
	if err != nil || len(r.Header.Values("HTTP2-Settings")) != 1 {
		// A malformed upgrade is served as the plain HTTP/1.1 request it also is.
		u.next.ServeHTTP(w, r)
		return
	}
	body, err := u.readBody(w, r)
	if err != nil {
		if u.next.stopping.Err() != nil {
			refuseStopping(w, r)
			return
		}
		prefix, _, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		writeError(w, r, prefix, http.StatusBadRequest, "SerializationException", u.next.unreadBody(err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		u.next.ServeHTTP(w, r)
		return
	}
	if !u.track(conn) {
		conn.Close()
		return
	}
	defer u.untrack(conn)
	rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
	if err := rw.Flush(); err != nil {
		return
	}
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	// x/net's HTTP/2 server is deprecated in favour of net/http's, but
	// net/http cannot answer an upgrading request as stream 1, so the
	// upgrade still needs it.
	//lint:ignore SA1019 net/http has no way in for Upgrade: h2c
	u.h2.ServeConn(&bufferedConn{Conn: conn, r: rw.Reader}, &http2.ServeConnOpts{
		Context:        r.Context(),
		BaseConfig:     srv,
		Handler:        u.counted(u.next),
		UpgradeRequest: r,
		Settings:       settings,
	})
}

// readBody reads the upgrading request's body, which arrives over HTTP/1.1
// before the switch, within the body timeouts and a stop's grace, as any
// request's body.
func (u *upgrader) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	var dl deadlines
	dl.init(w, u.next.opts.WriteTimeout, u.next.opts.StopGrace)
	defer dl.watch(u.next.stopping)()
	body, err := io.ReadAll(newBodyClock(r.Body, dl.SetReadDeadline, u.next.opts.BodyTimeout, u.next.opts.BodyIdleTimeout))
	if err == nil {
		_ = dl.SetReadDeadline(time.Time{})
	}
	return body, err
}

// counted lets Shutdown wait for requests on upgraded connections, and
// refuses those that begin once it has begun.
func (u *upgrader) counted(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !u.begin() {
			refuseStopping(w, r)
			return
		}
		defer u.end()
		h.ServeHTTP(w, r)
	})
}

func (u *upgrader) begin() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopping {
		return false
	}
	u.inflight++
	return true
}

func (u *upgrader) end() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.inflight--
	if u.stopping && u.inflight == 0 {
		close(u.idle)
	}
}

// stop refuses further requests on upgraded connections; idle is closed
// once those in flight are answered.
func (u *upgrader) stop() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopping {
		return
	}
	u.stopping = true
	if u.inflight == 0 {
		close(u.idle)
	}
}

func (u *upgrader) track(c net.Conn) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return false
	}
	u.conns[c] = struct{}{}
	return true
}

func (u *upgrader) untrack(c net.Conn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.conns, c)
	c.Close()
}

// wait stops requests on upgraded connections and blocks until those in
// flight are answered, or done is closed.
func (u *upgrader) wait(done <-chan struct{}) error {
	u.stop()
	select {
	case <-u.idle:
		return nil
	case <-done:
		return errors.New("requests on upgraded HTTP/2 connections still in flight")
	}
}

// close closes every upgraded connection and refuses new upgrades.
func (u *upgrader) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	for c := range u.conns {
		c.Close()
	}
}

func isH2CUpgrade(h http.Header) bool {
	return httpguts.HeaderValuesContainsToken(h.Values("Upgrade"), "h2c") &&
		httpguts.HeaderValuesContainsToken(h.Values("Connection"), "HTTP2-Settings")
}

// bufferedConn reads what the HTTP/1.1 reader buffered past the upgrading
// request (the client's HTTP/2 preface, usually) before the connection.
type bufferedConn struct {
	net.Conn
	r io.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
