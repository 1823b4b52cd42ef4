package consume_test

import (
	"testing"
	"time"

	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
)

// TestExactWithinATinyReadBuffer reads 4 shards with room for one page at a
// time (every page is larger than the bound, so each is read alone, the
// other shards waiting): the counts are exact, and once the consumer has
// stopped every page's buffer is back.
func TestExactWithinATinyReadBuffer(t *testing.T) {
	forEachRetrievalInParallel(t, func(t *testing.T, r consume.Retrieval) {
		v := newEnv(t, r, 4, endpointtest.Options{})
		v.put(endpointtest.Load{Events: 20000, MalformedRate: 0.01, AggregateEvery: 7, AggregateSize: 25, Seed: 3})
		want, _ := v.expected()
		o := v.options()
		o.ReadBufferBytes = 1
		c := v.runUntilCaughtUp(o)
		v.assertExact(want)
		assertPagesBack(t, c)
	})
}

// assertPagesBack checks that every page's buffer is back once c stopped
// (a subscription's reader may still be finishing the event it was reading
// when it was closed: its page comes back then).
func assertPagesBack(t *testing.T, c *consume.Consumer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for consume.PagesHeld(c) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes of pages held after the run", consume.PagesHeld(c))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
