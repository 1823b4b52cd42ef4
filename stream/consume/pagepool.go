package consume

import (
	"context"
	"sync"
)

// DefaultReadBufferBytes is how many bytes of pages, read and not yet
// counted, all the shards of a consumer hold at once
// (Options.ReadBufferBytes): GetRecords answers being counted and
// subscription events read ahead. It is what bounds the consumer's memory
// while it drains a backlog (a page is up to 10 MiB of data, an event up to
// 2 MiB, and there may be many shards). The buffers are reused, not left to
// the garbage collector, so they add little garbage; the collector's
// headroom (GOGC) still doubles them in the process's peak memory.
const DefaultReadBufferBytes = 8 << 20

// pagePool hands out the buffers pages are read into, holding the bytes in
// use to a budget: a shard that would exceed it waits until others hand
// theirs back. A page larger than the whole budget is let through alone.
type pagePool struct {
	limit int

	mu    sync.Mutex
	inUse int           // bytes handed out and not yet back
	free  [][]byte      // buffers back, for the next pages
	freed int           // their bytes
	wake  chan struct{} // closed when bytes come back
	pages []*rawPage    // pages given back, for their offsets' memory
}

// maxFreePages is how many pages' offsets (a few words per record) the pool
// keeps for reuse; the others go to the garbage collector.
const maxFreePages = 4

func newPagePool(limit int) *pagePool {
	return &pagePool{limit: limit, wake: make(chan struct{})}
}

// get returns a buffer of length n, waiting until the budget has room for it
// or ctx ends. What counts against the budget is the buffer's capacity, so
// that what is handed out and what the pool keeps stay within it together.
func (p *pagePool) get(ctx context.Context, n int) ([]byte, error) {
	for {
		p.mu.Lock()
		i, size := p.fit(n)
		if p.inUse == 0 || p.inUse+size <= p.limit {
			var b []byte
			if i >= 0 {
				b = p.free[i]
				p.free = append(p.free[:i], p.free[i+1:]...)
				p.freed -= cap(b)
			} else {
				// Drop free buffers (to the garbage collector) so that
				// what the pool holds stays within the budget.
				for len(p.free) > 0 && p.inUse+p.freed+size > p.limit {
					last := len(p.free) - 1
					p.freed -= cap(p.free[last])
					p.free[last] = nil
					p.free = p.free[:last]
				}
				b = make([]byte, size)
			}
			p.inUse += cap(b)
			p.mu.Unlock()
			return b[:n], nil
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// fit finds the smallest free buffer of at least n bytes (i is -1 when
// there is none) and the bytes the page will take: that buffer's capacity,
// or that of a new one. Called with p.mu held.
func (p *pagePool) fit(n int) (i, size int) {
	i, size = -1, withSlack(n)
	for j, b := range p.free {
		if cap(b) >= n && (i < 0 || cap(b) < cap(p.free[i])) {
			i, size = j, cap(b)
		}
	}
	return i, size
}

// put hands a buffer back; it must not be used after.
func (p *pagePool) put(b []byte) {
	if b == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inUse -= cap(b)
	if p.inUse+p.freed+cap(b) <= p.limit {
		p.free = append(p.free, b[:0])
		p.freed += cap(b)
	}
	close(p.wake)
	p.wake = make(chan struct{})
}

// page returns a page whose offsets' memory is free to reuse.
func (p *pagePool) page() *rawPage {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.pages); n > 0 {
		pg := p.pages[n-1]
		p.pages = p.pages[:n-1]
		return pg
	}
	return &rawPage{}
}

// recycle gives back pg's buffer, if any, and pg itself; neither must be
// used after.
func (p *pagePool) recycle(pg *rawPage) {
	p.put(pg.own)
	pg.buf, pg.own = nil, nil
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pages) < maxFreePages {
		p.pages = append(p.pages, pg)
	}
}

// held is the bytes handed out and not yet back.
func (p *pagePool) held() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inUse
}

// withSlack is a buffer size for n: a sixteenth more, so that pages a little
// larger than the last (a drain's pages differ by a few percent) do not each
// need a new buffer, and two 10 000-record pages of small records fit the
// default budget, so that two cores count at once.
func withSlack(n int) int { return n + n/16 }
