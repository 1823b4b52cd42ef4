package consume

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/kpl"
	"github.com/spk-cli/spk/stream/lease"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/sink"
	"github.com/spk-cli/spk/stream/view"
)

const (
	getRecordsLimit  = 10000
	getRecordsPerSec = 5 // the Kinesis per-shard read limit
	// maxBatchRecords bounds a batch: it keeps every record's position
	// (and, for views other than the tutorial's, its projection) until the
	// flush, so memory, not writes, is the limit.
	maxBatchRecords   = 10000
	parentPollEvery   = 500 * time.Millisecond
	shutdownTimeout   = 30 * time.Second
	releaseTimeout    = 5 * time.Second
	firstRetryBackoff = 100 * time.Millisecond // fanout's stream consumer wait starts with it
)

// reader processes one leased shard: it reads records in order, counts them
// into a batch, flushes the batch, and checkpoints what was flushed.
type reader struct {
	c     *Consumer
	h     *lease.Handle
	shard string

	lo, hi *big.Int // the shard's hash key range, when known

	skip    sink.Position     // records at or before it were counted before this lease was taken
	pinned  time.Time         // where a LATEST start was pinned (pinStart), if it was
	last    sink.Position     // last record read (counted or rejected)
	flushed sink.Position     // last record whose count is in the table
	saved   sink.Position     // last record checkpointed
	batch   *sink.Batch       // the fast view's rows
	views   []*sink.ViewBatch // the generic views' rows, one batch per view
	pending int               // records kept by some view since the last flush
	started time.Time         // when the batch got its first record
	// newest is, per view (the fast one last), the newest window seen, for
	// AllowedLateness.
	newest   []time.Time
	arrival  time.Time         // the record being added's ApproximateArrivalTimestamp (zero: unknown)
	keys     []bucket.Key      // reused for each record's rows
	picked   view.Picked       // reused for each record's fields
	keyCache []view.KeyCache   // per generic view
	start    bucket.StartCache // the fast view's last window start
	atTip    atomic.Bool
}

func newReader(c *Consumer, h *lease.Handle) *reader {
	r := &reader{c: c, h: h, shard: h.Key(), batch: sink.NewBatch(h.Key()), newest: make([]time.Time, len(c.generic)+1), keyCache: make([]view.KeyCache, len(c.generic))}
	r.newBatches()
	r.setRange()
	return r
}

// setRange takes the shard's hash key range from the shards listed last,
// for the KPL aggregates' check; it reports whether the shard was listed.
func (r *reader) setRange() bool {
	s, ok := r.c.shard(r.shard)
	if ok && s.HashKeyRange != nil {
		lo, ok1 := new(big.Int).SetString(aws.ToString(s.HashKeyRange.StartingHashKey), 10)
		hi, ok2 := new(big.Int).SetString(aws.ToString(s.HashKeyRange.EndingHashKey), 10)
		if ok1 && ok2 {
			r.lo, r.hi = lo, hi
		}
	}
	return ok
}

// learnRange lists the shards when this one's range is unknown: a child
// shard whose lease another worker made, taken before this worker listed
// it. Read without its range, a KPL aggregate of records hashing outside
// it (a producer's stale shard map) would be counted, and the copies the
// producer sends to the right shards counted again.
func (r *reader) learnRange(ctx context.Context) error {
	if r.lo != nil || r.setRange() {
		return nil
	}
	if err := r.c.syncShards(ctx, retry.Running); err != nil {
		return err
	}
	if !r.setRange() {
		// Past its retention period, most likely: reading it says so.
		r.c.log.Debug("the shard is not listed; KPL aggregates in it are counted without checking their records' hash keys", "shard", r.shard)
	}
	return nil
}

func (r *reader) newBatches() {
	r.batch = sink.NewBatch(r.shard)
	if r.views == nil {
		r.views = make([]*sink.ViewBatch, len(r.c.generic))
		for i, g := range r.c.generic {
			r.views[i] = sink.NewViewBatch(r.shard, g.v)
		}
	}
	for _, b := range r.views {
		b.Reset() // written: its memory serves the next batch
	}
	r.pending = 0
}

// idle reports whether the reader is at the tip of its shard with nothing
// left to write.
func (r *reader) idle() bool { return r.atTip.Load() }

// run reads until the lease is lost (stop at once, write nothing more) or
// stop ends (flush, checkpoint, release).
func (r *reader) run(stop context.Context) {
	ctx, cancel := context.WithCancel(r.h.Context())
	defer cancel()
	unhook := context.AfterFunc(stop, cancel)
	defer unhook()

	finished, err := r.read(ctx)
	if finished {
		// Finish gave the lease up, which ends its context: not a loss.
		if err != nil && ctx.Err() == nil {
			r.c.log.Warn("recording the shard's end failed; it is read again once its lease expires", "shard", r.shard, "err", err)
		}
		return
	}
	if r.h.Context().Err() != nil {
		r.c.log.Info("stopped reading a shard whose lease was lost", "shard", r.shard)
		return
	}
	if err != nil && stop.Err() == nil {
		r.c.log.Error("shard reader failed", "shard", r.shard, "err", err)
	}
	// Graceful stop: write what was read, save the position, hand the lease back.
	sctx, scancel := context.WithTimeout(context.WithoutCancel(r.h.Context()), shutdownTimeout)
	defer scancel()
	if r.flush(sctx) == nil {
		r.checkpoint(sctx)
		if r.flushed.Compare(r.saved) > 0 && r.h.Context().Err() == nil && r.c.Failed() == nil {
			// The periodic checkpoint's failures are retried; this one is
			// the last.
			r.c.log.Warn("the last checkpoint was not saved; the next run reads again from the one before (the counts stay exact)", "shard", r.shard)
		}
	}
	// The lease is handed back even when a flush stuck on failing writes
	// used up the stop's time: a release of its own.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(r.h.Context()), releaseTimeout)
	defer rcancel()
	switch err := r.h.Release(rctx); {
	case errors.Is(err, lease.ErrLeaseLost):
		// Another worker holds it already: nothing to hand back or expire.
		r.c.log.Info("the lease was taken by another worker before the stop; nothing to release", "shard", r.shard)
	case r.c.leaseTableDeleted("release "+r.shard, err):
		// Nothing is left to hand back or to expire; the run ends saying
		// the table is gone.
	case err != nil:
		r.c.log.Warn("lease release failed; it will expire instead", "shard", r.shard, "err", err)
	}
}

// start is where a source begins reading a shard.
type start struct {
	typ types.ShardIteratorType // TRIM_HORIZON, LATEST, AT_TIMESTAMP or AT_SEQUENCE_NUMBER
	seq string
	at  time.Time // with AT_TIMESTAMP
}

// latestPinMargin is how far before its own clock's now a worker starting
// at LATEST pins the start for whoever takes the lease over (see pinStart):
// a successor replays at most that much more, which the watermarks make
// harmless, rather than miss records to a clock ahead of the service's.
const latestPinMargin = time.Second

func (r *reader) startFrom(l lease.Lease) start {
	switch l.Checkpoint {
	case lease.TrimHorizon, "":
		return start{typ: types.ShardIteratorTypeTrimHorizon}
	case lease.Latest:
		return start{typ: types.ShardIteratorTypeLatest}
	case lease.AtTimestamp:
		at := l.AtTimestamp
		if at.IsZero() {
			at = r.c.opts.Timestamp
		}
		return start{typ: types.ShardIteratorTypeAtTimestamp, at: at}
	}
	// Resume at the checkpointed record and skip it and its sub-records up to
	// the checkpointed one: that works for plain and aggregated records alike.
	r.skip = sink.Position{Seq: l.Checkpoint, Sub: l.SubSequence}
	r.flushed, r.saved = r.skip, r.skip
	return start{typ: types.ShardIteratorTypeAtSequenceNumber, seq: l.Checkpoint}
}

// source delivers one shard's records in order and without gaps, from a
// start position, whatever the way they are fetched: GetRecords (polling)
// or SubscribeToShard (fanout). Everything else — counting, batching,
// flushing, checkpointing, the shard's end — is the reader's and the same
// for both.
type source interface {
	// next waits for the next page of records and hands each to add, in
	// order, while holding one of the consumer's read slots. It retries
	// throttling and errors itself, with backoff, and returns an error only
	// once ctx ends.
	next(ctx context.Context, add func(*types.Record)) (page, error)
	// close releases what the source holds (a subscription).
	close()
}

// page says what one read brought.
type page struct {
	records int   // records handed to add
	behind  int64 // MillisBehindLatest
	tip     bool  // nothing more to read at the moment
	end     bool  // the shard is closed and every record was delivered
}

func (r *reader) newSource(first start) source {
	if r.c.opts.Retrieval == FanOut {
		return newFanout(r, first)
	}
	return newPolling(r, first)
}

// errShardExpired ends a shard's reading as at its end (see expired).
var errShardExpired = errors.New("the shard is gone from its stream")

// expired reports whether err, met reading this shard, says the shard is
// gone while its stream stays: on AWS a closed shard whose records have all
// passed the retention period disappears from the stream. Its lease is then
// finished as at its end, as the Kinesis Client Library does, so that its
// children are read; the records it still held for this reader were past
// retention, and cannot be counted.
func (r *reader) expired(ctx context.Context, err error) bool {
	if !retry.NotFound(err) || r.c.streamDeleted(ctx) {
		return false
	}
	shards, lerr := r.c.listShards(ctx, retry.Running)
	if lerr != nil {
		return false
	}
	for _, s := range shards {
		if aws.ToString(s.ShardId) == r.shard {
			return false // there still: a fan-out consumer being registered again, say
		}
	}
	r.c.log.Warn("the shard is gone from the stream, past its retention period: records of it not read yet cannot be counted; its children are read next", "shard", r.shard, "read up to", r.last.String())
	return true
}

// wait sleeps a jittered, growing delay after an error of what and returns
// the delay to pass next time (prev is the last one, zero after a success).
// The first error of a streak is logged at WARN (at most once a minute for
// the same work), the others at DEBUG. A permanent error (see
// Consumer.permanent) ends the consumer instead: ctx then ends and wait
// returns at once.
func (r *reader) wait(ctx context.Context, prev time.Duration, what string, err error) time.Duration {
	if r.c.permanent(ctx, what+" of shard "+r.shard, err, !strings.HasPrefix(what, "write rows")) {
		return prev
	}
	next := retry.Running.Next(prev)
	var throttled *types.ProvisionedThroughputExceededException
	var inUse *types.ResourceInUseException
	switch {
	case errors.As(err, &throttled):
		// Sharing a shard's read limit: expected, and backed off.
	case errors.As(err, &inUse):
		// A subscription renewed within 5 seconds of the last one: expected.
		r.c.log.Debug(what+" refused while the last one is in use; retrying", "shard", r.shard, "err", err, "in", next)
	case prev == 0 && retry.WarnNow(what+" "+r.shard):
		r.c.log.Warn(what+" failed; retrying", "shard", r.shard, "err", err, "in", next)
	default:
		r.c.log.Debug(what+" failed; retrying", "shard", r.shard, "err", err, "in", next)
	}
	retry.Sleep(ctx, retry.Jitter(next))
	return next
}

// pinStart records, before a LATEST lease is read, the time it starts
// from: the lease's checkpoint becomes AT_TIMESTAMP. Until its first
// checkpoint a LATEST lease would otherwise say LATEST still, and a worker
// taking it over (this one killed, or the lease balanced away) would start
// at the tip of that later moment: the records put in between would never
// be counted. This worker itself reads from LATEST, the exact tip.
func (r *reader) pinStart(ctx context.Context) error {
	at := time.Now().Add(-latestPinMargin)
	if err := r.h.Pin(ctx, at); err != nil {
		return fmt.Errorf("pin the start of lease %s: %w", r.shard, err)
	}
	r.pinned = at
	return nil
}

func (r *reader) parentsFinished(ctx context.Context) bool {
	l := r.h.Lease()
	all := map[string]lease.Lease{}
	for _, p := range l.Parents {
		pl, ok, err := r.c.leases.Get(ctx, p)
		if err != nil {
			return false
		}
		if ok {
			all[p] = pl
		}
	}
	return lease.ParentsFinished(l, all)
}

// read processes the shard until it ends (finished true) or ctx ends.
func (r *reader) read(ctx context.Context) (finished bool, err error) {
	for !r.parentsFinished(ctx) {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(parentPollEvery):
		}
	}
	if err := r.learnRange(ctx); err != nil {
		return false, err
	}
	first := r.startFrom(r.h.Lease())
	if first.typ == types.ShardIteratorTypeLatest {
		if err := r.pinStart(ctx); err != nil {
			return false, err
		}
	}
	src := r.newSource(first)
	defer src.close()
	lastCheckpoint := time.Now()
	for {
		got, err := src.next(ctx, r.add)
		if err != nil {
			return false, err
		}
		behind := got.behind
		nearTip := time.Duration(behind)*time.Millisecond < r.c.opts.FlushInterval
		if r.pending > 0 && (got.end || nearTip || r.pending >= maxBatchRecords || time.Since(r.started) >= r.c.opts.FlushInterval) {
			if err := r.flush(ctx); err != nil {
				return false, err
			}
		}
		if r.pending == 0 {
			r.flushed = r.last
		}
		flushed := r.flushed
		r.c.metrics.Shard(r.shard, func(s *metrics.ShardState) { s.MillisBehind, s.Counted = behind, flushed })
		idle := got.tip && r.pending == 0
		if idle && !r.atTip.Swap(idle) {
			// Until caught up, this may be the last shard to get there.
			select {
			case r.c.idled <- struct{}{}:
			default:
			}
		}
		r.atTip.Store(idle)
		if got.end {
			return true, r.finish(ctx)
		}
		if time.Since(lastCheckpoint) >= r.c.opts.CheckpointInterval {
			r.checkpoint(ctx)
			lastCheckpoint = time.Now()
		}
	}
}

// add counts one Kinesis record, unpacking a KPL aggregate.
func (r *reader) add(rec *types.Record) {
	seq := aws.ToString(rec.SequenceNumber)
	r.arrival = aws.ToTime(rec.ApproximateArrivalTimestamp)
	if !kpl.IsAggregated(rec.Data) {
		if bytes.HasPrefix(rec.Data, kpl.Magic) && (sink.Position{Seq: seq}).Compare(r.skip) > 0 {
			// Read as one plain record, as the KCL reads it; said here
			// because its rejection alone would not say it was an aggregate.
			r.c.log.Warn("a record starts as a KPL aggregate but its MD5 digest does not match (corrupted or truncated); read as one plain record, as the KCL does",
				"shard", r.shard, "sequence", seq, "bytes", len(rec.Data))
		}
		r.addOne(sink.Position{Seq: seq}, rec.Data)
		return
	}
	subs, _, err := kpl.Deaggregate(rec.Data)
	if err != nil {
		p := sink.Position{Seq: seq}
		if p.Compare(r.skip) > 0 {
			r.c.metrics.RecordsIn(1)
			r.c.rejects.reject(r.shard, p, "", bucket.BadAggregate, err.Error(), rec.Data)
			r.last = p
		}
		return
	}
	if outside := r.outsideRange(subs); outside > 0 {
		// As the KCL does, the whole aggregate is dropped: a producer that
		// routed it with a stale shard map (the KPL after a reshard) sends
		// every record of it again, each to its own shard, so counting the
		// records that do hash here would count them twice.
		p := sink.Position{Seq: seq, Sub: int64(len(subs) - 1)}
		if p.Compare(r.skip) > 0 {
			r.c.metrics.Misrouted()
			r.c.log.Warn("a KPL aggregate holds records of another shard's hash range; not counted here, as the KCL does (a KPL producer sends them again to their shards)",
				"shard", r.shard, "sequence", seq, "records", len(subs), "outside", outside)
			r.last = p
		}
		return
	}
	for i, sub := range subs {
		r.addOne(sink.Position{Seq: seq, Sub: int64(i)}, sub.Data)
	}
}

// outsideRange is how many of an aggregate's records hash outside the
// shard's range.
func (r *reader) outsideRange(subs []kpl.Record) int {
	n := 0
	for _, sub := range subs {
		if !r.inRange(sub) {
			n++
		}
	}
	return n
}

func (r *reader) inRange(sub kpl.Record) bool {
	if r.lo == nil {
		return true
	}
	k, err := kpl.HashKey(sub.PartitionKey, sub.ExplicitHashKey)
	if err != nil {
		// An explicit hash key that is no number in 0..2^128-1 hashes
		// into no shard's range: the KCL drops its aggregate too.
		return false
	}
	return k.Cmp(r.lo) >= 0 && k.Cmp(r.hi) <= 0
}

func (r *reader) addOne(p sink.Position, data []byte) {
	if p.Compare(r.skip) <= 0 {
		return
	}
	c := r.c
	c.metrics.RecordsIn(1)
	r.last = p
	kept := false
	var known time.Time // the event time, when the fast path read it
	if f := c.fast; f != nil {
		k, t, err := f.bucketer.KeyTimeCached(data, &r.start)
		known = t
		var rej *bucket.RejectError
		switch {
		case errors.As(err, &rej):
			if recordLevel(rej.Reason) {
				// Every view would refuse it alike: one rejection.
				c.rejects.reject(r.shard, p, "", rej.Reason, rej.Detail, data)
				return
			}
			c.rejects.reject(r.shard, p, c.viewName(f.v), rej.Reason, rej.Detail, data)
		case c.late(&r.newest[len(c.generic)], t, f.bucketer.Size, r.arrival):
			c.rejects.late(r.shard, p, c.viewName(f.v), t, data)
		default:
			r.batch.Add(k, p)
			kept = true
		}
	}
	if len(c.generic) > 0 {
		kept = r.addViews(p, data, c.fast != nil, known) || kept
	}
	if kept {
		if r.pending == 0 {
			r.started = time.Now()
		}
		r.pending++
	}
}

// addViews offers one record to every generic view; a view that cannot use
// it rejects it for itself, and the others still count it. valid says the
// fast path already found the record to be valid JSON, and known is the
// event time it read, if any.
func (r *reader) addViews(p sink.Position, data []byte, valid bool, known time.Time) bool {
	c := r.c
	ev, t, rej := c.decode(data, valid, known, &r.picked)
	if rej != nil {
		c.rejects.reject(r.shard, p, "", rej.Reason, rej.Detail, data)
		return false
	}
	kept := false
	for i, g := range c.generic {
		if !g.v.Match(ev) {
			continue
		}
		keys, err := g.v.KeysCached(r.keys[:0], ev, t, &r.keyCache[i])
		r.keys = keys
		if err != nil {
			var rej *bucket.RejectError
			if errors.As(err, &rej) {
				c.rejects.reject(r.shard, p, c.viewName(g.v), rej.Reason, rej.Detail, data)
			}
			continue
		}
		if c.late(&r.newest[i], t, g.step, r.arrival) {
			c.rejects.late(r.shard, p, c.viewName(g.v), t, data)
			continue
		}
		// A value that is not a number is refused before any row has the
		// record (all its metrics or none).
		if err := r.views[i].Add(keys, p, ev); err != nil {
			var me *view.MetricError
			if errors.As(err, &me) {
				c.rejects.reject(r.shard, p, c.viewName(g.v), me.Reject().Reason, me.Error(), data)
			}
			continue
		}
		kept = true
	}
	return kept
}

// flush writes every view's batch, retrying each until it is written or ctx
// ends. Writing the same records again is harmless: the watermarks make it
// a no-op.
func (r *reader) flush(ctx context.Context) error {
	if r.pending == 0 {
		r.flushed = r.last
		return nil
	}
	t0 := time.Now()
	var (
		mu        sync.Mutex
		rows      []metrics.BucketCount // the rows of views that report them (the dashboard's)
		written   int                   // rows written to any table
		conflicts int
		firstErr  error
		wg        sync.WaitGroup
	)
	write := func(table *sink.Table, report bool, viewName string, apply func() (sink.Result, error)) {
		defer wg.Done()
		var backoff time.Duration
		// An attempt that fails has written some rows, which the next one
		// leaves out: what every attempt wrote is reported.
		var done sink.Result
		// keep adds the rows written to those reported; the caller holds mu.
		// Rows are in the table whether or not the flush then succeeds.
		keep := func() {
			written += len(done.Rows)
			if report {
				for _, u := range done.Rows {
					rows = append(rows, metrics.BucketCount{Start: u.Key.Start, Group: u.Key.Group, Count: u.Total, UpdatedAt: u.Updated})
				}
			}
		}
		for {
			res, err := apply()
			done.Conflicts += res.Conflicts
			done.Rows = append(done.Rows, res.Rows...)
			for _, ref := range res.Refused {
				// Records a stored sum could not take, found at the write:
				// in none of the view's metrics, as if refused on reading.
				r.c.rejects.reject(r.shard, ref.Position, viewName, view.NotNumber, ref.Detail, nil)
			}
			if err == nil {
				mu.Lock()
				defer mu.Unlock()
				conflicts += done.Conflicts
				keep()
				return
			}
			if ctx.Err() != nil || retry.Permanent(err) {
				mu.Lock()
				defer mu.Unlock()
				keep()
				if firstErr == nil {
					firstErr = err
				}
				if ctx.Err() != nil {
					firstErr = ctx.Err()
				}
				if ctx.Err() == nil {
					r.c.permanent(ctx, "write rows of "+table.Name, err, false)
				}
				return
			}
			backoff = r.wait(ctx, backoff, "write rows of "+table.Name, err)
		}
	}
	if f := r.c.fast; f != nil && r.batch.Records() > 0 {
		wg.Add(1)
		go write(f.table, f.report, r.c.viewName(f.v), func() (sink.Result, error) { return f.table.Apply(ctx, r.batch) })
	}
	for i, g := range r.c.generic {
		if b := r.views[i]; b.Records() > 0 {
			wg.Add(1)
			go write(g.table, g.report, r.c.viewName(g.v), func() (sink.Result, error) { return g.table.ApplyView(ctx, b) })
		}
	}
	wg.Wait()
	if firstErr != nil {
		r.c.metrics.Written(rows)
		return firstErr
	}
	r.c.metrics.Flushed(time.Since(t0), conflicts, written, rows)
	r.newBatches()
	r.flushed = r.last
	return nil
}

// checkpoint saves the position of the last flushed record.
func (r *reader) checkpoint(ctx context.Context) {
	if r.flushed.IsZero() || r.flushed.Compare(r.saved) <= 0 {
		return
	}
	if err := r.h.Checkpoint(ctx, r.flushed.Seq, r.flushed.Sub); err != nil {
		// A lost lease is the coordinator's news; a deleted lease table
		// ends the run, saying so; one cut by the stop is made again by
		// the stop's own checkpoint.
		if !errors.Is(err, lease.ErrLeaseLost) && !r.c.leaseTableDeleted("checkpoint "+r.shard, err) && ctx.Err() == nil {
			r.c.log.Warn("checkpoint failed; will retry", "shard", r.shard, "err", err)
		}
		return
	}
	r.saved = r.flushed
	r.c.metrics.Shard(r.shard, func(s *metrics.ShardState) { s.Checkpoint = r.saved.String() })
}

// finish records SHARD_END once everything is flushed, after making sure the
// children have leases, and gives the lease up.
func (r *reader) finish(ctx context.Context) error {
	if err := r.c.syncShards(ctx, retry.Running); err != nil && ctx.Err() == nil {
		r.c.log.Warn("shard discovery after a shard end failed; the periodic one will retry", "shard", r.shard, "err", err)
	}
	var children []string
	for id, s := range r.c.shardsSnapshot() {
		if aws.ToString(s.ParentShardId) == r.shard || aws.ToString(s.AdjacentParentShardId) == r.shard {
			children = append(children, id)
		}
	}
	if err := r.h.Finish(ctx, children); err != nil {
		return err
	}
	r.c.log.Info("shard finished", "shard", r.shard, "children", children)
	r.c.metrics.Shard(r.shard, func(s *metrics.ShardState) { s.Finished, s.Checkpoint = true, lease.ShardEnd })
	r.c.coord.Nudge()
	return nil
}
