package cmd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/examples"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/generate"
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
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runUp(c.Context(), f, c, opts)
		},
	}
	fl := c.Flags()
	fl.Int("shards", 1, "shards when the stream is created")
	enumFlag(c, new(string), "retrieval", "", "", "how the consumer reads shards: polling (GetRecords, default) or fanout (enhanced fan-out)", choicesOf("run.retrieval")...)
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
	if !(opts.rate >= 0) || math.IsInf(opts.rate, 1) || opts.duration < 0 { // NaN too
		return usagef("", "up: --rate must be a number of events per second, 0 or more, and --duration must not be negative")
	}
	if _, err := f.Config(c); err != nil {
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
	views, err := runViews("up", cfg)
	if err != nil {
		return err
	}
	var listener net.Listener
	if clients.Target.Embedded {
		// spk up starts the endpoint when nothing answers there: its
		// address is bound, and its data directory made, before any step,
		// so that either failing stops spk up first, as it stops spk local.
		if _, err := provision.Ping(ctx, clients.Target.KinesisEndpoint); err != nil {
			undoDataDir := func() {}
			if !opts.inMemory {
				dir := cfg.Local.DataDir
				if dir == "" {
					dir = local.DefaultDataDir()
				}
				if undoDataDir, err = makeDataDir("up", dir); err != nil {
					return err
				}
			}
			listener, err = listenEmbedded(ctx, cfg)
			switch {
			case err == nil:
				defer listener.Close() // the endpoint's, once started; after it stops, a no-op
			case spkLocalNow(ctx, clients.Target.KinesisEndpoint):
				// Another spk up or spk local bound the address since the
				// ping: it is used as if it had answered then (step 2 tells
				// whose it is), and the data directory is left to it.
			default:
				undoDataDir() // a data directory made for this start is not left behind
				return err
			}
		}
	}
	format := consume.Format(cfg.Run.Format)
	if opts.example != "" {
		// The example's views and event format replace the configured ones.
		views, format = opts.views, consume.Format(opts.ex.Format)
	}
	useTUI := wantDashboard(f, c, opts.output == "text")
	if clients.Target.AWS {
		if err := confirmAWSCost(ctx, f, cfg, clients.Target, opts.yes, views); err != nil {
			return err
		}
	}

	logger, logPath, closeLog := upLogger(f, cfg, "spk-up.log")
	defer closeLog()
	endpoint := upEndpoint(cfg, opts, listener, logger)
	up, err := tasks.NewUp(upTaskOptions(cfg, clients, opts, views, format, &endpoint, logger))
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
		sum, runErr = runUpDashboard(ctx, f, cfg, clients, up, opts, views)
	} else {
		sum, runErr = runUpPlain(ctx, f, cfg, clients, up, views, opts.output == "json")
	}
	if runErr != nil && errors.Is(runErr, tui.ErrAborted) {
		// Work cut short: exit 130 with "spk: interrupted", the report
		// having said the rest.
		return fmt.Errorf("%w: %w", context.Canceled, runErr)
	}
	if opts.output == "text" && sum.TableError == "" { // no reads left to wait on when the tables could not be read
		writeViews(f, cfg, clients, shownViews(views, cfg.Table.Name), opts.ex)
	}
	sum.CheckpointsLost = consume.LostWork(runErr)
	writeUpSummary(f, c, sum, opts, shownViews(views, cfg.Table.Name), logPath, up, endpoint)
	if opts.teardown {
		if err := upTeardown(f, cfg, clients, views); err != nil && runErr == nil {
			runErr = err
		}
	}
	if runErr != nil {
		return fmt.Errorf("up: %w", runErr)
	}
	return nil
}

// listenEmbedded binds the address of the endpoint spk up is to start,
// refusing, as spk local does, one that is not loopback (the endpoint it
// starts checks no keys) or cannot be bound.
func listenEmbedded(ctx context.Context, cfg *config.Loaded) (net.Listener, error) {
	setting := settingName(cfg, "local.addr", "addr")
	if !isLoopback(cfg.Local.Addr) {
		return nil, usagef("", "up: %s %s is not loopback: anyone on the network could use the endpoint spk up starts, which checks no keys; give a loopback address such as 127.0.0.1:4566", setting, cfg.Local.Addr)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Local.Addr)
	if err != nil {
		return nil, listenFailure("up", setting, cfg.Local.Addr, "--addr", err)
	}
	return ln, nil
}

// spkLocalNow reports whether an spk local answers at endpoint now; any
// other program there leaves the address in use, refused as such.
func spkLocalNow(ctx context.Context, endpoint string) bool {
	_, ok, _ := provision.IdentifySpkLocal(ctx, endpoint)
	return ok
}

// upEndpoint is the embedded endpoint spk up starts when nothing answers
// at its address, on the listener bound for it.
func upEndpoint(cfg *config.Loaded, opts *upOptions, listener net.Listener, logger *slog.Logger) local.Options {
	endpoint := local.DefaultOptions()
	endpoint.Addr = cfg.Local.Addr
	endpoint.Listener = listener
	if cfg.Local.DataDir != "" {
		endpoint.DataDir = cfg.Local.DataDir
	}
	endpoint.InMemory = opts.inMemory
	endpoint.Region = cfg.AWS.Region
	endpoint.Logger = logger.With("component", "local")
	endpoint.StartedBy = "spk up"
	// The endpoint spk up starts for itself lives as long as the run, and
	// spk up is its main client: its stream and tables become ACTIVE after
	// upCreateDelay instead of spk local's 300 ms (docs/decisions.md).
	endpoint.CreateDelay = upCreateDelay
	return endpoint
}

// upCreateDelay is the create delay of the endpoint spk up starts itself.
const upCreateDelay = 50 * time.Millisecond

// upTaskOptions are the tutorial's steps 2 to 9 as the flags and the
// configuration set them.
func upTaskOptions(cfg *config.Loaded, clients *provision.Clients, opts *upOptions, views []*view.View, format consume.Format, endpoint *local.Options, logger *slog.Logger) tasks.UpOptions {
	return tasks.UpOptions{
		Clients:  clients,
		Stream:   provision.StreamSpec{Name: cfg.Stream.Name, Shards: int32(cfg.Stream.Shards), App: cfg.App},
		Table:    aggregateSpec(cfg, views),
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
		Endpoint: endpoint,
		Duration: opts.duration,
		Logger:   logger,

		// The views' own tables, created with the aggregate table.
		ViewTables: viewTableSpecs(views, cfg.Table.Name, cfg.App, cfg.Stream.Name),
	}
}
