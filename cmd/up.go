package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/examples"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/sink"
	"github.com/spk-cli/spk/stream/view"
	"github.com/spk-cli/spk/tasks"
)

type upOptions struct {
	rate     float64
	duration time.Duration
	teardown bool
	yes      bool
	inMemory bool
	output   string
	example  string

	ex    examples.Example // the example chosen, when one is
	views []*view.View     // its views, compiled
}

func newUpCmd(f *Factory) *cobra.Command {
	opts := &upOptions{}
	c := &cobra.Command{
		Use:   "up",
		Short: "Run the whole tutorial, steps 2 to 9, with a live dashboard",
		Long: `Run the tutorial end to end: start the embedded endpoint (unless one is
already listening, or a profile selects AWS), create the stream and the
aggregate table, generate events, count them per minute and type with the
embedded consumer, and show the counts updating — until q, Ctrl-C or
--duration. On exit the generator stops, the consumer counts what was sent,
flushes and checkpoints, and a summary says what happened and where to look
next. --teardown deletes everything on exit.

On a terminal this is a live dashboard (p pauses the generator, + and - change
its rate, ? shows the keys); otherwise, or with --no-tui, plain progress lines,
or JSON lines with --output json. With an AWS profile spk first shows what it
will create and asks, since it costs money (--yes to skip the question).

--example weblog runs the web-server log analysis instead of the tutorial's
events: the generator sends access-log lines (Combined Log Format) and the
dashboard shows, per minute, the response-code counts, the content size
min/avg/max, the top endpoints and the IPs seen more than 10 times, one view
at a time (v switches). Each view has its own table, named after the
aggregate table (my-table-weblog-status, ...); spk show --view NAME prints
them. See docs/views.md.`,
		Example: `  # The whole tutorial with the live dashboard, until q or Ctrl-C
  spk up                                      # needs a terminal

  # Five seconds, then delete everything it made
  spk up --duration 5s --teardown

  # The web-server log example, as JSON lines without the dashboard
  spk up --example weblog --duration 5s -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runUp(c.Context(), f, c, opts)
		},
	}
	fl := c.Flags()
	fl.Int("shards", 1, "shards when the stream is created")
	enumFlag(c, new(string), "retrieval", "", "", "how the consumer reads shards: polling (GetRecords, default) or fanout (enhanced fan-out)", retrievals...)
	fl.Float64Var(&opts.rate, "rate", 10, "events per second to generate (0: as fast as the stream accepts)")
	fl.DurationVar(&opts.duration, "duration", 0, "stop after this long (0: until q or Ctrl-C)")
	fl.BoolVar(&opts.teardown, "teardown", false, "delete the stream and both tables on exit")
	fl.BoolVarP(&opts.yes, "yes", "y", false, "with an AWS profile, create the resources without asking")
	fl.BoolVar(&opts.inMemory, "in-memory", false, "run the embedded endpoint in memory, keeping nothing")
	fl.String("addr", "", "address of the embedded endpoint (default 127.0.0.1:4566)")
	fl.String("data-dir", "", "data directory of the embedded endpoint (default $XDG_DATA_HOME/spk/local)")
	enumFlag(c, &opts.output, "output", "o", "text", "without the dashboard: text or json lines", "text", "json")
	enumFlag(c, &opts.example, "example", "", "", "run a built-in example instead of the tutorial's counts: "+orList(examples.Names()), examples.Names()...)
	return c
}

func runUp(ctx context.Context, f *Factory, c *cobra.Command, opts *upOptions) error {
	if opts.rate < 0 || opts.duration < 0 {
		return usagef("", "up: --rate and --duration must not be negative")
	}
	if cfg, err := f.Config(c); err != nil {
		return err
	} else if err := checkListenAddr("up", settingName(cfg, "local.addr", "addr"), cfg.Local.Addr, "127.0.0.1:4566"); err != nil {
		return err
	}
	if opts.example != "" {
		var err error
		if opts.ex, err = examples.Lookup(opts.example); err != nil {
			return usagef("", "up: --example: %v", err)
		}
		cfg, err := f.Config(c)
		if err != nil {
			return err
		}
		if opts.views, err = view.CompileAll(opts.ex.Views(cfg.Table.Name), cfg.Table.Name); err != nil {
			return usagef("", "up: --example %s: %v", opts.example, err)
		}
	}
	cfg, clients, err := f.Clients(c)
	if err != nil {
		return err
	}
	views, err := cfg.RunViews()
	if err != nil {
		return usagef("", "up: %v", err)
	}
	if clients.Target.Embedded && !opts.inMemory {
		// spk up starts the endpoint when nothing answers there: its data
		// directory must be usable before anything is created.
		if _, err := provision.Ping(ctx, clients.Target.KinesisEndpoint); err != nil {
			dir := cfg.Local.DataDir
			if dir == "" {
				dir = local.DefaultDataDir()
			}
			if err := makeDataDir("up", dir); err != nil {
				return err
			}
		}
	}
	format := consume.Format(cfg.Run.Format)
	if opts.example != "" {
		// The example's views and event format replace the configured ones.
		views, format = opts.views, consume.Format(opts.ex.Format)
	}
	noTUI, _ := c.Flags().GetBool("no-tui")
	useTUI := !noTUI && opts.output == "text" && f.IO.IsStderrTTY() && f.IO.IsStdinTTY()
	if clients.Target.AWS {
		if err := confirmAWSCost(f, cfg, clients.Target, opts.yes, opts.views); err != nil {
			return err
		}
	}

	logger, logPath, closeLog := upLogger(f, cfg, "spk-up.log")
	defer closeLog()
	endpoint := local.DefaultOptions()
	endpoint.Addr = cfg.Local.Addr
	if cfg.Local.DataDir != "" {
		endpoint.DataDir = cfg.Local.DataDir
	}
	endpoint.InMemory = opts.inMemory
	endpoint.Region = cfg.AWS.Region
	endpoint.Logger = logger.With("component", "local")
	// The endpoint spk up starts for itself lives as long as the run, and
	// spk up is its main client: its stream and tables become ACTIVE after
	// upCreateDelay instead of spk local's 300 ms (docs/decisions.md).
	endpoint.CreateDelay = upCreateDelay

	up, err := tasks.NewUp(tasks.UpOptions{
		Clients:  clients,
		Stream:   provision.StreamSpec{Name: cfg.Stream.Name, Shards: int32(cfg.Stream.Shards), App: cfg.App},
		Table:    sink.TableSpec(cfg.Table.Name, cfg.App, nil),
		App:      cfg.App,
		Generate: generate.Options{Rate: opts.rate, Template: opts.ex.Template},
		Consume: consume.Options{
			InitialPosition:    consume.Position(cfg.Run.InitialPosition),
			Retrieval:          consume.Retrieval(cfg.Run.Retrieval),
			FlushInterval:      cfg.Run.BatchInterval,
			CheckpointInterval: cfg.Run.CheckpointInterval,
			Views:              views,
			Format:             format,
			TimeField:          cfg.Run.TimeField,
			AllowedLateness:    cfg.Run.AllowedLateness,
		},
		Endpoint: &endpoint,
		Duration: opts.duration,
		Logger:   logger,

		// The views' own tables, created with the aggregate table.
		ViewTables: viewTableSpecs(views, cfg.Table.Name, cfg.App),
	})
	if err != nil {
		return usagef("", "up: %v", err)
	}
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		up.Close(shutdown)
	}()

	var sum tasks.UpSummary
	var runErr error
	if useTUI {
		sum, runErr = runUpDashboard(ctx, f, cfg, clients, up, opts)
	} else {
		sum, runErr = runUpPlain(ctx, f, cfg, clients, up, opts.output == "json")
	}
	if runErr != nil && errors.Is(runErr, tui.ErrAborted) {
		return runErr
	}
	if opts.output == "text" && sum.TableError == "" { // no reads left to wait on when the tables could not be read
		writeViews(f, cfg, clients, opts.views, opts.ex)
	}
	writeUpSummary(f, cfg, sum, opts, logPath, up, endpoint)
	if opts.teardown {
		if err := upTeardown(f, cfg, clients, opts.views); err != nil && runErr == nil {
			runErr = err
		}
	}
	if runErr != nil {
		return fmt.Errorf("up: %w", runErr)
	}
	return nil
}

// runUpDashboard shows the run on the terminal dashboard.
func runUpDashboard(ctx context.Context, f *Factory, cfg *config.Loaded, clients *provision.Clients, up *tasks.Up, opts *upOptions) (tasks.UpSummary, error) {
	work, stop := context.WithCancel(ctx)
	defer stop()
	dopts := tui.DashboardOptions{
		Title: "spk up", Stream: cfg.Stream.Name, App: cfg.App, Table: cfg.Table.Name, Target: clients.Target.String(),
		Generator: up.Producer(), OnQuit: stop, Colors: tui.ColorsFor(f.IO.ColorEnabled()),
	}
	var viewQueries []results.ViewQuery
	if len(opts.views) > 0 {
		dopts.Views = opts.views
		dopts.ViewTables = map[string]string{}
		dopts.ViewOptions = map[string]tui.ViewOptions{}
		for _, v := range opts.views {
			t := v.Table(cfg.Table.Name)
			dopts.ViewTables[v.Name()] = t
			dopts.ViewOptions[v.Name()] = tui.ViewOptions{MinCount: opts.ex.MinCount[v.Name()]}
			viewQueries = append(viewQueries, results.ViewQuery{View: v, Query: results.Query{Table: t, Recent: 15 * time.Minute}})
		}
	}
	d := tui.NewDashboard(dopts)
	type result struct {
		sum tasks.UpSummary
		err error
	}
	done := make(chan result, 1)
	go func() {
		feeds, stopFeeds := context.WithCancel(context.Background())
		defer stopFeeds()
		fs := tui.Feeds{
			Producer:  up.Producer().Subscribe(feeds, time.Second),
			Consumer:  up.Metrics().Subscribe(feeds, time.Second),
			Aggregate: results.Poll(feeds, clients.DynamoDB, results.Query{Table: cfg.Table.Name, Recent: 15 * time.Minute}, 2*time.Second),
		}
		if len(viewQueries) > 0 {
			fs.Views = results.PollViews(feeds, clients.DynamoDB, viewQueries, 2*time.Second)
		}
		d.Follow(feeds, fs)
		sum, err := up.RunWithEvents(work, d.Step)
		d.Producer(up.Producer().Snapshot()) // the final counts, not the last feed tick
		d.Consumer(up.Metrics().Snapshot())
		if sum.Table != nil {
			d.Rows(sum.Table)
		}
		d.Finish(tui.Summary{Err: err, Notes: []string{summaryLine(sum)}})
		done <- result{sum, err}
	}()
	if err := d.Run(context.Background(), f.IO.In, f.IO.ErrOut); err != nil {
		stop()
		return tasks.UpSummary{}, err
	}
	r := <-done
	return r.sum, r.err
}

// runUpPlain prints one line per step change and a status line per interval.
func runUpPlain(ctx context.Context, f *Factory, cfg *config.Loaded, clients *provision.Clients, up *tasks.Up, asJSON bool) (tasks.UpSummary, error) {
	var out io.Writer = f.IO.ErrOut
	if asJSON {
		out = f.IO.Out
	}
	// Step lines and status lines come from two goroutines: each line is
	// written whole, never interleaved with another.
	w := &lockedWriter{w: out}
	steps := tui.NewStepPrinter(w, f.IO.ColorEnabled() && !asJSON, asJSON)
	status := tui.NewStatusPrinter(w, asJSON)
	feeds, stopFeeds := context.WithCancel(context.Background())
	defer stopFeeds()
	status.Follow(feeds, tui.Feeds{
		Producer:  up.Producer().Subscribe(feeds, time.Second),
		Consumer:  up.Metrics().Subscribe(feeds, time.Second),
		Aggregate: results.Poll(feeds, clients.DynamoDB, results.Query{Table: cfg.Table.Name, Recent: 15 * time.Minute}, 2*time.Second),
	})
	statusDone := make(chan struct{})
	statusStarted := false
	onStep := stepSink(ctx, steps.OnEvent, asJSON)
	sum, err := up.RunWithEvents(ctx, func(e tasks.Event) {
		onStep(e)
		// Status lines start once everything runs (step 9, the live table).
		if e.Step == tasks.StepShow && e.State == tasks.Running && !statusStarted {
			statusStarted = true
			go func() { status.Run(feeds, 5*time.Second); close(statusDone) }()
		}
	})
	// The last status line shows the final counts, not the last feed tick.
	status.Producer(up.Producer().Snapshot())
	status.Consumer(up.Metrics().Snapshot())
	if sum.Table != nil {
		status.Rows(sum.Table)
	}
	stopFeeds()
	if statusStarted {
		<-statusDone
	}
	status.Finish(tui.Summary{Err: err, Notes: []string{summaryLine(sum)}})
	return sum, err
}

func summaryLine(s tasks.UpSummary) string {
	return fmt.Sprintf("%d events sent, %d counted, %d rejected; %s", s.Sent, s.Counted, s.Rejected, s.Tables())
}

// upCreateDelay is the create delay of the endpoint spk up starts itself.
const upCreateDelay = 50 * time.Millisecond

func writeUpSummary(f *Factory, cfg *config.Loaded, s tasks.UpSummary, opts *upOptions, logPath string, up *tasks.Up, endpoint local.Options) {
	if opts.output == "json" {
		b, _ := json.Marshal(struct {
			Type string `json:"type"`
			tasks.UpSummary
		}{"result", s})
		fmt.Fprintln(f.IO.Out, string(b))
		return
	}
	w := f.IO.ErrOut
	if s.TableWritten && s.TableError == "" {
		fmt.Fprintf(w, "\nspk up: %s (total count %d).\n", summaryLine(s), s.Total)
	} else {
		fmt.Fprintf(w, "\nspk up: %s.\n", summaryLine(s))
	}
	if !s.CaughtUp && s.Sent > 0 {
		fmt.Fprintln(w, "The consumer had not counted everything when it stopped; spk run picks up from its checkpoints.")
	}
	if opts.teardown {
		return
	}
	fmt.Fprintln(w, "\nLook further:")
	if up.StartedEndpoint() {
		where := "its data is kept in " + endpoint.DataDir
		if endpoint.InMemory {
			where = "it kept nothing (--in-memory)"
		}
		fmt.Fprintf(w, "  spk local           the embedded endpoint stopped with spk up; %s: start it again first\n", where)
	}
	fmt.Fprintln(w, "  spk show            the counts (add --chart or --watch)")
	for _, v := range opts.views {
		fmt.Fprintf(w, "  %s\n", showViewCmd(v, opts.ex))
	}
	fmt.Fprintln(w, "  spk status          the stream, the tables and the leases")
	if len(opts.views) > 0 {
		fmt.Fprintln(w, "  spk teardown        delete the stream, the tables and the views' tables")
	} else {
		fmt.Fprintln(w, "  spk teardown        delete the stream and both tables")
	}
	if logPath != "" {
		fmt.Fprintf(w, "Logs: %s\n", logPath)
	}
}

func upTeardown(f *Factory, cfg *config.Loaded, clients *provision.Clients, views []*view.View) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	resources := provision.Resources(cfg.Stream.Name, cfg.Table.Name, cfg.App)
	for _, t := range tasks.ViewTables(definitions(views), cfg.Table.Name) {
		resources = append(resources, provision.Resource{Kind: provision.KindAggregate, Name: t})
	}
	plan := provision.PlanTeardown(ctx, clients, resources, false)
	err := provision.Teardown(ctx, clients, plan, nil)
	fmt.Fprintln(f.IO.ErrOut, "\nTeardown:")
	tw := tabwriter.NewWriter(f.IO.ErrOut, 0, 4, 2, ' ', 0)
	writeFates(tw, "  ", plan)
	tw.Flush()
	if err != nil {
		return fmt.Errorf("teardown: %w", err)
	}
	return nil
}

// writeViews prints the newest minute of each view the run computed, as
// spk show --view does, so the outcome stays on screen (and in a CI log)
// even when the endpoint kept nothing.
func writeViews(f *Factory, cfg *config.Loaded, clients *provision.Clients, views []*view.View, ex examples.Example) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, v := range views {
		table := v.Table(cfg.Table.Name)
		rows, err := results.ReadView(ctx, clients.DynamoDB, v, results.Query{Table: table, Buckets: 1, Consistent: true})
		fmt.Fprintf(f.IO.ErrOut, "\n%s, the newest window (%s):\n", v.Name(), showViewCmd(v, ex))
		if err != nil {
			fmt.Fprintf(f.IO.ErrOut, "  %v\n", err)
			continue
		}
		tui.WriteViewRows(f.IO.ErrOut, tui.FormatTable, v, rows, tui.ViewOptions{MinCount: ex.MinCount[v.Name()]})
	}
}

// showViewCmd is the spk show command line that prints a view of an example.
func showViewCmd(v *view.View, ex examples.Example) string {
	cmd := "spk show --view " + v.Name()
	if n := ex.MinCount[v.Name()]; n > 0 {
		cmd += fmt.Sprintf(" --min-count %d", n)
	}
	return cmd
}

// definitions are what views were compiled from.
func definitions(views []*view.View) []view.Definition {
	var out []view.Definition
	for _, v := range views {
		out = append(out, v.Definition())
	}
	return out
}

// confirmAWSCost shows what spk up creates on AWS and asks before going on.
func confirmAWSCost(f *Factory, cfg *config.Loaded, t provision.Target, yes bool, views []*view.View) error {
	w := f.IO.ErrOut
	fmt.Fprintf(w, `spk up will create, in AWS account of profile %s, region %s:
  - Kinesis stream %s with %d shard(s): billed per shard-hour and per PUT payload unit
  - DynamoDB table %s (on-demand): billed per request and per GB stored
  - DynamoDB table %s (on-demand, leases and checkpoints)
`, t.Profile, t.Region, cfg.Stream.Name, cfg.Stream.Shards, cfg.Table.Name, cfg.App)
	for _, table := range tasks.ViewTables(definitions(views), cfg.Table.Name) {
		fmt.Fprintf(w, "  - DynamoDB table %s (on-demand, a view's rows)\n", table)
	}
	fmt.Fprintln(w, "These cost money while they exist. Delete them with: spk teardown (or use spk up --teardown).")
	if yes {
		return nil
	}
	if !f.IO.IsStdinTTY() || !f.IO.IsStderrTTY() {
		return usagef("pass --yes to create them", "up: not creating AWS resources without confirmation, and there is no terminal to ask on")
	}
	fmt.Fprint(w, "Create them? [y/N] ")
	line, _ := f.IO.ReadLine()
	if line != "y" && line != "yes" && line != "Y" {
		return errors.New("up: cancelled; nothing was created")
	}
	return nil
}

// upLogger writes logs to a file, never over the screen:
// $XDG_STATE_HOME/spk/NAME (~/.local/state/spk/NAME).
func upLogger(f *Factory, cfg *config.Loaded, name string) (*slog.Logger, string, func()) {
	dir, ok := f.lookupEnv("XDG_STATE_HOME")
	if !ok || dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return slog.New(slog.DiscardHandler), "", func() {}
		}
		dir = filepath.Join(home, ".local", "state")
	}
	path := filepath.Join(dir, "spk", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return slog.New(slog.DiscardHandler), "", func() {}
	}
	file, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return slog.New(slog.DiscardHandler), "", func() {}
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(io.Writer(file), &slog.HandlerOptions{Level: level})), path, func() { file.Close() }
}

// lockedWriter serialises the writes of several goroutines to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
