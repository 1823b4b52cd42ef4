package generate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"golang.org/x/time/rate"
)

// KinesisAPI is the part of the Kinesis client the producer uses;
// *kinesis.Client satisfies it.
type KinesisAPI interface {
	PutRecords(ctx context.Context, in *kinesis.PutRecordsInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordsOutput, error)
	PutRecord(ctx context.Context, in *kinesis.PutRecordInput, optFns ...func(*kinesis.Options)) (*kinesis.PutRecordOutput, error)
	ListShards(ctx context.Context, in *kinesis.ListShardsInput, optFns ...func(*kinesis.Options)) (*kinesis.ListShardsOutput, error)
}

// Producer generates events and writes them to one stream. Create it with
// New, start it with Run; Snapshot, Subscribe, Pause, Resume and SetRate may
// be called from other goroutines while it runs.
type Producer struct {
	client KinesisAPI
	opts   Options
	gen    *Generator
	stats  *stats
	rate   *rate.Limiter
	adapt  *adaptiveLimit // nil with NoAdapt; set by Run under mu

	mu       sync.Mutex
	paused   bool
	resumeCh chan struct{} // closed on Resume
	started  time.Time
	ended    time.Time
	done     bool
	doneCh   chan struct{}
	fatal    error // a terminal error: nothing more can be sent
	// failingSince is when requests began to fail with nothing answered
	// since, in Unix nanoseconds; 0 while they are answered. Failures going
	// on for StallTimeout end the run.
	failingSince atomic.Int64
	lastAnswered atomic.Int64          // when a request was last answered, in Unix nanoseconds
	lastFailure  atomic.Pointer[error] // the last request failure other than a stall's cut, since the last answer
	echo         io.Writer
	echoMu       sync.Mutex

	refreshShards chan struct{} // aggregated records landed on an unexpected shard
	released      chan struct{} // an event was acknowledged or failed: the generator may go on (see waitBacklog)
	requestBytes  int           // bytes per request, at most MaxRequestBytes

	jitterMu sync.Mutex
	jitter   *rand.Rand
}

// OptionsError is a problem with the options or the template, found before
// anything is sent: a usage error.
type OptionsError struct{ Err error }

func (e *OptionsError) Error() string { return e.Err.Error() }
func (e *OptionsError) Unwrap() error { return e.Err }

// New checks the options, loads the template and returns a producer ready to
// Run. Problems with them are an *OptionsError. It is Prepare, then
// Prepared.Producer.
func New(client KinesisAPI, opts Options) (*Producer, error) {
	pr, err := Prepare(opts)
	if err != nil {
		return nil, err
	}
	return pr.Producer(client), nil
}

// Producer makes the producer the prepared options describe. A Prepared
// makes one producer: the generator (its random source, its sequence) is
// that producer's.
func (pr Prepared) Producer(client KinesisAPI) *Producer {
	p := &Producer{
		client:        client,
		opts:          pr.opts,
		gen:           pr.gen,
		stats:         newStats(),
		doneCh:        make(chan struct{}),
		refreshShards: make(chan struct{}, 1),
		released:      make(chan struct{}, 1),
		jitter:        rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
	p.rate = rate.NewLimiter(rate.Inf, 1)
	p.SetRate(pr.opts.Rate)
	return p
}

// EchoTo makes the producer write "Event sent to Kinesis: {...}" to w for
// every acknowledged event (what --print does). Call it before Run.
func (p *Producer) EchoTo(w io.Writer) { p.echo = w }

// SetRate changes the target rate in events per second; 0 or less means
// unlimited. It takes effect at once, also during Run.
func (p *Producer) SetRate(eventsPerSecond float64) {
	if eventsPerSecond <= 0 || math.IsInf(eventsPerSecond, 1) {
		p.rate.SetLimit(rate.Inf)
		return
	}
	// A burst of about 20ms keeps the pace smooth without a timer per event.
	p.rate.SetBurst(max(1, int(eventsPerSecond/50)))
	p.rate.SetLimit(rate.Limit(eventsPerSecond))
}

// Rate is the current target rate; 0 means unlimited.
func (p *Producer) Rate() float64 {
	l := p.rate.Limit()
	if l == rate.Inf {
		return 0
	}
	return float64(l)
}

// Pause stops generating events; records already generated are still sent.
func (p *Producer) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.paused {
		p.paused = true
		p.resumeCh = make(chan struct{})
	}
}

// Resume continues generating after Pause.
func (p *Producer) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		p.paused = false
		close(p.resumeCh)
	}
}

// Paused reports whether generation is paused.
func (p *Producer) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// waitResumed blocks while paused.
func (p *Producer) waitResumed(ctx context.Context) error {
	p.mu.Lock()
	paused, ch := p.paused, p.resumeCh
	p.mu.Unlock()
	if !paused {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Producer) setFatal(err error) {
	p.mu.Lock()
	if p.fatal == nil {
		p.fatal = err
	}
	p.mu.Unlock()
}

func (p *Producer) fatalErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fatal
}

// record is one Kinesis record on its way: one event, or many aggregated.
type record struct {
	pk, ehk string
	data    []byte
	events  []*Event
	shard   string // predicted shard of an aggregated record
	sent    bool   // included in a request at least once
	errs    int    // rejections with an error other than throttling
}

func (r *record) size() int { return len(r.data) + len(r.pk) }

// Run generates and sends events until Count or Duration is reached or ctx
// is cancelled. On cancellation it stops generating, keeps retrying what was
// already generated for up to DrainTimeout, and counts whatever is left as
// failed. It returns the final summary; the error is a *NotAcknowledgedError
// when any event was not acknowledged, or the terminal error that stopped
// the run (such as a missing stream). Run may be called once.
func (p *Producer) Run(ctx context.Context) (Summary, error) {
	p.mu.Lock()
	if !p.started.IsZero() {
		p.mu.Unlock()
		return Summary{}, errors.New("generate: Run called twice on one producer")
	}
	p.started = time.Now()
	p.mu.Unlock()

	// genCtx stops generation; sendCtx stops sending, DrainTimeout after ctx ends.
	genCtx, stopGen := context.WithCancel(ctx)
	defer stopGen()
	if p.opts.Duration > 0 {
		var cancel context.CancelFunc
		genCtx, cancel = context.WithTimeout(genCtx, p.opts.Duration)
		defer cancel()
	}
	sendCtx, stopSend := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSend()
	drainWatch := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(p.opts.DrainTimeout, stopSend)
		context.AfterFunc(sendCtx, func() { t.Stop() })
	})
	defer drainWatch()

	sampleDone := make(chan struct{})
	go p.sampleRate(sampleDone)

	var shards *shardMap
	if p.opts.Aggregate {
		var err error
		shards, err = p.listShards(ctx)
		if err != nil {
			close(sampleDone)
			p.finish()
			return p.Snapshot(), err
		}
	}

	// Small buffers: what waits in them is in flight, and after a
	// cancellation it must still be sent within DrainTimeout.
	events := make(chan *Event, p.opts.Batch)
	records := make(chan *record, p.opts.Batch*p.opts.Concurrency)
	p.requestBytes = MaxRequestBytes
	if p.opts.Aggregate {
		// An aggregated record holds hundreds of events; keep about a
		// second's worth of the shards' 1 MiB/s in each request.
		records = make(chan *record, p.opts.Concurrency)
		p.requestBytes = min(MaxRequestBytes, max(len(shards.ids)<<20/4, 2*p.opts.AggregateMaxSize))
	}
	if !p.opts.NoAdapt {
		burst := p.opts.Batch
		if p.opts.Aggregate {
			burst = p.requestBytes / 1024
		}
		p.mu.Lock() // Snapshot reads it; the senders start after this
		p.adapt = newAdaptiveLimit(burst)
		p.mu.Unlock()
	}
	var wg sync.WaitGroup
	var genErr error
	wg.Go(func() { genErr = p.generate(genCtx, events) })
	if p.opts.Aggregate {
		wg.Go(func() { p.aggregate(sendCtx, events, records, shards) })
	} else {
		wg.Go(func() {
			defer close(records)
			for ev := range events {
				records <- &record{pk: ev.PartitionKey, data: ev.Data, events: []*Event{ev}}
			}
		})
	}
	for range p.opts.Concurrency {
		wg.Go(func() { p.send(sendCtx, records, stopGen) })
	}
	wg.Wait()
	close(sampleDone)
	p.finish()

	sum := p.Snapshot()
	if err := p.fatalErr(); err != nil {
		return sum, err
	}
	if genErr != nil {
		return sum, genErr
	}
	if sum.Failed > 0 || sum.Pending > 0 {
		return sum, &NotAcknowledgedError{Summary: sum}
	}
	return sum, nil
}

func (p *Producer) finish() {
	p.mu.Lock()
	p.ended, p.done = time.Now(), true
	p.mu.Unlock()
	close(p.doneCh)
}

func (p *Producer) sampleRate(done <-chan struct{}) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	p.stats.sample(time.Now())
	for {
		select {
		case <-done:
			return
		case now := <-t.C:
			p.stats.sample(now)
		}
	}
}

// generate renders events at the target rate into out until Count is
// reached or ctx ends. A template error stops the run.
func (p *Producer) generate(ctx context.Context, out chan<- *Event) error {
	defer close(out)
	var size int64 // bytes generated, for the average event size
	for n := int64(0); p.opts.Count == 0 || n < p.opts.Count; n++ {
		if err := p.waitResumed(ctx); err != nil {
			return nil
		}
		if n > 0 {
			if err := p.waitBacklog(ctx, float64(size)/float64(n)); err != nil {
				return nil
			}
		}
		if err := p.rate.Wait(ctx); err != nil {
			// Cancelled or Duration reached; or the next event is due after
			// the deadline, which rate.Wait says at once: --duration is
			// wall time, so the run lasts until the deadline all the same.
			<-ctx.Done()
			return nil
		}
		ev, err := p.gen.Next()
		if err != nil {
			// The events rendered before it are still sent: the senders
			// drain what was handed over, and the run ends with this.
			return fmt.Errorf("generate events: %w", err)
		}
		// Counted before the hand-over so nothing is acknowledged uncounted.
		p.countGenerated(ev, 1)
		size += int64(len(ev.Data) + len(ev.PartitionKey))
		select {
		case out <- ev:
		case <-ctx.Done():
			p.countGenerated(ev, -1) // rendered but never handed over: not part of this run
			return nil
		}
	}
	return nil
}

// waitBacklog blocks while the events generated and not yet acknowledged or
// failed reach backlogCap. They are what is still sent after --duration or
// Ctrl-C, and on a throttling stream the buffers alone hold seconds of them.
// avgSize is the average event size so far, in bytes.
func (p *Producer) waitBacklog(ctx context.Context, avgSize float64) error {
	for {
		// Acknowledged and failed first: they only grow, so pending is
		// never underestimated.
		ended := p.stats.acked.Load() + p.stats.failed.Load()
		if p.stats.generated.Load()-ended < p.backlogCap(avgSize) {
			return nil
		}
		select {
		case <-p.released:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// backlogCap is how many events may be generated and not yet acknowledged
// or failed. Once the stream has throttled, about a second of what it
// accepts (the adaptive send limit), and never less than one full request
// (or aggregated record), so requests stay full. Before that, or with
// NoAdapt, a full request for each sender and one more ready: enough to
// keep them all busy, and all that can be generated before the first
// answer says whether the stream keeps up.
func (p *Producer) backlogCap(avgSize float64) int64 {
	limit := p.adaptLimit() // units per second; 0 while unlimited
	if !p.opts.Aggregate {
		if limit == 0 {
			return int64(p.opts.Batch * (p.opts.Concurrency + 1))
		}
		return int64(max(limit, float64(p.opts.Batch)))
	}
	bytes := float64(p.requestBytes * (p.opts.Concurrency + 1))
	if limit > 0 {
		bytes = max(limit*1024, float64(p.opts.AggregateMaxSize))
	}
	return max(1, int64(bytes/max(avgSize, 1)))
}

// release wakes the generator waiting in waitBacklog.
func (p *Producer) release() {
	select {
	case p.released <- struct{}{}:
	default:
	}
}

func (p *Producer) countGenerated(ev *Event, n int64) {
	p.stats.generated.Add(n)
	if ev.Bad != BadNone {
		p.stats.bad.Add(n)
	}
	if ev.Late {
		p.stats.late.Add(n)
	}
}

// backoff is full-jitter exponential backoff: a random wait up to
// base*2^attempt, capped.
func (p *Producer) backoff(attempt int) time.Duration {
	ceil := p.opts.RetryBaseDelay << min(attempt, 20)
	if ceil > p.opts.RetryMaxDelay || ceil <= 0 {
		ceil = p.opts.RetryMaxDelay
	}
	p.jitterMu.Lock()
	d := time.Duration(p.jitter.Int64N(int64(ceil) + 1))
	p.jitterMu.Unlock()
	return d
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// acknowledge counts an acknowledged record and echoes its events.
func (p *Producer) acknowledge(r *record, shard, seq string) {
	n := len(r.events)
	p.stats.acked.Add(int64(n))
	p.stats.records.Add(1)
	p.stats.ackShard(shard, seq, n)
	p.release()
	if p.echo == nil {
		return
	}
	var buf []byte
	for _, ev := range r.events {
		buf = append(buf, "Event sent to Kinesis: "...)
		buf = append(buf, ev.Data...)
		buf = append(buf, '\n')
	}
	p.echoMu.Lock()
	_, _ = p.echo.Write(buf)
	p.echoMu.Unlock()
}

func (p *Producer) failRecords(rs []*record, reason string) {
	for _, r := range rs {
		p.stats.fail(reason, len(r.events))
	}
	p.release()
}
