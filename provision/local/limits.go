package local

import (
	"context"
	"errors"
	"io"
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
type limiter struct {
	slots           chan struct{}
	slotWait        time.Duration
	waiting         atomic.Int64
	bytes, maxBytes int64
}

func newLimiter(maxSlots, maxBytes int64, slotWait time.Duration) *limiter {
	return &limiter{slots: make(chan struct{}, maxSlots), slotWait: slotWait, maxBytes: maxBytes}
}

// enter takes a request slot, waiting up to slotWait for one while ctx
// lasts, or reports that none came free.
func (l *limiter) enter(ctx context.Context) bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
	}
	if l.slotWait <= 0 {
		return false
	}
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	t := time.NewTimer(l.slotWait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// leave gives back a slot taken by enter.
func (l *limiter) leave() { <-l.slots }

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
