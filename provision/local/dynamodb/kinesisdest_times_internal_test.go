package dynamodb

import "testing"

// TestItemTimesGrowButStayNearTheClock: changes of one item in the same
// millisecond get times one apart, but a burst spk local takes faster than
// DynamoDB would (about 1000 writes a second for one item) does not run
// its times more than a second past the clock.
func TestItemTimesGrowButStayNearTheClock(t *testing.T) {
	var it itemTimes
	const micros = 1_764_000_000_000_000 // one instant for every change
	prev := int64(0)
	for i := range 5000 {
		at := it.next("t", "item", precisionMilli, micros)
		if i < 1000 && at <= prev {
			t.Fatalf("change %d at %d, not after %d", i, at, prev)
		}
		if at > micros/1000+1000 {
			t.Fatalf("change %d at %d, more than a second past the clock's %d", i, at, micros/1000)
		}
		prev = at
	}
	if at := it.next("t", "other", precisionMilli, micros); at != micros/1000 {
		t.Fatalf("another item's first change at %d, want the clock's %d", at, micros/1000)
	}
	if at := it.next("t", "item", precisionMicro, micros); at != micros {
		t.Fatalf("in microseconds the item's first change at %d, want %d", at, micros)
	}
}
