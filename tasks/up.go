package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/sink"
	"github.com/spk-cli/spk/stream/view"
)

// UpOptions configure `spk up`: the whole tutorial, steps 2 to 9.
type UpOptions struct {
	Clients *provision.Clients
	Stream  provision.StreamSpec
	Table   provision.TableSpec
	// ViewTables are the tables of the views that do not write Table.
	ViewTables []provision.TableSpec
	App        string
	Generate   generate.Options // StreamName is filled in
	Consume    consume.Options  // clients, stream, table and app are filled in
	// Endpoint, when set, is started in-process if nothing listens at the
	// embedded endpoint's address yet (step 2 without an AWS account).
	Endpoint *local.Options
	// Duration stops the run after this long; zero runs until ctx ends.
	Duration time.Duration
	// CatchUpTimeout bounds how long the consumer may take, once the
	// producer has stopped, to count everything that was sent.
	CatchUpTimeout time.Duration
	OnEvent        func(Event)
	Logger         *slog.Logger
}

// UpSummary is what `spk up` reports when it ends.
type UpSummary struct {
	Sent     int64 `json:"sent"`     // events acknowledged by Kinesis
	Failed   int64 `json:"failed"`   // events never acknowledged
	Counted  int64 `json:"counted"`  // events counted into the table this run
	Rejected int64 `json:"rejected"` // malformed records the consumer set aside
	Rows     int   `json:"rows"`     // rows in the aggregate table
	Buckets  int   `json:"buckets"`  // distinct buckets in the aggregate table
	Total    int64 `json:"total"`    // sum of Count over the table
	// CaughtUp is false when the consumer had not counted everything sent
	// when it was stopped; a later `spk run` picks up from its checkpoints.
	CaughtUp bool `json:"caught_up"`
	// CheckpointsLost: the lease table went away under the run (the error
	// says so), so no later run picks up from its checkpoints.
	CheckpointsLost bool   `json:"checkpoints_lost,omitempty"`
	Endpoint        string `json:"endpoint"`
	// Table is the aggregate table as read at the end.
	Table []results.Row `json:"-"`
	// TableWritten is false when the run's views all write tables of
	// their own, so the aggregate table above was not written.
	TableWritten bool `json:"table_written"`
	// TableCounts is true when what writes the aggregate table counts its
	// events (Count), so Total is the events counted there.
	TableCounts bool `json:"-"`
	// Views are the views with tables of their own, as read at the end.
	Views []ViewSummary `json:"views,omitempty"`
	// TableError says why the tables could not be read at the end (Rows,
	// Buckets, Total and Views then say nothing); empty when they were.
	TableError string `json:"table_error,omitempty"`
	// SetUp is false when the run stopped before its stream and tables
	// were ready (a refusal, a failure or q during steps 2 to 8): nothing
	// was counted, and the tables were not read.
	SetUp bool `json:"set_up"`
	// Created are the stream and tables this run made, in the order they
	// were made: what a run stopped during set-up leaves behind.
	Created []Created `json:"created,omitempty"`
}

// Created is a resource a run made: a "stream" or a "table".
type Created struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// ViewSummary is one view's table as read when `spk up` ends.
type ViewSummary struct {
	Name    string `json:"name"`
	Table   string `json:"table"`
	Rows    int    `json:"rows"`
	Buckets int    `json:"buckets"`
}

// Up runs the tutorial end to end. Make it with NewUp, give its Producer
// and Metrics to a view, then call Run once.
type Up struct {
	opts     UpOptions
	producer *generate.Producer
	consumer *consume.Consumer
	server   *local.Server
}

// NewUp checks the options and builds the producer and the consumer.
func NewUp(opts UpOptions) (*Up, error) {
	if opts.CatchUpTimeout == 0 {
		opts.CatchUpTimeout = 20 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Generate.StreamName = opts.Stream.Name
	p, err := generate.New(opts.Clients.Kinesis, opts.Generate)
	if err != nil {
		return nil, err
	}
	co := opts.Consume
	co.Kinesis, co.DynamoDB = opts.Clients.Kinesis, opts.Clients.DynamoDB
	co.Stream, co.Table, co.App = opts.Stream.Name, opts.Table.Name, opts.App
	co.Logger = opts.Logger
	c, err := consume.New(co)
	if err != nil {
		return nil, err
	}
	return &Up{opts: opts, producer: p, consumer: c}, nil
}

// Producer is the generator, for views that pause it or change its rate.
func (u *Up) Producer() *generate.Producer { return u.producer }

// Metrics are the consumer's metrics, for views.
func (u *Up) Metrics() *metrics.Metrics { return u.consumer.Metrics() }

// Close stops the in-process endpoint, if Run started one.
func (u *Up) Close(ctx context.Context) error {
	if u.server == nil {
		return nil
	}
	return u.server.Shutdown(ctx)
}

const (
	nameGenerate = "generate events"
	nameRun      = "count events (spk run)"
	nameShow     = "show the counts"
)

// StartedEndpoint reports whether Run started the embedded endpoint itself.
func (u *Up) StartedEndpoint() bool { return u.server != nil }

// OnAWS reports whether the run creates its resources on AWS.
func (u *Up) OnAWS() bool { return u.opts.Clients.Target.AWS }

// RunWithEvents is Run with events sent to onEvent (in addition to
// UpOptions.OnEvent), for a view that is made after NewUp.
func (u *Up) RunWithEvents(ctx context.Context, onEvent func(Event)) (UpSummary, error) {
	prev := u.opts.OnEvent
	u.opts.OnEvent = func(e Event) {
		if prev != nil {
			prev(e)
		}
		onEvent(e)
	}
	return u.Run(ctx)
}

// Run sets everything up, then produces and consumes until ctx ends or
// Duration passes. It then stops the producer, lets the consumer count what
// was sent, flush, checkpoint and release its leases, and summarises.
// Every step is announced first, then run by one Runner: step 2, then the
// stream and every table at once (each waits out its own create delay, and
// none needs another), then steps 7, 5 and 9 together until the end.
func (u *Up) Run(ctx context.Context) (UpSummary, error) {
	o := u.opts
	sum := UpSummary{Endpoint: o.Clients.Target.String(), TableWritten: len(o.Consume.Views) == 0}
	sum.TableCounts = sum.TableWritten
	for _, v := range o.Consume.Views {
		if v.Table(o.Table.Name) == o.Table.Name {
			sum.TableWritten = true
			sum.TableCounts = slices.ContainsFunc(v.Metrics(), func(m view.Metric) bool { return m.Kind == view.Count })
		}
	}
	l := u.newLive(ctx, &sum)
	defer l.stopRun()
	var createdMu sync.Mutex
	noted := func(kind, name string, t Task) Task {
		run := t.Run
		t.Run = func(ctx context.Context, progress func(string)) (string, error) {
			note, err := run(ctx, progress)
			if note == createdNote {
				createdMu.Lock()
				sum.Created = append(sum.Created, Created{kind, name})
				createdMu.Unlock()
			}
			return note, err
		}
		return t
	}
	aggregate := noted("table", o.Table.Name, CreateTable(o.Clients, o.Table))
	if !sum.TableWritten {
		// As spk run, which makes only the tables its views write.
		aggregate = Task{Step: aggregate.Step, Name: aggregate.Name, SkipReason: "not needed: the views write tables of their own"}
	}
	creates := []Task{noted("stream", o.Stream.Name, CreateStream(o.Clients, o.Stream)), aggregate}
	for _, spec := range o.ViewTables {
		creates = append(creates, noted("table", spec.Name, CreateTable(o.Clients, spec)))
	}
	creates = append(creates, BuildSpark(), noted("table", o.App, CreateLeaseTable(o.Clients, o.App)))
	count, gen, show := l.countTask(), l.generateTask(), l.showTask()

	runner := Runner{OnEvent: o.OnEvent}
	// Listed in the tutorial's order; run in the order each can start.
	listed := append([]Task{u.endpointTask()}, creates[:len(creates)-2]...)
	listed = append(listed, gen, BuildSpark(), count, creates[len(creates)-1], show)
	runner.Announce(listed)
	notSetUp := func(err error) (UpSummary, error) {
		sum.TableError = "not read: the run stopped before its stream and tables were ready"
		return sum, err
	}
	if err := runner.RunAnnounced(ctx, listed[:1]); err != nil {
		return notSetUp(err)
	}
	if err := runner.RunParallelAnnounced(ctx, creates); err != nil {
		return notSetUp(err)
	}
	sum.SetUp = true
	// The live steps end when l.steer says so, not when ctx does: the
	// consumer must still count what was sent and checkpoint it.
	err := runner.RunParallelAnnounced(context.Background(), []Task{count, gen, show})
	var se *StepError
	if errors.As(err, &se) {
		err = se.Err // the step's own words; its line already names it
	}
	return sum, err
}

// Tables says what the run's tables hold: the aggregate table's rows when
// it was written, and each view's with a table of its own.
func (s UpSummary) Tables() string {
	if s.TableError != "" {
		what := "the table"
		if len(s.Views) > 0 || !s.TableWritten {
			what = "the tables"
		}
		return "could not read " + what + ": " + s.TableError
	}
	var parts []string
	if s.TableWritten {
		parts = append(parts, "the table holds "+rowsInBuckets(s.Rows, s.Buckets))
	}
	for _, v := range s.Views {
		parts = append(parts, v.Name+" holds "+rowsInBuckets(v.Rows, v.Buckets))
	}
	if len(parts) == 0 {
		return "no table was written"
	}
	return strings.Join(parts, ", ")
}

// ViewTables are the tables of views other than the run's aggregate table,
// each once, in the views' order: what step 4 creates besides it.
func ViewTables(views []view.Definition, aggregateTable string) []string {
	var out []string
	seen := map[string]bool{aggregateTable: true}
	for _, v := range views {
		if v.Table != "" && !seen[v.Table] {
			seen[v.Table] = true
			out = append(out, v.Table)
		}
	}
	return out
}

// genResult is how the producer's run ended.
type genResult struct {
	s   generate.Summary
	err error
}

// stopGrace bounds the wait on the producer and the consumer at the end of
// a run whose endpoint stopped answering: what they still have to send
// cannot arrive, and their own deadlines are tens of seconds.
const stopGrace = 3 * time.Second

// goneEndpoint is the URL of the endpoint that no longer answers, or empty
// when all answer (AWS always does, as far as spk can tell).
func (u *Up) goneEndpoint() string {
	t := u.opts.Clients.Target
	if t.AWS {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, e := range []string{t.KinesisEndpoint, t.DynamoDBEndpoint} {
		if e == "" {
			continue
		}
		if _, err := provision.Ping(ctx, e); err != nil {
			return e
		}
	}
	return ""
}

// waitCounted polls the consumer's metrics until it has counted, on every
// shard, the last record the producer had acknowledged there (the producer
// has stopped), or the timeout passes. Positions, not totals: records an
// earlier run left unread are counted as well, so the total could reach the
// number sent while this run's last records are still unread.
func (u *Up) waitCounted(lastAcked map[string]sink.Position, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if countedAll(u.consumer.Snapshot(), lastAcked) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond) // poll interval; the deadline bounds the wait
	}
}

// countedAll reports whether the consumer has counted up to lastAcked on
// every shard, or read the shard to its end.
func countedAll(s metrics.Snapshot, lastAcked map[string]sink.Position) bool {
	byID := make(map[string]metrics.ShardState, len(s.Shards))
	for _, sh := range s.Shards {
		byID[sh.ID] = sh
	}
	for id, at := range lastAcked {
		sh, ok := byID[id]
		if !ok || !sh.Finished && sh.Counted.Compare(at) < 0 {
			return false
		}
	}
	return true
}

func (s *UpSummary) fill(g generate.Summary, m metrics.Snapshot) {
	s.Sent, s.Failed = g.Acknowledged, g.Failed+g.Pending
	s.Rejected = int64(m.Rejected)
	s.Counted = int64(m.RecordsIn) - s.Rejected
}

func rateText(rate float64) string {
	if rate <= 0 {
		return "as fast as the stream accepts"
	}
	return fmt.Sprintf("%g events/s", rate)
}

// endpointTask is step 2: where spk's requests go. Without an AWS profile it
// starts the embedded endpoint in-process unless one already listens there.
func (u *Up) endpointTask() Task {
	o := u.opts
	return Task{Step: StepProfile, Name: "endpoint and credentials", Run: func(ctx context.Context, progress func(string)) (string, error) {
		t := o.Clients.Target
		if t.AWS {
			return fmt.Sprintf("AWS with profile %s in %s", t.Profile, t.Region), nil
		}
		// With the address bound for it already (nothing answered there),
		// the endpoint is spk up's to start: a ping would only reach that
		// listener, which answers nothing yet.
		bound := t.Embedded && o.Endpoint != nil && o.Endpoint.Listener != nil
		if !bound {
			if _, err := provision.Ping(ctx, t.KinesisEndpoint); err == nil {
				// At the embedded endpoint's address, something else (a web
				// server, another emulator) is not to be taken for it.
				if t.Embedded && o.Endpoint != nil {
					h, isSpk, err := provision.IdentifySpkLocal(ctx, t.KinesisEndpoint)
					switch {
					case ctx.Err() != nil:
						return "", ctx.Err() // interrupted: told as such
					case err != nil:
						return "", fmt.Errorf("%s takes connections but does not answer spk local's health check (%s): is the spk local there stopped (Ctrl-Z) or hung? resume or restart it, or give spk up another --addr", t.KinesisEndpoint, errtext.Transport(err))
					case !isSpk:
						return "", fmt.Errorf("%s answers, but not as spk local: another program holds the embedded endpoint's address; stop it, or give spk up another --addr", t.KinesisEndpoint)
					case h.StartedBy == "spk up":
						// It stops when that run ends, under this one.
						return fmt.Sprintf("using the endpoint another spk up (pid %d) started at %s: it stops when that run ends; for an endpoint runs share, start spk local", h.PID, t.KinesisEndpoint), nil
					}
				}
				return "using the endpoint already running at " + t.KinesisEndpoint, nil
			}
		}
		if !t.Embedded || o.Endpoint == nil {
			return "", o.Clients.CheckReachable(ctx)
		}
		progress("starting the embedded endpoint")
		srv, err := local.Start(ctx, *o.Endpoint)
		if err != nil {
			return "", fmt.Errorf("start the embedded endpoint: %w", err)
		}
		u.server = srv
		where := "data in " + o.Endpoint.DataDir
		if o.Endpoint.InMemory {
			where = "in memory"
		}
		return fmt.Sprintf("started the embedded endpoint at %s (%s)", srv.URL(), where), nil
	}}
}

func rowsInBuckets(rows, buckets int) string {
	return counted(rows, "row") + " in " + counted(buckets, "bucket")
}

// counted is n things, in the singular for one.
func counted(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
