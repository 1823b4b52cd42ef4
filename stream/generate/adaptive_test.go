package generate

import (
	"testing"
	"time"
)

// simulate feeds the limit answers from a shard-like bucket of capacity
// units/s (burst one second), sending every 50ms at the current limit.
func simulate(a *adaptiveLimit, capacity float64, d time.Duration) (accepted float64) {
	start := time.Unix(1000, 0)
	tokens := capacity
	step := 50 * time.Millisecond
	for at := start; at.Sub(start) < d; at = at.Add(step) {
		tokens = min(capacity, tokens+capacity*step.Seconds())
		send := 5000.0 // unlimited: more than any bucket holds
		if l := a.limit(); l > 0 {
			send = l * step.Seconds()
		}
		ok := min(send, tokens)
		tokens -= ok
		a.observe(at, int(ok), ok < send)
		if at.Sub(start) >= d/2 {
			accepted += ok
		}
	}
	return accepted / (d / 2).Seconds()
}

func TestAdaptiveLimitFollowsCapacity(t *testing.T) {
	tests := []struct {
		name     string
		capacity float64
	}{
		{name: "one shard", capacity: 1000},
		{name: "four shards", capacity: 4000},
		{name: "aggregated KiB of one shard", capacity: 1024},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAdaptiveLimit(500)
			got := simulate(a, tc.capacity, 20*time.Second)
			if got < 0.97*tc.capacity {
				t.Errorf("accepted %.0f units/s of %.0f: the limit starves the shards", got, tc.capacity)
			}
			if l := a.limit(); l == 0 || l > 1.5*tc.capacity || l < 0.9*tc.capacity {
				t.Errorf("limit %.0f units/s, want near the capacity %.0f", l, tc.capacity)
			}
		})
	}
}

func TestAdaptiveLimitLiftsWithoutThrottling(t *testing.T) {
	a := newAdaptiveLimit(500)
	now := time.Unix(1000, 0)
	a.observe(now, 1000, false)
	a.observe(now.Add(300*time.Millisecond), 100, true) // first throttle: limited
	if a.limit() == 0 {
		t.Fatal("throttling did not set a limit")
	}
	for i := range 200 {
		a.observe(now.Add(time.Second+time.Duration(i)*200*time.Millisecond), 100, false)
	}
	if a.limit() != 0 {
		t.Errorf("limit %.0f after 40s without throttling, want lifted", a.limit())
	}
}
