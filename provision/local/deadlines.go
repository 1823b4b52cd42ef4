package local

import (
	"io"
	"time"
)

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
