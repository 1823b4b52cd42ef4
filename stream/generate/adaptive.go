package generate

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// adaptiveLimit paces sends once Kinesis starts throttling. Without it every
// sender would retry rejected entries as fast as its backoff allows, and most
// requests would carry entries bound to be rejected again.
//
// It starts unlimited. When a response reports throttling, the limit drops to
// a little above the rate Kinesis has been accepting (never below a fraction
// of the previous limit), which keeps the shards' allowances used up, so
// throughput stays at the limit, while few entries are rejected. While no
// throttling is seen the limit grows again, so added capacity (more shards,
// a quieter neighbour) is found.
type adaptiveLimit struct {
	lim   *rate.Limiter
	burst int // one full request, in units

	mu           sync.Mutex
	accepted     int64         // units accepted so far
	history      []acceptPoint // (time, accepted) after each response, for the accepted rate
	lastThrottle time.Time
	lastChange   time.Time
}

type acceptPoint struct {
	at       time.Time
	accepted int64
}

const (
	adaptHeadroom  = 1.1                    // limit = accepted rate x headroom on throttling
	adaptMaxCut    = 0.7                    // one cut keeps at least this fraction of the limit
	adaptGrowth    = 1.1                    // growth per adaptStep without throttling
	adaptStep      = 200 * time.Millisecond // least time between two changes
	adaptQuiet     = 500 * time.Millisecond // no throttling for this long before growing
	adaptWindow    = time.Second            // accepted rate measured over about this long
	adaptMinLimit  = 100.0                  // never below this many units/s: a tenth of one shard
	adaptUnlimitAt = 1e7                    // above this the limit is lifted
)

// newAdaptiveLimit allows bursts of one full request (burst units): once
// limited, sends are paced rather than let through in a heap.
func newAdaptiveLimit(burst int) *adaptiveLimit {
	return &adaptiveLimit{lim: rate.NewLimiter(rate.Inf, burst), burst: burst}
}

// wait blocks until units may be sent.
func (a *adaptiveLimit) wait(ctx context.Context, units int) error {
	return a.lim.WaitN(ctx, min(units, a.burst))
}

// limit is the current limit in units per second; 0 when unlimited.
func (a *adaptiveLimit) limit() float64 {
	l := a.lim.Limit()
	if l == rate.Inf {
		return 0
	}
	return float64(l)
}

// observe takes one response: how many units Kinesis accepted and whether
// any entry was throttled.
func (a *adaptiveLimit) observe(now time.Time, accepted int, throttled bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.accepted += int64(accepted)
	a.history = append(a.history, acceptPoint{at: now, accepted: a.accepted})
	// Keep one point at least adaptWindow old as the base of the rate.
	for len(a.history) > 2 && now.Sub(a.history[1].at) >= adaptWindow {
		a.history = a.history[1:]
	}
	if throttled {
		a.lastThrottle = now
	}
	if now.Sub(a.lastChange) < adaptStep {
		return
	}
	current := a.lim.Limit()
	switch {
	case throttled:
		accepted, ok := a.acceptedRate(now)
		if !ok && current == rate.Inf {
			// Throttled within the first moments: what was accepted so far
			// is about one second of the shards' burst allowance, unless
			// answers arrived out of order; a full request per second is
			// the least to start from.
			accepted, ok = math.Max(float64(a.accepted), float64(a.burst)), true
		}
		target := accepted * adaptHeadroom
		if current != rate.Inf {
			if !ok {
				target = float64(current) * adaptMaxCut
			}
			target = math.Min(target, float64(current)) // throttling never raises the limit
			target = math.Max(target, float64(current)*adaptMaxCut)
		}
		a.lim.SetLimitAt(now, rate.Limit(math.Max(target, adaptMinLimit)))
		a.lastChange = now
	case current != rate.Inf && now.Sub(a.lastThrottle) >= adaptQuiet:
		next := float64(current) * adaptGrowth
		if next > adaptUnlimitAt {
			a.lim.SetLimitAt(now, rate.Inf)
		} else {
			a.lim.SetLimitAt(now, rate.Limit(next))
		}
		a.lastChange = now
	}
}

// acceptedRate is units accepted per second since the oldest point kept;
// ok is false until that spans at least adaptStep.
func (a *adaptiveLimit) acceptedRate(now time.Time) (float64, bool) {
	base := a.history[0]
	span := now.Sub(base.at)
	if span < adaptStep {
		return 0, false
	}
	return float64(a.accepted-base.accepted) / span.Seconds(), true
}
