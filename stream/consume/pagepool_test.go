package consume

import (
	"context"
	"errors"
	"testing"
)

// TestPagePoolKeepsToItsBudget hands out pages of the sizes a drain reads:
// what is handed out and kept stays within the budget, a page that does not
// fit waits until another comes back, and buffers are reused, not made anew
// for every page.
func TestPagePoolKeepsToItsBudget(t *testing.T) {
	const limit = 8 << 20
	p := newPagePool(limit)
	ctx := context.Background()
	made := 0
	var last *byte
	for i := range 100 {
		n := 4_000_000 + i%7*1000 // two fit by length, not with their slack
		a, err := p.get(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if &a[0] != last {
			made++
		}
		if p.held() > limit {
			t.Fatalf("page %d: %d bytes handed out, budget %d", i, p.held(), limit)
		}
		waitCtx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := p.get(waitCtx, n); !errors.Is(err, context.Canceled) {
			t.Fatalf("page %d: a second page was handed out beyond the budget (%v)", i, err)
		}
		p.put(a)
		last = &a[0]
		if p.held() != 0 || p.freed > limit {
			t.Fatalf("page %d: %d bytes held, %d kept after all came back", i, p.held(), p.freed)
		}
	}
	if made > 1 {
		t.Fatalf("%d buffers made for 100 pages of about the same size", made)
	}
	// A page larger than the budget is handed out alone.
	big, err := p.get(ctx, 2*limit)
	if err != nil || len(big) != 2*limit {
		t.Fatalf("a page larger than the budget: %d bytes, %v", len(big), err)
	}
	p.put(big)
	if p.held() != 0 {
		t.Fatalf("%d bytes held", p.held())
	}
}
