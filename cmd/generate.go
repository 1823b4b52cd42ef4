package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/tasks"
)

func newGenerateEventsCmd(f *Factory) *cobra.Command {
	opts := &generate.Options{}
	c := &cobra.Command{
		Use:   "generate-events [STREAM]",
		Short: "Send events to the Kinesis stream (tutorial step 5)",
		Long: `Send events built from a template to the stream, in PutRecords batches,
until --count or --duration is reached or Ctrl-C (forever by default, as the
tutorial). Every record Kinesis rejects inside a batch is retried with backoff
until it is acknowledged; whatever could not be sent is counted and reported,
and the exit status is 1 if anything was not acknowledged.

Templates: simple (the tutorial's event), weblog (web server access events
as JSON), accesslog (access-log lines in the Combined Log Format, with hot
paths and clients and some 4xx and 5xx, read by views over access logs and
the weblog example), or the path of your own template file; see
docs/generate-events.md.

--print echoes "Event sent to Kinesis: {...}" for every event, as the tutorial
did. Otherwise a terminal gets a live status line and anything else a summary
line every few seconds; --output json prints the final summary as JSON.`,
		Example: `  # As the tutorial: forever, until Ctrl-C
  spk generate-events --rate 10               # runs until Ctrl-C

  # A thousand events as fast as the stream takes them; the summary as JSON
  spk generate-events --count 1000 -o json

  # Echo each event, as the tutorial did
  spk generate-events --print --count 5

  # Web-server access-log lines for two seconds, 10% of them late
  spk generate-events --template accesslog --duration 2s --rate 50 --late 0.1`,
		Args:              optionalArg("the STREAM to send to"),
		ValidArgsFunction: completeArgStream(f),
		RunE: func(c *cobra.Command, args []string) error {
			cfg, err := f.Config(c)
			if err != nil {
				return err
			}
			if opts.StreamName, err = nameArg(cfg, "stream.name", args); err != nil {
				return err
			}
			// The options are checked, and the template loaded, once,
			// before anything is contacted. A zero means the default to
			// the library, so a zero given is seen to here: --linger 0
			// sends at once, and the others are mistakes.
			if err := zeroFlags(c, opts); err != nil {
				return err
			}
			prepared, err := generate.Prepare(*opts)
			if err != nil {
				return usagef("", "generate-events: %v", err)
			}
			_, clients, err := f.connect(c)
			if err != nil {
				return err
			}
			p := prepared.Producer(clients.Kinesis)
			if !opts.Print && wantDashboard(f, c, opts.Output != "json") {
				err = generateWithDashboard(c.Context(), f, clients, p, prepared.Options())
			} else {
				err = generatePlain(c.Context(), f, p, prepared.Options())
			}
			var notAcked *generate.NotAcknowledgedError
			switch {
			case errors.As(err, &notAcked):
				return fmt.Errorf("generate-events: %w", err)
			case err != nil && c.Context().Err() != nil:
				return nil // Ctrl-C after a clean drain: the summary says what was sent
			case err != nil:
				return fmt.Errorf("generate-events: %w", err)
			}
			return nil
		},
	}
	fl := c.Flags()
	opts.Template = generate.DefaultTemplate
	fl.Var(&templateValue{p: &opts.Template}, "template", "event template: simple, weblog, accesslog, or a template file")
	_ = c.RegisterFlagCompletionFunc("template", completeTemplates)
	fl.StringVar(&opts.Types, "types", "", `event types and weights, e.g. "Red,Green" or "Red=5,Green=1"`)
	fl.Float64Var(&opts.Late, "late", 0, "fraction (0-1) of events with timestamps in the past")
	fl.DurationVar(&opts.LateBy, "late-by", generate.DefaultLateBy, "how far back late events may go")
	fl.Float64Var(&opts.Bad, "bad", 0, "fraction (0-1) of deliberately malformed records")
	fl.Int64Var(&opts.Seed, "seed", 0, "seed for reproducible events (0: random)")
	fl.StringVar(&opts.PartitionKey, "partition-key", "id", `partition key: id, type, random, field:NAME or fixed:VALUE`)
	fl.Int64Var(&opts.Count, "count", 0, "stop after this many events (0: no limit)")
	fl.DurationVar(&opts.Duration, "duration", 0, "stop after this long (0: no limit)")
	fl.Float64Var(&opts.Rate, "rate", 0, "events per second (0: as fast as the stream accepts)")
	fl.IntVar(&opts.Batch, "batch", generate.DefaultBatch, "records per PutRecords request (1-500)")
	fl.IntVar(&opts.Concurrency, "concurrency", generate.DefaultConcurrency, "requests in flight")
	fl.DurationVar(&opts.Linger, "linger", generate.DefaultLinger, "how long a partial batch waits for more events")
	fl.BoolVar(&opts.NoAdapt, "no-adapt", false, "do not slow down when the stream throttles")
	fl.BoolVar(&opts.Aggregate, "aggregate", false, "pack many events per record (KPL aggregated format)")
	fl.IntVar(&opts.AggregateMaxSize, "aggregate-max-size", generate.DefaultAggregateMaxSize, "largest aggregated record in bytes")
	fl.BoolVar(&opts.Print, "print", false, `echo "Event sent to Kinesis: {...}" for every event, as the tutorial did`)
	enumFlag(c, &opts.Output, "output", "o", "text", "final summary format: text or json", "text", "json")
	fl.DurationVar(&opts.StatusInterval, "status-interval", generate.DefaultStatusInterval, "how often a status line is printed when not on a terminal")
	return c
}

// generatePlain runs the producer with a status line on stderr (none over
// the echoed events on a terminal), then prints the summary: text on
// stderr, or JSON on stdout.
func generatePlain(ctx context.Context, f *Factory, p *generate.Producer, opts generate.Options) error {
	tty := f.IO.IsStderrTTY()
	if opts.Print {
		p.EchoTo(f.IO.Out)
	}
	every := opts.StatusInterval
	if tty {
		every = 250 * time.Millisecond
	}
	printCtx, stopPrinting := context.WithCancel(context.Background())
	printed := make(chan struct{})
	if opts.Print && tty {
		close(printed) // the echoed events are the progress
	} else {
		status := tui.NewProducerPrinter(f.IO.ErrOut, tty)
		status.Follow(printCtx, tui.Feeds{Producer: p.Subscribe(printCtx, every)})
		go func() { defer close(printed); status.Run(printCtx, every) }()
	}
	sum, runErr := p.Run(ctx)
	stopPrinting()
	<-printed
	if opts.Output == "json" {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil && runErr == nil {
			runErr = fmt.Errorf("write summary: %w", err)
		}
		return runErr
	}
	fmt.Fprintln(f.IO.ErrOut, tui.GenerateSummary(sum))
	return runErr
}

// generateWithDashboard runs the producer under the dashboard (p pauses, +
// and - change the rate), then prints the same summary as without it.
func generateWithDashboard(ctx context.Context, f *Factory, clients *provision.Clients, p *generate.Producer, opts generate.Options) error {
	work, stop := context.WithCancel(ctx)
	defer stop()
	d := tui.NewDashboard(tui.DashboardOptions{Title: "spk generate-events", Stream: opts.StreamName, Target: clients.Target.String(),
		Generator: p, OnQuit: stop, Colors: tui.ColorsFor(f.IO.ColorEnabled())})
	var sum generate.Summary
	err := runDashboard(ctx, f, d, stop, func(on func(tasks.Event)) ([]string, error) {
		feeds, stopFeeds := context.WithCancel(context.Background())
		defer stopFeeds()
		d.Follow(feeds, tui.Feeds{Producer: p.Subscribe(feeds, time.Second)})
		err := tasks.Runner{OnEvent: on}.Run(work, []tasks.Task{tasks.Generate(p, opts.StreamName, &sum)})
		d.Producer(p.Snapshot()) // the final counts, whatever the feed last sent
		if err != nil && work.Err() != nil && !tasks.IsStepError(err) {
			err = nil // stopped by q or Ctrl-C before the step started
		}
		err = stepCause(err)
		// One note a line: a note's own newline would be escaped.
		return strings.Split(tui.GenerateSummary(sum), "\n"), err
	})
	return err // the dashboard's closing report carries the summary
}

// zeroFlags handles generate-events flags given as zero, which the
// library would take for "the default".
func zeroFlags(c *cobra.Command, opts *generate.Options) error {
	given := func(name string) bool { return c.Flags().Changed(name) }
	switch {
	case given("batch") && opts.Batch == 0:
		return usagef("", "generate-events: invalid --batch 0: PutRecords takes 1 to %d records", generate.MaxBatch)
	case given("concurrency") && opts.Concurrency == 0:
		return usagef("", "generate-events: invalid --concurrency 0: give 1 or more requests in flight")
	case given("aggregate-max-size") && opts.AggregateMaxSize == 0:
		return usagef("", "generate-events: invalid --aggregate-max-size 0: give 1024 to %d bytes", generate.MaxRecordBytes)
	case given("late-by") && opts.LateBy == 0:
		return usagef("", "generate-events: invalid --late-by 0s: late events are at least a minute old; give 1m or more")
	case given("linger") && opts.Linger == 0:
		opts.Linger = time.Nanosecond // no wait: each batch goes as soon as it has a record
	}
	return nil
}
