package local

import (
	"io"
	"net/http"
	"time"
)

// deadlines bounds a request's answer: once it begins, it has WriteTimeout
// to be written. A client that stops reading an answer (a GetRecords
// answer reaches 13 MB) is cut off then, and the request's slot and the
// answer's memory are freed; without it the write blocked for ever.
// SubscribeToShard, whose answer lasts minutes, sets its own deadline for
// each event after this one.
type deadlines struct {
	rc           *http.ResponseController // the writer beneath the recorder
	writeTimeout time.Duration
	answering    bool
}

func newDeadlines(w http.ResponseWriter, writeTimeout time.Duration) deadlines {
	return deadlines{rc: http.NewResponseController(w), writeTimeout: writeTimeout}
}

// answer starts the answer's time, once.
func (d *deadlines) answer() {
	if d.answering {
		return
	}
	d.answering = true
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.writeTimeout))
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
