package consume

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision/ddbtable"
	"github.com/spk-cli/spk/stream/lease"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/view"
)

// Consumer reads a stream into the aggregate table. Create it with New.
type Consumer struct {
	opts   Options
	log    *slog.Logger
	leases *lease.Table
	// streamCreated tells this stream from an earlier one of its name
	// (checkLeasesAreOurs); the leases it creates record it. streamARN is
	// from the same description, for enhanced fan-out's registration.
	streamCreated time.Time
	streamARN     string
	coord         *lease.Coordinator
	fast          *fastView      // the tutorial's view, when configured, on its fast path
	generic       []*genericView // every other view
	timePath      view.Path
	picker        *view.Picker // the fields the generic views read from JSON records
	pickerNoTime  *view.Picker // the same without the time field
	metrics       *metrics.Metrics
	rejects       *rejectLog
	reading       chan struct{} // semaphore: pages being decoded and counted
	pages         *pagePool     // the buffers of pages read and not yet counted

	consumerARN string                                                                      // the registered stream consumer, with FanOut
	subscribe   func(context.Context, *kinesis.SubscribeToShardInput) (subscription, error) // subscribeToShard; replaced in tests
	renewAfter  time.Duration                                                               // subscriptionRenewAfter; shortened in tests

	mu         sync.Mutex
	shards     map[string]types.Shard
	readers    map[string]*reader
	stopping   bool
	synced     bool
	reachedTip bool // with UntilCaughtUp: every shard reached its tip and was flushed
	timedOut   bool // Duration ended the run
	wg         sync.WaitGroup
	stop       context.Context // ends when readers must stop and hand their leases back
	idled      chan struct{}   // a reader reached its shard's tip with nothing left to write

	abort  context.CancelFunc // stops the consumer after a permanent error
	failed error              // the first permanent error, which Run returns
}

// CaughtUp reports, after Run with UntilCaughtUp, whether the run ended
// because every shard was at its tip and flushed, rather than by its
// Duration or its context.
func (c *Consumer) CaughtUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reachedTip
}

// Failed is the permanent error the consumer stopped after, or nil.
func (c *Consumer) Failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed
}

// TimedOut reports, after Run, whether its Duration ended it, rather than
// its context (Ctrl-C, q in a dashboard), catching up or a failure.
func (c *Consumer) TimedOut() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timedOut
}

// New checks the options and prepares a consumer; nothing is contacted yet.
func New(opts Options) (*Consumer, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Consumer{
		opts:    opts,
		log:     opts.Logger.With("worker", opts.WorkerID),
		leases:  &lease.Table{DB: opts.DynamoDB, Name: opts.App, Failover: opts.Failover},
		metrics: metrics.New(opts.WorkerID),
		shards:  map[string]types.Shard{},
		readers: map[string]*reader{},
		reading: make(chan struct{}, opts.ReadConcurrency),
		pages:   newPagePool(opts.ReadBufferBytes),
		idled:   make(chan struct{}, 1),
	}
	c.timePath, _ = view.ParsePath(opts.TimeField)
	c.setupViews()
	c.metrics.Retrieval = string(opts.Retrieval)
	c.subscribe = c.subscribeToShard
	c.renewAfter = subscriptionRenewAfter
	c.coord = &lease.Coordinator{
		Table: c.leases, WorkerID: opts.WorkerID, Failover: opts.Failover, Clock: opts.Clock, Log: c.log,
		Events: lease.Events{Acquired: c.acquired, Lost: c.lost, Taken: func(string, string, bool) { c.metrics.LeaseTaken() }},
	}
	return c, nil
}

// Run is New followed by (*Consumer).Run.
func Run(ctx context.Context, opts Options) error {
	c, err := New(opts)
	if err != nil {
		return err
	}
	return c.Run(ctx)
}

// WorkerID is this worker's name in the lease table.
func (c *Consumer) WorkerID() string { return c.opts.WorkerID }

// Metrics gives access to the counters, snapshots and the Prometheus registry.
func (c *Consumer) Metrics() *metrics.Metrics { return c.metrics }

// Views returns the views the consumer computes, in their configured order.
func (c *Consumer) Views() []*view.View { return c.opts.Views }

// Snapshot is the current state, for dashboards.
func (c *Consumer) Snapshot() metrics.Snapshot { return c.metrics.Snapshot() }

// Run consumes until ctx ends, Duration passes or, with UntilCaughtUp, every
// shard is read to its tip. It then flushes, checkpoints and releases its
// leases, and returns nil. Transient errors (throttling, 5xx, broken
// connections) are retried with backoff, at start-up for up to
// retry.StartUp's two minutes and while running for as long as it takes.
// Run returns an error when it cannot start, or when a permanent error
// (refused credentials, the stream or a table deleted, an invalid request)
// ends it; it then still flushes and releases what it can.
// Run may be called once per Consumer.
func (c *Consumer) Run(ctx context.Context) error {
	dead, err := openDeadLetter(c.opts)
	if err != nil {
		return err
	}
	defer dead.Close()
	c.rejects = newRejectLog(c.log, c.metrics, dead)

	// Check the stream before creating any table, so a wrong name leaves
	// nothing behind.
	shards, err := c.listShards(ctx, retry.StartUp)
	if err != nil {
		return c.streamMissing(err)
	}
	// The lease table is read here, before anything is created, and again
	// by leaseShards once the tables are ready: other workers may have
	// made leases in between, and a child's start depends on its parents'.
	if err := c.checkLeasesAreOurs(ctx); err != nil {
		return err
	}
	if c.opts.Retrieval == FanOut {
		if c.consumerARN, err = c.registerFanOut(ctx); err != nil {
			return err
		}
	}
	// Every table's keys are checked before any is created, so a table
	// with other keys leaves nothing half-made.
	specs := []ddbtable.Spec{c.leases.Spec()}
	for _, t := range c.tables() {
		specs = append(specs, t.Spec())
	}
	if _, err := ddbtable.Ensure(ctx, c.opts.DynamoDB, specs, ddbtable.Options{Log: c.log}); err != nil {
		return err
	}
	if c.opts.MetricsAddr != "" {
		mctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		addr, err := c.metrics.Serve(mctx, c.opts.MetricsAddr)
		if err != nil {
			return err
		}
		c.log.Info("serving metrics", "url", "http://"+addr+"/metrics")
	}
	// The first leases come from the listing above: a shard made since
	// is found by the next sync, like any other.
	if err := c.leaseShards(ctx, retry.StartUp, shards); err != nil {
		return c.streamMissing(err)
	}

	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	c.mu.Lock()
	c.abort = stop
	c.mu.Unlock()
	if c.opts.Duration > 0 {
		var cancel context.CancelFunc
		stopCtx, cancel = context.WithTimeout(stopCtx, c.opts.Duration)
		defer cancel()
	}
	c.mu.Lock()
	c.stop = stopCtx
	c.mu.Unlock()

	// The coordinator outlives the readers so leases stay renewed while
	// readers flush and checkpoint during shutdown.
	coordCtx, stopCoord := context.WithCancel(context.Background())
	coordDone := make(chan struct{})
	go func() {
		defer close(coordDone)
		if err := c.coord.Run(coordCtx); err != nil && !c.leaseTableDeleted("scan", err) {
			c.fail(explain(fmt.Sprintf("scan the lease table %q", c.opts.App), err, leaseTableGone))
		}
	}()

	// Run waits for these too, so none of them lists shards, creates
	// leases or logs after it returned.
	var watchers sync.WaitGroup
	watchers.Go(func() { c.syncLoop(stopCtx) })
	if c.opts.UntilCaughtUp {
		watchers.Go(func() {
			if c.waitCaughtUp(stopCtx) {
				c.log.Info("every shard is at its tip and flushed; stopping")
				c.mu.Lock()
				c.reachedTip = true
				c.mu.Unlock()
				stop()
			}
		})
	}
	<-stopCtx.Done()

	c.mu.Lock()
	c.stopping = true
	// Duration's own deadline, not the caller's context or a stop.
	c.timedOut = errors.Is(stopCtx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	c.mu.Unlock()
	watchers.Wait()
	c.wg.Wait()
	stopCoord()
	<-coordDone
	// Leases taken while stopping are handed back too.
	for _, h := range c.coord.Held() {
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		h.Release(rctx)
		cancel()
	}
	rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.coord.ReleaseOrphans(rctx); err != nil && !c.leaseTableDeleted("release leases", err) {
		c.log.Warn("releasing leases taken while stopping failed; they expire after the failover time", "err", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed
}

// leaseTableGone is what a lease table deleted under the run means to the
// user.
const leaseTableGone = "the lease table does not exist any more (deleted while spk run was using it); restart spk run, which creates it again"

// leaseListFailed is a lease listing's or creation's failure: a deleted
// lease table is lost work, told however the run stops.
func leaseListFailed(what string, err error) error {
	if retry.NotFound(err) {
		return lostWork{explain(what, err, leaseTableGone)}
	}
	return explain(what, err, leaseTableGone)
}

// leaseTableDeleted ends the run with leaseTableGone when err says the
// lease table is gone, and reports whether it did: its checkpoints since
// are lost, which a run must not end in silence about.
func (c *Consumer) leaseTableDeleted(what string, err error) bool {
	if !retry.NotFound(err) {
		return false
	}
	c.fail(lostWork{explain(fmt.Sprintf("%s in lease table %q", what, c.opts.App), err, leaseTableGone)})
	return true
}

// lostWork is a failure that lost counted work (checkpoints), which a run
// stopped on request reports all the same.
type lostWork struct{ error }

func (e lostWork) Unwrap() error { return e.error }

// LostWork reports whether err, from Run, lost counted work: a run stopped
// on request (Ctrl-C), whose other errors are the stop's doing, still
// says so.
func LostWork(err error) bool {
	var lw lostWork
	return errors.As(err, &lw)
}

// fail ends the consumer after a permanent error: the readers stop, flush
// and checkpoint what they can, and Run returns err.
func (c *Consumer) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failed != nil {
		return
	}
	c.failed = err
	c.log.Error("stopping after an error that retrying cannot fix", "err", err)
	if c.abort != nil {
		c.abort()
	}
}

func (c *Consumer) acquired(h *lease.Handle) {
	r := newReader(c, h)
	c.mu.Lock()
	if c.stopping || c.stop == nil {
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.Release(ctx)
		return
	}
	c.readers[h.Key()] = r
	c.wg.Add(1)
	stop := c.stop
	c.mu.Unlock()
	c.metrics.Shard(h.Key(), func(s *metrics.ShardState) { s.Held, s.Owner = true, c.opts.WorkerID })
	go func() {
		defer c.wg.Done()
		r.run(stop)
		c.mu.Lock()
		if c.readers[h.Key()] == r {
			delete(c.readers, h.Key())
		}
		c.mu.Unlock()
		c.metrics.Shard(h.Key(), func(s *metrics.ShardState) { s.Held = false })
	}()
}

func (c *Consumer) lost(key string, err error) {
	c.metrics.LeaseLost()
	c.metrics.Shard(key, func(s *metrics.ShardState) { s.Held = false })
}

func (c *Consumer) syncLoop(ctx context.Context) {
	t := time.NewTicker(c.opts.ShardSyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := c.syncShards(ctx, retry.Running); err != nil && ctx.Err() == nil {
				var nf *types.ResourceNotFoundException
				switch {
				case errors.As(err, &nf) && c.streamDeleted(ctx):
					c.fail(c.streamGone())
					return
				case LostWork(err): // the lease table is gone
					c.fail(err)
					return
				case retry.Permanent(err) && !errors.As(err, &nf):
					c.fail(err)
					return
				}
				if retry.WarnNow("shard discovery") {
					c.log.Warn("shard discovery failed; will retry", "err", err)
				}
			}
			c.publishLeases()
		}
	}
}

// CheckLeases is checkLeasesAreOurs, for a caller that creates the tables
// itself (spk run does, through provision) and so must check first.
func (c *Consumer) CheckLeases(ctx context.Context) error { return c.checkLeasesAreOurs(ctx) }

// checkLeasesAreOurs refuses, before anything is created, a lease table
// that holds another stream's leases, or those of an earlier stream of
// this name: shard ids repeat from stream to stream, so its checkpoints (a
// sequence number, SHARD_END) would be taken for this stream's, and shards
// skipped or refused.
func (c *Consumer) checkLeasesAreOurs(ctx context.Context) error {
	// A stream deleted and created again has the same name and shard ids:
	// its creation time tells the old leases from the new stream's, and
	// the leases made here record it.
	if c.streamCreated.IsZero() {
		sum, err := c.describeStreamSummary(ctx)
		if err != nil {
			return err
		}
		c.streamCreated = aws.ToTime(sum.StreamDescriptionSummary.StreamCreationTimestamp)
		c.streamARN = aws.ToString(sum.StreamDescriptionSummary.StreamARN)
	}
	var leases []lease.Lease
	what := fmt.Sprintf("list leases in %q", c.opts.App)
	err := retry.Do(ctx, retry.StartUp, c.log, what, func(ctx context.Context) error {
		var err error
		leases, err = c.leases.List(ctx)
		return err
	})
	var nf *dtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return nil // created below
	}
	if err != nil {
		return err
	}
	for _, l := range leases {
		if l.Stream != "" && l.Stream != c.opts.Stream {
			return fmt.Errorf("lease table %q holds the leases of stream %q, not %q: choose another app name (--app) for %q, or delete that lease table if %q is done with", c.opts.App, l.Stream, c.opts.Stream, c.opts.Stream, l.Stream)
		}
	}
	for _, l := range leases {
		if l.Table != "" && l.Table != c.opts.Table {
			return retry.Refuse(fmt.Errorf("lease table %q counts stream %q into table %q, not %q: workers of one app writing other tables split its counts between them; use --table %s, or another app name (--app) to count the stream into %q from its start",
				c.opts.App, c.opts.Stream, l.Table, c.opts.Table, l.Table, c.opts.Table))
		}
		if l.Stream == c.opts.Stream && !l.StreamCreated.IsZero() && l.StreamCreated.UnixMilli() != c.streamCreated.UnixMilli() {
			return retry.Refuse(fmt.Errorf("lease table %q holds the leases of an earlier stream named %q (created %s, deleted since), whose checkpoints do not fit this one (created %s): delete the lease table (aws dynamodb delete-table --table-name %s) or choose another app name (--app)",
				c.opts.App, c.opts.Stream, l.StreamCreated.UTC().Format(time.RFC3339), c.streamCreated.UTC().Format(time.RFC3339), c.opts.App))
		}
	}
	return nil
}

// stampLegacy gives a lease an spk from before they were recorded made
// its stream, the stream's creation time and the app's table, once the
// start-up checks (CheckLeases) passed with it: they hold for it from then
// on. A failure is only logged: the lease works without them, as before.
func (c *Consumer) stampLegacy(ctx context.Context, l lease.Lease) {
	if l.Stream != "" && l.Stream != c.opts.Stream || c.streamCreated.IsZero() ||
		l.Stream != "" && !l.StreamCreated.IsZero() && l.Table != "" {
		return
	}
	if err := c.leases.Stamp(ctx, l.Key, c.opts.Stream, c.streamCreated, c.opts.Table); err != nil && ctx.Err() == nil {
		c.log.Warn("could not record the stream and table on a lease an earlier spk made; it works without them", "shard", l.Key, "err", err)
	}
}

// syncShards lists the stream's shards and creates a lease for each new one,
// parents first, retrying transient errors with the policy p. A child of a
// shard that already had a lease starts at TRIM_HORIZON so nothing after a
// reshard is missed.
func (c *Consumer) syncShards(ctx context.Context, p retry.Policy) error {
	shards, err := c.listShards(ctx, p)
	if err != nil {
		return err
	}
	return c.leaseShards(ctx, p, shards)
}

// leaseShards is syncShards with the shards already listed.
func (c *Consumer) leaseShards(ctx context.Context, p retry.Policy, shards []types.Shard) error {
	var leases []lease.Lease
	what := fmt.Sprintf("list leases in %q", c.opts.App)
	err := retry.Do(ctx, p, c.log, what, func(ctx context.Context) error {
		var err error
		leases, err = c.leases.List(ctx)
		return err
	})
	if err != nil {
		return leaseListFailed(what, err)
	}
	had := map[string]bool{}
	for _, l := range leases {
		had[l.Key] = true
		c.stampLegacy(ctx, l)
	}
	c.mu.Lock()
	for _, s := range shards {
		c.shards[aws.ToString(s.ShardId)] = s
	}
	c.synced = true
	c.mu.Unlock()
	created := false
	for _, s := range shards {
		id := aws.ToString(s.ShardId)
		if had[id] {
			continue
		}
		l := lease.Lease{Key: id, Checkpoint: string(c.opts.InitialPosition), Stream: c.opts.Stream, StreamCreated: c.streamCreated, Table: c.opts.Table}
		for _, p := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
			if p != nil && *p != "" {
				l.Parents = append(l.Parents, *p)
				if had[*p] {
					l.Checkpoint = lease.TrimHorizon
				}
			}
		}
		var ok bool
		what := "create lease " + id
		err := retry.Do(ctx, p, c.log, what, func(ctx context.Context) error {
			var err error
			ok, err = c.leases.Create(ctx, l)
			return err
		})
		if err != nil {
			return leaseListFailed(what, err)
		}
		created = created || ok
		if ok {
			c.log.Info("new shard", "shard", id, "parents", l.Parents, "start", l.Checkpoint)
		}
	}
	if created {
		c.coord.Nudge()
	}
	return nil
}

func (c *Consumer) listShards(ctx context.Context, p retry.Policy) ([]types.Shard, error) {
	var out []types.Shard
	in := &kinesis.ListShardsInput{StreamName: aws.String(c.opts.Stream)}
	what := fmt.Sprintf("list shards of stream %q", c.opts.Stream)
	for {
		var page *kinesis.ListShardsOutput
		err := retry.Do(ctx, p, c.log, what, func(ctx context.Context) error {
			var err error
			page, err = c.opts.Kinesis.ListShards(ctx, in)
			return err
		})
		if err != nil {
			// A missing stream stays an error of the SDK's type, for the
			// caller to explain: missing at start, or deleted meanwhile.
			return nil, explain(what, err, "")
		}
		out = append(out, page.Shards...)
		if page.NextToken == nil || *page.NextToken == "" {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: page.NextToken}
	}
	sort.Slice(out, func(i, j int) bool { return aws.ToString(out[i].ShardId) < aws.ToString(out[j].ShardId) })
	return out, nil
}

func (c *Consumer) shard(id string) (types.Shard, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.shards[id]
	return s, ok
}

// publishLeases copies lease owners into the metrics for dashboards.
func (c *Consumer) publishLeases() {
	for _, l := range c.coord.Leases() {
		c.metrics.Shard(l.Key, func(s *metrics.ShardState) {
			s.Owner, s.Finished = l.Owner, l.Finished()
			if !s.Held {
				s.Checkpoint = l.Checkpoint
			}
		})
	}
}

// waitCaughtUp returns true once every unfinished lease is caught up
// (caughtUp) and no new shard has appeared.
func (c *Consumer) waitCaughtUp(ctx context.Context) bool {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		case <-c.idled:
		}
		if !c.caughtUp(ctx) {
			continue
		}
		if err := c.syncShards(ctx, retry.Running); err != nil {
			continue
		}
		if c.caughtUp(ctx) {
			return true
		}
	}
}

// caughtUp reports whether every shard is read to its end, or held here
// and read to its tip with everything written, or held by another live
// worker: several workers draining a stream with --until-caught-up each
// stop once their own shards are done (one that stops hands its leases
// back, and the others take and finish them).
func (c *Consumer) caughtUp(ctx context.Context) bool {
	leases, err := c.leases.List(ctx)
	if err != nil || len(leases) == 0 {
		return false
	}
	elsewhere := c.coord.HeldElsewhere(leases)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.synced {
		return false
	}
	for _, l := range leases {
		if l.Finished() {
			continue
		}
		r := c.readers[l.Key]
		switch {
		case r != nil && r.idle():
		case r == nil && elsewhere[l.Key]:
		default:
			return false
		}
	}
	for id := range c.shards {
		found := false
		for _, l := range leases {
			found = found || l.Key == id
		}
		if !found {
			return false
		}
	}
	return true
}

// openDeadLetter returns the sink for rejected records (nil when none).
func openDeadLetter(o Options) (*deadLetter, error) {
	switch {
	case o.DeadLetter != nil:
		return &deadLetter{w: o.DeadLetter}, nil
	case o.DeadLetterPath != "":
		f, err := os.OpenFile(o.DeadLetterPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("open dead-letter file: %w; choose a writable path", err)
		}
		return &deadLetter{w: f, closer: f}, nil
	}
	return nil, nil
}

// readSlot waits for one of the ReadConcurrency slots in which a page is
// decoded and counted; release gives it back.
func (c *Consumer) readSlot(ctx context.Context) (release func(), err error) {
	select {
	case c.reading <- struct{}{}:
		return func() { <-c.reading }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Consumer) shardsSnapshot() map[string]types.Shard {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]types.Shard, len(c.shards))
	for k, v := range c.shards {
		out[k] = v
	}
	return out
}
