package local

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// deadlines keeps a request's read and write deadlines; every one is set
// through it (the recorder's SetReadDeadline and SetWriteDeadline, which
// http.ResponseController calls).
//
// An answer, once it begins, has WriteTimeout to be written. A client that
// stops reading an answer (a GetRecords answer reaches 13 MB) is cut off
// then, and the request's slot and the answer's memory are freed; without
// it the write blocked for ever. SubscribeToShard, whose answer lasts
// minutes, sets its own deadline for each event after this one.
//
// When a graceful stop begins, both deadlines are brought forward to
// StopGrace from then, and none set later may pass that, so a client that
// neither sends its body nor reads its answer cannot hold the stop: it
// used to for the whole stop's wait. An operation still running is not
// cut: its answer gets StopGrace from when it begins.
type deadlines struct {
	rc                  *http.ResponseController // the writer beneath the recorder
	writeTimeout, grace time.Duration

	mu          sync.Mutex
	read, write time.Time // as set; zero: none
	answering   bool
	stopBy      time.Time // zero until a stop begins
	done        bool      // the request is over: its writer is not to be touched
}

func (d *deadlines) init(w http.ResponseWriter, writeTimeout, grace time.Duration) {
	d.rc = http.NewResponseController(w)
	d.writeTimeout, d.grace = writeTimeout, grace
}

// watch has the deadlines brought forward when stopping ends; the func it
// returns is to be called once the request is over.
func (d *deadlines) watch(stopping context.Context) (over func()) {
	unhook := context.AfterFunc(stopping, d.stop)
	return func() {
		unhook()
		d.mu.Lock()
		defer d.mu.Unlock()
		d.done = true
	}
}

// answer starts the answer's time, once.
func (d *deadlines) answer() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.answering {
		return
	}
	d.answering = true
	now := time.Now()
	if !d.stopBy.IsZero() {
		d.stopBy = later(d.stopBy, now.Add(d.grace))
	}
	d.setWrite(now.Add(d.writeTimeout))
}

// SetReadDeadline sets the read deadline, within a stop's grace; a zero
// one (the body is in) is kept as it is.
func (d *deadlines) SetReadDeadline(t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !t.IsZero() {
		t = d.clamp(t)
	}
	d.read = t
	return d.rc.SetReadDeadline(t)
}

func (d *deadlines) SetWriteDeadline(t time.Time) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.setWrite(t)
}

func (d *deadlines) setWrite(t time.Time) error {
	d.write = d.clamp(t)
	return d.rc.SetWriteDeadline(d.write)
}

// stop brings the deadlines in force forward to the stop's grace. Over
// HTTP/1.1 a read deadline is not set once the body is in: it would cancel
// the request's context.
func (d *deadlines) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done {
		return
	}
	d.stopBy = time.Now().Add(d.grace)
	if !d.read.IsZero() {
		d.read = d.clamp(d.read)
		_ = d.rc.SetReadDeadline(d.read)
	}
	if d.answering {
		_ = d.setWrite(d.write)
	}
}

// clamp is t, or the stop's end if one is under way and t (zero: none) is
// later.
func (d *deadlines) clamp(t time.Time) time.Time {
	if d.stopBy.IsZero() || (!t.IsZero() && t.Before(d.stopBy)) {
		return t
	}
	return d.stopBy
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// bodyClock reads a request body under two read deadlines: the body's
// whole time (BodyTimeout, from its headers) and its idle time
// (BodyIdleTimeout, from its last byte). A client that stops sending a
// body is cut off after the idle time, not the whole time, so a stalled
// request gives its slot back soon. The deadline is moved once a tenth of
// the idle time has passed since it was last moved, not on every read
// (over HTTP/2 each move is a message to the connection's goroutine), so
// a body may go idle for between nine and ten tenths of the idle time.
type bodyClock struct {
	r     io.Reader
	set   func(time.Time) error // the request's SetReadDeadline
	end   time.Time             // the whole time's end
	idle  time.Duration
	moved time.Time // when the deadline was last moved
}

func newBodyClock(r io.Reader, set func(time.Time) error, whole, idle time.Duration) *bodyClock {
	now := time.Now()
	c := &bodyClock{r: r, set: set, end: now.Add(whole), idle: idle}
	c.move(now)
	return c
}

func (c *bodyClock) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		if now := time.Now(); now.Sub(c.moved) >= c.idle/10 {
			c.move(now)
		}
	}
	return n, err
}

// move sets the deadline to the idle time from now, within the whole time.
// Not every connection supports deadlines (ErrNotSupported); those still
// have the server-wide timeouts.
func (c *bodyClock) move(now time.Time) {
	c.moved = now
	d := now.Add(c.idle)
	if c.end.Before(d) {
		d = c.end
	}
	_ = c.set(d)
}
