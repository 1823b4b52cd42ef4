package local

import (
	"errors"
	"io"
	"sync/atomic"
)

// limiter bounds what the endpoint holds for requests at once: request
// slots, and the bytes of request bodies buffered in memory. Both are
// taken without waiting: a request that finds them spent is answered at
// once with the service's throttling error, which SDKs retry with backoff,
// rather than queued, so a flood costs neither memory nor goroutines
// piling up behind a lock.
type limiter struct {
	slots, maxSlots int64
	bytes, maxBytes int64
}

func newLimiter(maxSlots, maxBytes int64) *limiter {
	return &limiter{maxSlots: maxSlots, maxBytes: maxBytes}
}

// enter takes a request slot, or reports that none is free.
func (l *limiter) enter() bool { return take(&l.slots, 1, l.maxSlots) }

// leave gives back a slot taken by enter.
func (l *limiter) leave() { atomic.AddInt64(&l.slots, -1) }

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
