package local

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"
)

// limiter bounds what the endpoint holds for requests at once: request
// slots, and the bytes of request bodies buffered in memory. A request that
// finds every slot taken waits for one a short while (slotWait), on the
// connection's own goroutine, before any of its body is read: a burst from
// one SDK (the JavaScript SDK opens a connection per concurrent request)
// is served late rather than refused, while a flood is still refused with
// the service's throttling error once the wait is up. The body budget is
// taken without waiting.
//
// A connection holds at most its share of the slots (connShare): an HTTP/2
// connection carries many requests, and one that opens streams and never
// sends their bodies must not take every slot from the other clients.
type limiter struct {
	slots           chan struct{}
	perConn         int
	slotWait        time.Duration
	waiting         atomic.Int64
	bytes, maxBytes int64
}

func newLimiter(maxSlots, maxBytes int64, slotWait time.Duration) *limiter {
	return &limiter{slots: make(chan struct{}, maxSlots), perConn: connShare(maxSlots), slotWait: slotWait, maxBytes: maxBytes}
}

// connShare is how many slots one connection may hold: a quarter of them.
// The SDKs spread concurrent requests over several connections (HTTP/1.1
// carries one at a time), so only a client that piles its requests onto
// one HTTP/2 connection meets it, and then its requests wait as they would
// for any slot.
func connShare(maxSlots int64) int { return int(max(1, maxSlots/4)) }

// share is one connection's share of the slots, made when it is accepted
// (http.Server.ConnContext) and found in its requests' contexts.
type share chan struct{}

type shareKey struct{}

// withShare gives a new connection its share of the slots.
func (l *limiter) withShare(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, shareKey{}, make(share, l.perConn))
}

// shareOf is the share of the connection a request came on; nil, none.
func shareOf(ctx context.Context) share {
	sh, _ := ctx.Value(shareKey{}).(share)
	return sh
}

// enter takes a slot of the connection's share (sh; nil: no share) and one
// of the endpoint's, waiting up to slotWait in all while ctx lasts, or
// reports that none came free.
func (l *limiter) enter(ctx context.Context, sh share) bool {
	w := slotWaiter{l: l, ctx: ctx}
	defer w.done()
	if sh != nil && !w.take(sh) {
		return false
	}
	if !w.take(l.slots) {
		if sh != nil {
			<-sh
		}
		return false
	}
	return true
}

// leave gives back the slots taken by enter.
func (l *limiter) leave(sh share) {
	<-l.slots
	if sh != nil {
		<-sh
	}
}

// slotWaiter takes slots for one request, within one slotWait in all.
type slotWaiter struct {
	l     *limiter
	ctx   context.Context
	timer *time.Timer // started by the first wait
}

func (w *slotWaiter) take(slots chan struct{}) bool {
	select {
	case slots <- struct{}{}:
		return true
	default:
	}
	if w.l.slotWait <= 0 {
		return false
	}
	if w.timer == nil {
		w.l.waiting.Add(1)
		w.timer = time.NewTimer(w.l.slotWait)
	}
	select {
	case slots <- struct{}{}:
		return true
	case <-w.timer.C:
	case <-w.ctx.Done():
	}
	return false
}

func (w *slotWaiter) done() {
	if w.timer != nil {
		w.timer.Stop()
		w.l.waiting.Add(-1)
	}
}

// queued is the number of requests waiting for a slot.
func (l *limiter) queued() int64 { return l.waiting.Load() }

// reserve takes n bytes of the body budget, or reports that it cannot.
func (l *limiter) reserve(n int64) bool { return take(&l.bytes, n, l.maxBytes) }

// free gives back n reserved bytes.
func (l *limiter) free(n int64) { atomic.AddInt64(&l.bytes, -n) }

func take(v *int64, n, limit int64) bool {
	for {
		cur := atomic.LoadInt64(v)
		if cur+n > limit {
			return false
		}
		if atomic.CompareAndSwapInt64(v, cur, cur+n) {
			return true
		}
	}
}

// Errors from readBody besides the body's own read errors.
var (
	errTooLarge  = errors.New("request body too large")
	errThrottled = errors.New("body budget spent")
)

// firstChunk is what a body of unknown length (chunked, or HTTP/2 without
// content-length) reserves first; it doubles as the body grows.
const firstChunk = 64 << 10

// readBody reads a body of at most limit bytes, reserving memory from the
// budget before it is allocated. A body of known length is read into one buffer of exactly that
// size. It returns the body and the bytes reserved, which the caller frees
// once nothing refers to the body; on error nothing stays reserved.
func (l *limiter) readBody(body io.Reader, contentLength, limit int64) ([]byte, int64, error) {
	if contentLength > limit {
		return nil, 0, errTooLarge
	}
	if contentLength >= 0 {
		if !l.reserve(contentLength) {
			return nil, 0, errThrottled
		}
		buf := make([]byte, contentLength)
		if _, err := io.ReadFull(body, buf); err != nil {
			l.free(contentLength)
			return nil, 0, err
		}
		return buf, contentLength, nil
	}
	var buf []byte
	var reserved int64
	fail := func(err error) ([]byte, int64, error) {
		l.free(reserved)
		return nil, 0, err
	}
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) == limit {
				// Full at the limit: the body may end here, or be too large.
				var one [1]byte
				n, err := io.ReadFull(body, one[:])
				if n > 0 {
					return fail(errTooLarge)
				}
				if err == io.EOF {
					break
				}
				return fail(err)
			}
			grow := min(max(int64(cap(buf)), firstChunk), limit-int64(cap(buf)))
			if !l.reserve(grow) {
				return fail(errThrottled)
			}
			reserved += grow
			next := make([]byte, len(buf), int64(cap(buf))+grow)
			copy(next, buf)
			buf = next
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
	}
	return buf, reserved, nil
}
