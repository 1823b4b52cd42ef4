package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/lease"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
	"github.com/spk-cli/spk/tasks"
)

type runOptions struct {
	timestamp     string
	workerID      string
	metricsAddr   string
	deadLetter    string
	duration      time.Duration
	untilCaughtUp bool
	failover      time.Duration
	output        string
}

// runResult is spk run's --output json: what this worker did, printed when
// it stops.
type runResult struct {
	Worker           string            `json:"worker"`
	Stream           string            `json:"stream"`
	Tables           []string          `json:"tables"`
	RecordsIn        uint64            `json:"records_in"`
	Rejected         uint64            `json:"rejected"`
	RejectedByReason map[string]uint64 `json:"rejected_by_reason"`
	RowsWritten      uint64            `json:"rows_written"`
	Flushes          uint64            `json:"flushes"`
	// CaughtUp, with --until-caught-up only: whether every shard was at
	// its tip, rather than --duration or Ctrl-C ending the run first.
	CaughtUp *bool `json:"caught_up,omitempty"`
}

func newRunCmd(f *Factory) *cobra.Command {
	opts := &runOptions{}
	c := &cobra.Command{
		Use:   "run",
		Short: "Count the stream's events per minute and type into the aggregate table (tutorial steps 7 and 8)",
		Long: `Consume the configured stream until interrupted: read every shard, bucket
each event by time (1 minute by default) and by a field ("type"), and keep the
counts in the aggregate table — exactly once, across crashes, restarts,
several workers and resharding. It replaces the tutorial's spark-submit job;
--config takes spk.yaml or the tutorial's config.hocon.sample.

Shards are shared through leases in a DynamoDB table named after the app
(StreamingCountsApp, created when missing, step 8): run more "spk run" workers,
on any machines, with the same app name to share the stream. Malformed records
are counted as rejected and never stop a shard; --dead-letter keeps them.
Ctrl-C flushes, checkpoints and releases the leases, and exits 0.

What is counted is a list of views (docs/views.md): by default the
tutorial's count of "type" per minute; one view from --group-by, --metric,
--window, --slide and --where; or the views: of spk.yaml, each into its own
table. --format accesslog reads web-server access-log lines, --time-field
another event time (ISO 8601 or epoch milliseconds), --allowed-lateness
refuses events older than the newest window minus that much.

--retrieval fanout reads with enhanced fan-out, as KCL 2.x/3.x do: a stream
consumer named after the app is registered (or reused) and Kinesis pushes each
leased shard's records over SubscribeToShard, with 2 MB/s per shard of its own.
The consumer stays registered when spk run stops; spk teardown removes it with
the stream. The default, polling, reads with GetRecords as the tutorial's KCL 1.x.`,
		Example: `  # Count until Ctrl-C, as the tutorial's spark-submit
  spk run                                     # runs until Ctrl-C

  # Count what is in the stream, then stop; the totals as JSON
  spk run --until-caught-up -o json

  # Start new leases at the newest record, read with enhanced fan-out
  spk run --initial-position latest --retrieval fanout --duration 3s`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runRun(c.Context(), f, c, opts)
		},
	}
	fl := c.Flags()
	enumFlag(c, new(string), "initial-position", "", "", "where a new lease starts: TRIM_HORIZON (default), LATEST or AT_TIMESTAMP", choicesOf("run.initial_position")...)
	enumFlag(c, new(string), "retrieval", "", "", "how shards are read: polling (GetRecords, default) or fanout (enhanced fan-out)", choicesOf("run.retrieval")...)
	fl.StringVar(&opts.timestamp, "timestamp", "", "RFC 3339 time a new lease starts from (AT_TIMESTAMP, which it implies over a position from the environment or spk.yaml)")
	fl.Duration("batch-interval", 0, "how often counts are flushed (default 2s)")
	fl.Duration("checkpoint-interval", 0, "how often positions are checkpointed (default 10s)")
	fl.Duration("bucket-size", 0, "bucket width, dividing an hour or a day (default 1m)")
	fl.StringSlice("group-by", nil, `event fields (dotted paths) whose values make a row's group; repeatable or a comma list (default "type")`)
	fl.StringSlice("metric", nil, "what each row holds: count, sum:F, min:F, max:F, avg:F, distinct:F, top:F:K; repeatable (default count)")
	fl.Duration("window", 0, "window length (default --bucket-size)")
	fl.Duration("slide", 0, "start a window every slide, for sliding windows (default: tumbling)")
	fl.String("where", "", "keep only matching events, such as \"status >= 500 and method = 'GET'\"")
	enumFlag(c, new(string), "format", "", "", "how records read: json (default) or accesslog (Common or Combined Log Format lines)", choicesOf("run.format")...)
	fl.String("time-field", "", `event time field of JSON records, a dotted path to ISO 8601 text or epoch milliseconds (default "timestamp")`)
	fl.Duration("allowed-lateness", 0, "refuse events older than the newest window minus this, as late (default: any age)")
	fl.StringVar(&opts.workerID, "worker-id", "", "this worker's name in the lease table (default host name plus a random suffix)")
	fl.StringVar(&opts.metricsAddr, "metrics", "", "serve Prometheus metrics on this address, e.g. 127.0.0.1:9090")
	fl.StringVar(&opts.deadLetter, "dead-letter", "", "append rejected records to this file as JSON lines")
	fl.DurationVar(&opts.duration, "duration", 0, "stop after this long (0: until interrupted)")
	fl.BoolVar(&opts.untilCaughtUp, "until-caught-up", false, "stop once every shard is at its tip and everything is flushed")
	fl.DurationVar(&opts.failover, "failover", 0, fmt.Sprintf("how long an unrenewed lease lasts before another worker takes it, %v or more (default %v)", lease.MinFailover, lease.DefaultFailover))
	outputFlag(c, &opts.output, "text", "text", "json")
	return c
}

func runRun(ctx context.Context, f *Factory, c *cobra.Command, opts *runOptions) (err error) {
	// Every option is checked, and every local file and listener opened,
	// before anything is contacted or created: a mistake leaves nothing behind.
	cfg, err := f.Config(c)
	if err != nil {
		return err
	}
	views, err := runViews("run", cfg)
	if err != nil {
		return err
	}
	var timestamp time.Time
	if opts.timestamp != "" {
		if timestamp, err = time.Parse(time.RFC3339Nano, opts.timestamp); err != nil {
			return usagef("give a time such as 2026-01-02T15:04:05Z", "run: --timestamp %q is not an RFC 3339 time", opts.timestamp)
		}
		// Kinesis refuses an AT_TIMESTAMP iterator past its own clock;
		// a minute allows for a clock a little behind the service's.
		if timestamp.After(time.Now().Add(time.Minute)) {
			return usagef("", "run: --timestamp %s is in the future: a stream is read from a time records have reached; give a past time, or --initial-position LATEST to read what comes from now on", opts.timestamp)
		}
	}
	position := consume.Position(cfg.Run.InitialPosition)
	if position == consume.AtTimestamp && timestamp.IsZero() {
		return usagef("add --timestamp 2026-01-02T15:04:05Z", "run: --initial-position AT_TIMESTAMP needs --timestamp")
	}
	// --timestamp says where to start, as a flag above a position from
	// the environment or spk.yaml (spk config init writes the default
	// there); beside another --initial-position it contradicts it, and
	// neither may be ignored.
	if !timestamp.IsZero() && position != consume.AtTimestamp {
		if cfg.Sources["run.initial_position"].Kind == config.FromFlag {
			return usagef("", "run: --timestamp is where AT_TIMESTAMP starts, and --initial-position is %s; drop one of them, or give --initial-position AT_TIMESTAMP", position)
		}
		position = consume.AtTimestamp
	}
	if opts.duration < 0 || opts.failover < 0 {
		return usagef("", "run: --duration and --failover must not be negative; give a duration such as 30s, or 0 for the default")
	}
	if opts.failover > 0 && opts.failover < lease.MinFailover {
		return usagef("", "run: --failover %v is too short: leases are renewed every third of it, and a failed renewal retried for two thirds; give %v or more (the default is %v)",
			opts.failover, lease.MinFailover, lease.DefaultFailover)
	}
	if opts.metricsAddr != "" {
		if err := checkListenAddr("run", "--metrics", opts.metricsAddr, "127.0.0.1:9090"); err != nil {
			return err
		}
	}
	_, clients, err := f.Clients(c)
	if err != nil {
		return err
	}
	co := consume.Options{
		Kinesis: clients.Kinesis, DynamoDB: clients.DynamoDB,
		Stream: cfg.Stream.Name, App: cfg.App, Table: cfg.Table.Name,
		InitialPosition:    position,
		Timestamp:          timestamp,
		Retrieval:          consume.Retrieval(cfg.Run.Retrieval),
		FlushInterval:      cfg.Run.BatchInterval,
		CheckpointInterval: cfg.Run.CheckpointInterval,
		Views:              views,
		Format:             consume.Format(cfg.Run.Format),
		TimeField:          cfg.Run.TimeField,
		AllowedLateness:    cfg.Run.AllowedLateness,
		WorkerID:           opts.workerID,
		Failover:           opts.failover,
		Duration:           opts.duration,
		UntilCaughtUp:      opts.untilCaughtUp,
	}
	dashboard := wantDashboard(f, c, opts.output != "json")
	if dashboard {
		// The dashboard owns the screen: logs go to a file.
		logger, _, closeLog := upLogger(f, cfg, "spk-run.log")
		defer closeLog()
		co.Logger = logger
	} else {
		co.Logger = f.Logger(cfg)
	}
	if opts.deadLetter != "" {
		dead, openErr := openDeadLetter(opts.deadLetter)
		if openErr != nil {
			return openErr
		}
		co.DeadLetter = dead
		defer func() {
			if err != nil {
				dead.abandon() // removed again if this run made it and wrote nothing
				return
			}
			dead.Close()
		}()
	}
	consumer, err := consume.New(co)
	if err != nil {
		return usagef("", "run: %v", err)
	}
	if opts.metricsAddr != "" {
		ln, err := listenMetrics(opts.metricsAddr)
		if err != nil {
			return err
		}
		mctx, stopMetrics := context.WithCancel(context.Background())
		defer stopMetrics()
		serveMetrics(mctx, ln, consumer.Metrics().Registry())
		co.Logger.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	}
	// The tables come from provision, so they carry spk's tag (teardown
	// then knows they are spk's) and a table with other keys is refused.
	// The aggregate table is made only when a view writes it: views that
	// all have tables of their own leave it alone (another stream's run
	// may count into it).
	var specs []provision.TableSpec
	if writesAggregate(views, cfg.Table.Name) {
		specs = append(specs, aggregateSpec(cfg, views))
	}
	specs = append(specs, viewTableSpecs(views, cfg.Table.Name, cfg.App, cfg.Stream.Name)...)
	specs = append(specs, lease.TableSpec(cfg.App))
	// A lease table of another stream is refused before any table is made.
	leases := tasks.Task{Step: tasks.StepTable, Name: "check lease table " + cfg.App, Run: func(ctx context.Context, _ func(string)) (string, error) {
		return "this stream's", consumer.CheckLeases(ctx)
	}}
	if err := (tasks.Runner{}).Run(ctx, tasks.RunSetup(clients, cfg.Stream.Name, specs, leases)); err != nil {
		return runSetupError(err)
	}
	if dashboard {
		if err := runWithDashboard(ctx, f, cfg, clients, consumer, views); err != nil {
			return err
		}
		return shortOfTip(opts, consumer)
	}
	fmt.Fprintf(f.IO.ErrOut, "spk run: worker %s counting %s into %s (leases in %s, %s) on %s\n", consumer.WorkerID(), cfg.Stream.Name, viewTables(views, cfg.Table.Name), cfg.App, retrievalText(cfg.Run.Retrieval), clients.Target)
	tty := f.IO.IsStderrTTY()
	every := 10 * time.Second
	if tty {
		every = time.Second
	}
	status := tui.NewConsumerPrinter(f.IO.ErrOut, tty)
	printCtx, stopPrinting := context.WithCancel(context.Background())
	status.Follow(printCtx, tui.Feeds{Consumer: consumer.Metrics().Subscribe(printCtx, every)})
	printed := make(chan struct{})
	go func() { defer close(printed); status.Run(printCtx, every) }()
	err = tasks.Runner{}.Run(ctx, []tasks.Task{tasks.Consume(consumer, countName(consumer), "")})
	status.Consumer(consumer.Snapshot()) // the last line shows the final counts
	stopPrinting()
	<-printed
	if err != nil && (ctx.Err() == nil || consume.LostWork(err)) {
		return fmt.Errorf("run: %w", stepCause(err))
	}
	// Interrupted: the consumer flushed, checkpointed and released its leases.
	if opts.output == "json" {
		s := consumer.Snapshot()
		if s.RejectedByReason == nil {
			s.RejectedByReason = map[string]uint64{}
		}
		tables := make([]string, len(views))
		for i, v := range views {
			tables[i] = v.Table(cfg.Table.Name)
		}
		res := runResult{Worker: consumer.WorkerID(), Stream: cfg.Stream.Name, Tables: tables, RecordsIn: s.RecordsIn,
			Rejected: s.Rejected, RejectedByReason: s.RejectedByReason, RowsWritten: s.RowsFlushed, Flushes: s.Flushes}
		if opts.untilCaughtUp {
			caughtUp := consumer.CaughtUp()
			res.CaughtUp = &caughtUp
		}
		if err := writeJSON(f, res); err != nil {
			return err
		}
	}
	return shortOfTip(opts, consumer)
}

// shortOfTip is the error of a run asked to stop once caught up that
// --duration ended first: a script waiting for "everything counted" must
// not take it for that. A stop the user asked for (Ctrl-C, q) exits 0.
func shortOfTip(opts *runOptions, consumer *consume.Consumer) error {
	if !opts.untilCaughtUp || consumer.CaughtUp() || !consumer.TimedOut() {
		return nil
	}
	return &hinted{err: fmt.Errorf("run: --duration %s ended the run before it saw every shard at its tip; what was read is counted and checkpointed", opts.duration),
		hint: "run spk run --until-caught-up again (with a longer --duration, or none) to count the rest"}
}

// runWithDashboard shows the consumer, its shards and leases, and the
// aggregate table updating, until q or Ctrl-C (or --duration, or caught up).
// Views other than the tutorial's alone get a panel each, as in spk up.
func runWithDashboard(ctx context.Context, f *Factory, cfg *config.Loaded, clients *provision.Clients, consumer *consume.Consumer, views []*view.View) error {
	work, stop := context.WithCancel(ctx)
	defer stop()
	dopts := tui.DashboardOptions{Title: "spk run", Stream: cfg.Stream.Name, App: cfg.App, Table: cfg.Table.Name,
		Target: clients.Target.String(), OnQuit: stop, Colors: tui.ColorsFor(f.IO.ColorEnabled())}
	var viewQueries []results.ViewQuery
	if !tutorialAlone(views, cfg.Table.Name) {
		viewQueries = viewPanels(&dopts, views, cfg.Table.Name, nil)
	}
	if !writesAggregate(views, cfg.Table.Name) {
		dopts.Table = "" // the header names no table nothing writes; the panels name theirs
	}
	d := tui.NewDashboard(dopts)
	return runDashboard(ctx, f, d, stop, func(on func(tasks.Event)) ([]string, error) {
		feeds, stopFeeds := context.WithCancel(context.Background())
		defer stopFeeds()
		fs := tui.Feeds{Consumer: consumer.Metrics().Subscribe(feeds, time.Second)}
		if writesAggregate(views, cfg.Table.Name) {
			fs.Aggregate = results.Poll(feeds, clients.DynamoDB, results.Query{Table: cfg.Table.Name, Recent: 15 * time.Minute}, 2*time.Second)
		}
		if len(viewQueries) > 0 {
			fs.Views = results.PollViews(feeds, clients.DynamoDB, viewQueries, 2*time.Second)
		}
		d.Follow(feeds, fs)
		err := tasks.Runner{OnEvent: on}.Run(work, []tasks.Task{tasks.Consume(consumer, countName(consumer), "")})
		d.Consumer(consumer.Snapshot()) // the final counts
		if err != nil && work.Err() != nil && !consume.LostWork(err) {
			err = nil // stopped by q or Ctrl-C before counting started
		}
		if err != nil {
			err = fmt.Errorf("run: %w", stepCause(err))
		}
		return []string{tasks.ConsumeNote(consumer)}, err
	})
}

// runSetupError tells a setup step's failure as before it was a step: the
// endpoint's and the stream's errors alone, a table's after "run:".
func runSetupError(err error) error {
	var se *tasks.StepError
	if errors.As(err, &se) && se.Step == tasks.StepTable {
		return fmt.Errorf("run: %w", se.Err)
	}
	return stepCause(err)
}

// countName is spk run's step 7, named after its worker.
func countName(c *consume.Consumer) string {
	return fmt.Sprintf("count events (worker %s)", c.WorkerID())
}

// stepCause is a failed step's own error: its line already named the step.
func stepCause(err error) error {
	var se *tasks.StepError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}

// retrievalText says how the consumer reads, for the first line of spk run.
func retrievalText(r string) string {
	if r == string(consume.FanOut) {
		return "enhanced fan-out"
	}
	return "polling"
}
