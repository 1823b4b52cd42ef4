package retry

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// warnEvery is how often one kind of work may log a new streak of failures
// at WARN; other streaks within it are logged at DEBUG.
const warnEvery = time.Minute

var warned sync.Map // what -> time.Time of its last WARN

// WarnNow reports whether a new streak of failures of what should be logged
// at WARN: at most once a minute for the same what, so an endpoint that
// fails now and then is a line a minute, not a line per failed request.
func WarnNow(what string) bool {
	now := time.Now()
	if last, ok := warned.Load(what); ok && now.Sub(last.(time.Time)) < warnEvery {
		return false
	}
	warned.Store(what, now)
	return true
}

// Policy is capped exponential backoff with jitter.
type Policy struct {
	First time.Duration // the first delay; 100ms when zero
	Max   time.Duration // the cap of a delay; 5s when zero
	// GiveUpAfter ends a streak of failures that lasted this long (at
	// start-up, where someone waits for an answer); zero never gives up.
	GiveUpAfter time.Duration
}

// The policies of spk's consumer.
var (
	// StartUp gives up after two minutes of failures, so a start that
	// cannot succeed says why instead of hanging.
	StartUp = Policy{First: 100 * time.Millisecond, Max: 5 * time.Second, GiveUpAfter: 2 * time.Minute}
	// Running retries until the work is cancelled: a running consumer
	// waits out an outage.
	Running = Policy{First: 100 * time.Millisecond, Max: 5 * time.Second}
)

func (p Policy) first() time.Duration {
	if p.First <= 0 {
		return 100 * time.Millisecond
	}
	return p.First
}

func (p Policy) max() time.Duration {
	if p.Max <= 0 {
		return 5 * time.Second
	}
	return p.Max
}

// Next is the delay after prev: First after none, then twice the last,
// capped at Max.
func (p Policy) Next(prev time.Duration) time.Duration {
	return min(max(2*prev, p.first()), p.max())
}

// Jitter spreads a delay over [d/2, d], so workers that failed together
// do not retry together, while every delay still grows.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d or until ctx ends, and returns ctx.Err() in that case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// GaveUpError is a streak of transient failures longer than the policy's
// GiveUpAfter.
type GaveUpError struct {
	What     string
	Attempts int
	Elapsed  time.Duration
	Err      error // the last failure
}

func (e *GaveUpError) Error() string {
	msg := fmt.Sprintf("%v; still failing after %d attempts over %v: the service is unavailable or overloaded, try again later",
		e.Err, e.Attempts, e.Elapsed.Round(time.Second))
	if e.What == "" { // the caller's own error names what was being done
		return msg
	}
	return e.What + ": " + msg
}

func (e *GaveUpError) Unwrap() error { return e.Err }

// Backoff follows one streak of failures of one piece of work: the delays
// grow, the first failure is logged at WARN and the others at DEBUG, and
// the end of a streak logged at WARN at INFO, so an outage is one line, not
// one per attempt (and WarnNow keeps frequent short streaks to a line a
// minute). The zero value with a Policy, Log and What is ready.
type Backoff struct {
	Policy Policy
	Log    *slog.Logger // nil: nothing is logged
	What   string       // what was being done, as "list shards of stream \"x\""

	failures int
	since    time.Time
	delay    time.Duration
	loud     bool // the streak was logged at WARN
}

// Failures is how many attempts in a row have failed.
func (b *Backoff) Failures() int { return b.failures }

// Wait notes a failure and sleeps before the next attempt. It returns
// ctx.Err() when ctx ended, or a *GaveUpError when the streak lasted longer
// than the policy allows; nil means try again.
func (b *Backoff) Wait(ctx context.Context, err error) error {
	if b.failures == 0 {
		b.since = time.Now()
	}
	b.failures++
	b.delay = b.Policy.Next(b.delay)
	if g := b.Policy.GiveUpAfter; g > 0 && time.Since(b.since) >= g {
		return &GaveUpError{What: b.What, Attempts: b.failures, Elapsed: time.Since(b.since), Err: err}
	}
	if b.Log != nil {
		level := slog.LevelDebug
		if b.failures == 1 && WarnNow(b.What) {
			level, b.loud = slog.LevelWarn, true
		}
		b.Log.Log(ctx, level, b.What+" failed; retrying", "err", err, "attempt", b.failures)
	}
	return Sleep(ctx, Jitter(b.delay))
}

// Succeeded ends the streak, logging how long it lasted when there was one.
func (b *Backoff) Succeeded() {
	if b.loud && b.Log != nil {
		b.Log.Info(b.What+" succeeded after retrying", "failures", b.failures, "after", time.Since(b.since).Round(time.Millisecond))
	}
	b.failures, b.delay, b.loud = 0, 0, false
}

// Do runs op until it succeeds, retrying transient errors (Transient) with
// the policy's backoff. Any other error is returned as op returned it; so
// is the last error when ctx ends during the streak (the caller tells a
// cancellation by its ctx). A streak longer than GiveUpAfter ends with a
// *GaveUpError.
func Do(ctx context.Context, p Policy, log *slog.Logger, what string, op func(context.Context) error) error {
	b := Backoff{Policy: p, Log: log, What: what}
	for {
		err := op(ctx)
		if err == nil {
			b.Succeeded()
			return nil
		}
		if ctx.Err() != nil || !Transient(err) {
			return err
		}
		if werr := b.Wait(ctx, err); werr != nil {
			if ctx.Err() != nil {
				return err
			}
			return werr
		}
	}
}
