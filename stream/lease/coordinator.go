package lease

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/spk-cli/spk/internal/retry"
)

// DefaultFailover is how long a lease's counter must stay still before other
// workers consider it free.
const DefaultFailover = 10 * time.Second

// MinFailover is the shortest failover time a worker should be given.
// Leases are renewed every third of it (RenewInterval), and a failed
// renewal is retried for two thirds of it (writeBound) before the lease is
// given up. At 3 s that is a renewal a second, and 2 s for a failed one's
// retries (retry.Running waits up to 100 ms, then 200, 400 and 800), which an
// endpoint answering in a few hundred milliseconds still fits; the lease
// scan gets half of it. Shorter, a worker gives up its own leases to its
// timeouts, over and over.
const MinFailover = 3 * time.Second

// Clock gives the time used to judge expiry. Only differences between two
// readings of the same clock are used, so time.Now's monotonic reading is
// what matters; clocks of different machines are never compared.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the real, monotonic clock.
var SystemClock Clock = systemClock{}

// Events receives lease changes. Calls come from the coordinator's goroutine
// and must not block for long.
type Events struct {
	Acquired func(*Handle)               // a lease was taken; process it until h.Context() ends
	Lost     func(key string, err error) // a lease was lost (taken by another worker or renewal failed)
	Taken    func(key, from string, steal bool)
}

// Coordinator holds, renews, takes and balances leases for one worker.
type Coordinator struct {
	Table    *Table
	WorkerID string
	Failover time.Duration
	Clock    Clock
	Log      *slog.Logger
	Events   Events

	wake chan struct{}

	mu   sync.Mutex
	held map[string]*Handle
	seen map[string]observation
	// dropped is, for each lease this process gave up unreleased, the
	// highest counter its own writes may have left in the table (the last
	// written, or one more after a failed write that may have been
	// applied): a scan that finds no more is not a twin's doing.
	dropped  map[string]int64
	snapshot []Lease
	twinSaid bool // the warning about another process with this worker id was given
}

type observation struct {
	counter int64
	owner   string
	since   time.Time // when this counter value was first seen, on the observer's clock
	// written: the lease changed while this worker watched (a renewal or
	// a take), so its owner was alive at since; a lease only seen once
	// may be a dead worker's.
	written bool
}

func (c *Coordinator) init() {
	if c.held == nil {
		c.held = map[string]*Handle{}
		c.seen = map[string]observation{}
		c.dropped = map[string]int64{}
		c.wake = make(chan struct{}, 1)
	}
	if c.Failover <= 0 {
		c.Failover = DefaultFailover
	}
	if c.Clock == nil {
		c.Clock = SystemClock
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// RenewInterval is how often held leases are renewed.
func (c *Coordinator) RenewInterval() time.Duration { return c.Failover / 3 }

// writeBound is how long one lease write may retry: two thirds of the
// failover time, after which a lease that could not be renewed is given up
// anyway. A slow endpoint's single call must fit in it too.
func (c *Coordinator) writeBound() time.Duration { return c.Failover * 2 / 3 }

// holds reports whether this process holds the lease; c.mu is held.
func (c *Coordinator) holds(key string) bool {
	h, ok := c.held[key]
	return ok && h.ctx.Err() == nil
}

// expiry is how long a lease may go unwritten before this worker takes it
// as expired: its own failover time, or the owner's if that is longer (a
// worker renews every third of its own).
func (c *Coordinator) expiry(l Lease) time.Duration { return max(c.Failover, l.Failover) }

// TakeInterval is how often the table is scanned for leases to take.
func (c *Coordinator) TakeInterval() time.Duration { return c.Failover / 2 }

// Run renews and takes leases until ctx ends. Renewal runs on its own
// schedule so a slow scan or slow processing never delays it. Transient
// errors are retried; Run returns early only for a permanent one (the lease
// table deleted, the credentials refused), which ends the worker.
func (c *Coordinator) Run(ctx context.Context) error {
	c.mu.Lock()
	c.init()
	wake := c.wake
	c.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(1)
	renewCtx, stopRenewing := context.WithCancel(ctx)
	go func() {
		defer wg.Done()
		ctx := renewCtx
		t := time.NewTicker(c.RenewInterval())
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				c.RenewOnce(ctx)
			}
		}
	}()
	defer wg.Wait()
	defer stopRenewing() // before wg.Wait, when a permanent error ends Run
	t := time.NewTicker(c.TakeInterval())
	defer t.Stop()
	failing := false
	for {
		err := c.TakeOnce(ctx)
		switch {
		case ctx.Err() != nil:
		case retry.Permanent(err):
			// The table is gone or the credentials refused: no lease can
			// be renewed any more, so the worker must stop.
			return err
		case err != nil:
			if !failing && retry.WarnNow("lease scan") {
				c.Log.Warn("lease scan failed; retrying", "table", c.Table.Name, "err", err)
			}
			failing = true
		case failing:
			c.Log.Info("lease scan works again", "table", c.Table.Name)
			failing = false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-wake:
		}
	}
}

// Nudge asks Run for a scan now, for example because new leases were created.
func (c *Coordinator) Nudge() {
	c.mu.Lock()
	c.init()
	wake := c.wake
	c.mu.Unlock()
	select {
	case wake <- struct{}{}:
	default:
	}
}

// Held returns the handles of the leases this worker holds.
func (c *Coordinator) Held() []*Handle {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*Handle, 0, len(c.held))
	for _, h := range c.held {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// Leases returns the lease table as of the last scan.
func (c *Coordinator) Leases() []Lease {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Lease(nil), c.snapshot...)
}

// HeldElsewhere returns which of leases another worker holds and renews:
// owned by another worker that this one has seen write the lease within
// the failover time. A lease not watched long enough to tell (a worker
// just started, the owner perhaps dead) is not among them.
func (c *Coordinator) HeldElsewhere(leases []Lease) map[string]bool {
	now := c.Clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]bool{}
	for _, l := range leases {
		o, ok := c.seen[l.Key]
		if l.Owner == "" || l.Owner == c.WorkerID || !ok || o.owner != l.Owner {
			continue
		}
		// A counter the last scan had not seen yet is a renewal since.
		if o.counter != l.Counter || o.written && now.Sub(o.since) < c.expiry(l) {
			out[l.Key] = true
		}
	}
	return out
}

// RenewOnce renews every held lease. A lease whose renewal is refused is lost
// at once; one that could not be renewed for two thirds of the failover time
// is given up, since other workers may consider it expired soon.
func (c *Coordinator) RenewOnce(ctx context.Context) {
	for _, h := range c.Held() {
		err := h.renew(ctx)
		switch {
		case err == nil:
		case errors.Is(err, ErrLeaseLost):
			c.drop(h, err)
		case ctx.Err() != nil:
			return
		default:
			if c.Clock.Now().Sub(h.lastRenewed()) >= c.Failover*2/3 {
				c.drop(h, err)
			} else if !retry.NotFound(err) && retry.WarnNow("renew lease "+h.key) { // a deleted table ends the run with the scan's line
				c.Log.Warn("lease renewal failed; will retry", "shard", h.key, "err", err)
			}
		}
	}
}

func (c *Coordinator) drop(h *Handle, err error) {
	c.mu.Lock()
	wasHeld := c.held[h.key] == h
	if wasHeld {
		delete(c.held, h.key)
	}
	c.mu.Unlock()
	h.cancel()
	if !wasHeld {
		return
	}
	// After the cancel no write starts; Lease waits for one in flight.
	mine := h.Lease().Counter + 1
	c.mu.Lock()
	c.dropped[h.key] = mine
	c.mu.Unlock()
	c.Log.Info("lease lost", "shard", h.key, "err", err)
	if c.Events.Lost != nil {
		c.Events.Lost(h.key, err)
	}
}

// TakeOnce scans the table, notes which leases' counters moved, and takes
// free or expired leases, then steals from overloaded workers, up to this
// worker's fair share.
func (c *Coordinator) TakeOnce(ctx context.Context) error {
	c.mu.Lock()
	c.init()
	// The leases held as the scan starts: one let go of while it runs
	// (finished, released) is in it under this worker's id, written by
	// this process.
	heldAtScan := make(map[string]bool, len(c.held))
	for k := range c.held {
		heldAtScan[k] = c.holds(k)
	}
	c.mu.Unlock()
	var leases []Lease
	lctx, cancel := context.WithTimeout(ctx, c.TakeInterval())
	err := retry.Do(lctx, retry.Running, c.Log, "list leases in "+c.Table.Name, func(ctx context.Context) error {
		var err error
		leases, err = c.Table.List(ctx)
		return err
	})
	cancel()
	if err != nil {
		return err
	}
	now := c.Clock.Now()

	c.mu.Lock()
	c.init()
	c.snapshot = leases
	present := map[string]bool{}
	for _, l := range leases {
		present[l.Key] = true
		o, ok := c.seen[l.Key]
		if ok && !c.twinSaid && l.Owner == c.WorkerID && o.owner == c.WorkerID && o.counter != l.Counter && !heldAtScan[l.Key] && !c.holds(l.Key) &&
			l.Counter > c.dropped[l.Key] {
			// Someone writes, under this worker's id, a lease this process
			// does not hold: two live processes share the id and will take
			// the leases from each other for as long as both run. (A
			// restarted worker's old leases are not written meanwhile, and
			// a lease this process gave up, its renewals failing while the
			// endpoint was away, was last written by this process.)
			c.twinSaid = true
			c.Log.Warn("another process runs with this worker id and takes its leases: give each worker its own --worker-id", "shard", l.Key)
		}
		if !ok || o.counter != l.Counter || o.owner != l.Owner {
			c.seen[l.Key] = observation{counter: l.Counter, owner: l.Owner, since: now, written: ok}
		}
	}
	for k := range c.seen {
		if !present[k] {
			delete(c.seen, k)
		}
	}
	for k := range c.dropped {
		if !present[k] {
			delete(c.dropped, k)
		}
	}
	var free []Lease
	load := map[string][]Lease{} // live owner -> its unfinished leases
	active, mine := 0, 0
	for _, l := range leases {
		if l.Finished() {
			continue
		}
		active++
		if h, ok := c.held[l.Key]; ok && h.ctx.Err() == nil {
			mine++
			continue
		}
		if l.Owner == "" || now.Sub(c.seen[l.Key].since) >= c.expiry(l) || l.Owner == c.WorkerID {
			free = append(free, l)
			continue
		}
		load[l.Owner] = append(load[l.Owner], l)
	}
	c.mu.Unlock()

	workers := len(load) + 1
	if _, ok := load[c.WorkerID]; ok {
		workers--
	}
	target := (active + workers - 1) / workers
	need := target - mine
	if need <= 0 {
		return nil
	}
	var picks []pick
	for _, l := range free {
		if len(picks) == need {
			break
		}
		picks = append(picks, pick{l, false})
	}
	if len(picks) < need {
		picks = append(picks, stealPlan(load, target, mine+len(picks), need-len(picks))...)
	}
	for _, p := range picks {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.take(ctx, p.lease, p.steal)
	}
	return nil
}

type pick struct {
	lease Lease
	steal bool
}

// stealPlan chooses leases to steal from the most loaded workers: from any
// worker above the target, and one from a worker at the target while this
// worker is more than one below it, so shares end within one of each other.
func stealPlan(load map[string][]Lease, target, have, need int) []pick {
	owners := make([]string, 0, len(load))
	for o := range load {
		owners = append(owners, o)
	}
	sort.Slice(owners, func(i, j int) bool {
		if len(load[owners[i]]) != len(load[owners[j]]) {
			return len(load[owners[i]]) > len(load[owners[j]])
		}
		return owners[i] < owners[j]
	})
	var out []pick
	for _, o := range owners {
		ls := load[o]
		give := len(ls) - target
		if give <= 0 && len(ls) == target && have+len(out) < target-1 {
			give = 1
		}
		for i := 0; i < give && len(out) < need; i++ {
			out = append(out, pick{ls[len(ls)-1-i], true})
		}
		if len(out) == need {
			break
		}
	}
	return out
}

func (c *Coordinator) take(ctx context.Context, l Lease, steal bool) {
	var counter int64
	tctx, cancel := context.WithTimeout(ctx, c.writeBound())
	err := retry.Do(tctx, retry.Running, c.Log, "take lease "+l.Key, func(ctx context.Context) error {
		// An attempt runs to its answer even when the worker stops: a
		// take cancelled in flight could still be applied after the stop
		// looked for leases to hand back, and stay owned until it expired.
		// Retries still end with ctx.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.writeBound())
		defer cancel()
		var err error
		counter, err = c.Table.Take(actx, l.Key, l.Counter, c.WorkerID)
		return err
	})
	cancel()
	if err != nil {
		if !errors.Is(err, ErrLeaseLost) && ctx.Err() == nil && retry.WarnNow("take lease "+l.Key) {
			c.Log.Warn("lease take failed; the next scan tries again", "shard", l.Key, "err", err)
		}
		return
	}
	l.Counter = counter
	from := l.Owner
	l.Owner = c.WorkerID
	h := newHandle(c, l)
	c.mu.Lock()
	c.held[l.Key] = h
	c.seen[l.Key] = observation{counter: counter, owner: c.WorkerID, since: c.Clock.Now()}
	c.mu.Unlock()
	c.Log.Info("lease taken", "shard", l.Key, "from", from, "steal", steal)
	if c.Events.Taken != nil {
		c.Events.Taken(l.Key, from, steal)
	}
	if c.Events.Acquired != nil {
		c.Events.Acquired(h)
	}
}

// Handle is a lease this worker holds. Its context ends the moment the lease
// is lost or released; every write through it is fenced by the counter.
type Handle struct {
	c      *Coordinator
	key    string
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // serialises writes so renewals and checkpoints do not fence each other
	lease   Lease
	renewed time.Time
}

func newHandle(c *Coordinator, l Lease) *Handle {
	ctx, cancel := context.WithCancel(context.Background())
	return &Handle{c: c, key: l.Key, ctx: ctx, cancel: cancel, lease: l, renewed: c.Clock.Now()}
}

// Key is the shard id.
func (h *Handle) Key() string { return h.key }

// Context ends when the lease is lost or released.
func (h *Handle) Context() context.Context { return h.ctx }

// Lease returns the lease as this worker last wrote it.
func (h *Handle) Lease() Lease {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lease
}

func (h *Handle) lastRenewed() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.renewed
}

// write applies one fenced write, retrying transient errors for at most
// writeBound (so a checkpoint never holds back a renewal for long) or until
// ctx ends. A retry after an ambiguous failure is recognised by the
// table (see Table.update), so it cannot pass for a lost lease.
func (h *Handle) write(ctx context.Context, what string, f func(ctx context.Context, counter int64) (int64, error)) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.ctx.Err(); err != nil {
		return ErrLeaseLost
	}
	ctx, cancel := context.WithTimeout(ctx, h.c.writeBound())
	defer cancel()
	var counter int64
	err := retry.Do(ctx, retry.Running, h.c.Log, what+" lease "+h.key, func(ctx context.Context) error {
		var err error
		counter, err = f(ctx, h.lease.Counter)
		return err
	})
	if err != nil {
		return err
	}
	h.lease.Counter = counter
	h.renewed = h.c.Clock.Now()
	return nil
}

func (h *Handle) renew(ctx context.Context) error {
	return h.write(ctx, "renew", func(ctx context.Context, n int64) (int64, error) { return h.c.Table.Renew(ctx, h.key, n, h.c.WorkerID) })
}

// Checkpoint records that every record up to sequence number seq (and its
// sub-record sub) was counted. A refused write means the lease was lost; the
// handle's context is then cancelled.
func (h *Handle) Checkpoint(ctx context.Context, seq string, sub int64) error {
	err := h.write(ctx, "checkpoint", func(ctx context.Context, n int64) (int64, error) {
		return h.c.Table.Checkpoint(ctx, h.key, n, h.c.WorkerID, seq, sub)
	})
	if err == nil {
		h.mu.Lock()
		h.lease.Checkpoint, h.lease.SubSequence, h.lease.OwnerSwitches, h.lease.AtTimestamp = seq, sub, 0, time.Time{}
		h.mu.Unlock()
	} else if errors.Is(err, ErrLeaseLost) {
		h.c.drop(h, err)
	}
	return err
}

// Pin records that reading starts at the time at (see Table.Pin).
func (h *Handle) Pin(ctx context.Context, at time.Time) error {
	err := h.write(ctx, "pin the start", func(ctx context.Context, n int64) (int64, error) {
		return h.c.Table.Pin(ctx, h.key, n, h.c.WorkerID, at)
	})
	if err == nil {
		h.mu.Lock()
		h.lease.Checkpoint, h.lease.AtTimestamp, h.lease.SubSequence, h.lease.OwnerSwitches = AtTimestamp, time.UnixMilli(at.UnixMilli()), 0, 0
		h.mu.Unlock()
	} else if errors.Is(err, ErrLeaseLost) {
		h.c.drop(h, err)
	}
	return err
}

// Finish checkpoints SHARD_END with the shard's children and gives the lease up.
func (h *Handle) Finish(ctx context.Context, children []string) error {
	err := h.write(ctx, "finish", func(ctx context.Context, n int64) (int64, error) {
		return h.c.Table.Finish(ctx, h.key, n, h.c.WorkerID, children)
	})
	h.c.forget(h)
	if errors.Is(err, ErrLeaseLost) && h.c.Events.Lost != nil {
		h.c.Events.Lost(h.key, err)
	}
	return err
}

// Release frees the lease (owner cleared) so another worker takes it at once.
func (h *Handle) Release(ctx context.Context) error {
	err := h.write(ctx, "release", func(ctx context.Context, n int64) (int64, error) {
		return h.c.Table.Release(ctx, h.key, n, h.c.WorkerID)
	})
	h.c.forget(h)
	return err
}

// ReleaseOrphans frees every lease the table says this worker owns but it
// holds no handle for. A take whose request was cancelled in flight may
// still have been applied; after Run has stopped, this hands such leases
// back so a graceful stop leaves nothing owned. Each release is fenced by
// the counter just read, so a lease another worker took since is untouched.
func (c *Coordinator) ReleaseOrphans(ctx context.Context) error {
	var leases []Lease
	err := retry.Do(ctx, retry.Running, c.Log, "list leases in "+c.Table.Name, func(ctx context.Context) error {
		var err error
		leases, err = c.Table.List(ctx)
		return err
	})
	if err != nil {
		return err
	}
	c.mu.Lock()
	held := make(map[string]bool, len(c.held))
	for k := range c.held {
		held[k] = true
	}
	c.mu.Unlock()
	var errs []error
	for _, l := range leases {
		if l.Owner != c.WorkerID || held[l.Key] {
			continue
		}
		err := retry.Do(ctx, retry.Running, c.Log, "release lease "+l.Key, func(ctx context.Context) error {
			_, err := c.Table.Release(ctx, l.Key, l.Counter, c.WorkerID)
			return err
		})
		if err != nil && !errors.Is(err, ErrLeaseLost) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Coordinator) forget(h *Handle) {
	c.mu.Lock()
	if c.held[h.key] == h {
		delete(c.held, h.key)
	}
	c.mu.Unlock()
	h.cancel()
}
