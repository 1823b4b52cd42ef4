package cmd

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
)

type showOptions struct {
	output       string
	since, until string
	types        []string
	limit        int
	chart, watch bool
	interval     time.Duration
	view         string
	minCount     uint64
}

func newShowCmd(f *Factory) *cobra.Command {
	opts := &showOptions{}
	c := &cobra.Command{
		Use:   "show",
		Short: "Show the per-minute counts in the aggregate table (tutorial step 9)",
		Long: `Read the aggregate table and print it sorted by bucket, then event type —
what the tutorial looked at in the AWS console. --output table (default), json
or csv; --chart draws the counts per type per bucket as bars; --watch
refreshes in place until q or Ctrl-C. --since and --until take a bucket time
(2015-06-05T12:54, RFC 3339, a date) or a duration back from now (15m).

--view NAME reads another view's table instead (the weblog example's are
weblog-status, weblog-bytes, weblog-paths and weblog-ips): one column per
group field and per metric (count, sum, min, max, avg, the distinct
estimate, a top list as "value count, ...", where "low–high" is a count the
summary could only bound). --min-count N keeps, in top lists, the values
certainly seen more than N times (low > N): spk show --view weblog-ips
--min-count 10 prints the IPs seen more than 10 times a minute. --type then
selects group keys. See docs/views.md.

Characters in the data that a terminal would act on (ESC, BEL, C1 controls,
bidi overrides, invalid UTF-8) are shown escaped, as \x1b, \a or \u202e.
JSON keeps the exact values, with such characters as \u escapes; CSV is
escaped on a terminal and exact when written to a file or a pipe.`,
		Example: `  spk show
  spk show --since 15m --type Red,Green
  spk show -o csv
  spk show --chart --limit 20

  # Refresh in place (a copy every interval when not on a terminal)
  spk show --watch                            # runs until Ctrl-C

  # A view of spk up --example weblog
  spk show --view weblog-ips --min-count 10`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runShow(c.Context(), f, c, opts)
		},
	}
	fl := c.Flags()
	outputFlag(c, &opts.output, "table", "table", "json", "csv")
	fl.StringVar(&opts.since, "since", "", "only buckets starting at or after this time or this long ago (e.g. 15m)")
	fl.StringVar(&opts.until, "until", "", "only buckets starting before this time or this long ago")
	fl.StringSliceVar(&opts.types, "type", nil, "only these event types (repeat or comma-separate)")
	fl.IntVar(&opts.limit, "limit", 0, "at most this many rows, the newest (0: all)")
	fl.BoolVar(&opts.chart, "chart", false, "draw a bar chart of counts per type per bucket")
	fl.BoolVarP(&opts.watch, "watch", "w", false, "refresh in place every --interval")
	fl.DurationVar(&opts.interval, "interval", 2*time.Second, "refresh interval for --watch")
	fl.StringVar(&opts.view, "view", "", "the view to show (default: the tutorial's counts)")
	_ = c.RegisterFlagCompletionFunc("view", completeViews(f))
	fl.Uint64Var(&opts.minCount, "min-count", 0, "in top lists, only values certainly seen more than this many times")
	return c
}

func runShow(ctx context.Context, f *Factory, c *cobra.Command, opts *showOptions) error {
	format, err := tui.ParseFormat(opts.output)
	if err != nil {
		return usagef("use --output table, json or csv", "show: %v", err)
	}
	now := time.Now()
	if len(opts.types) > results.MaxTypes {
		return usagef("give at most 100, or none to see every type", "show: --type names %d event types, and at most %d can be filtered on", len(opts.types), results.MaxTypes)
	}
	q := results.Query{Types: opts.types, Limit: opts.limit}
	if opts.since != "" {
		if q.Since, err = results.ParseBound(opts.since, now); err != nil {
			return usagef("e.g. --since 15m or --since 2015-06-05T12:54", "show: --since: %v", err)
		}
	}
	if opts.until != "" {
		if q.Until, err = results.ParseBound(opts.until, now); err != nil {
			return usagef("e.g. --until 5m or --until 2015-06-05T13:00", "show: --until: %v", err)
		}
	}
	if opts.limit < 0 || opts.interval <= 0 {
		return usagef("", "show: --limit must not be negative and --interval must be positive")
	}
	// Checked here, before the endpoint is asked anything.
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return usagef("swap them or widen the range", "show: --until (%s) is not after --since (%s)", bucket.Format(q.Until), bucket.Format(q.Since))
	}
	if opts.chart && format != tui.FormatTable {
		return usagef("drop --chart for "+opts.output+", or --output for the chart", "show: --chart draws a chart, which is not %s", opts.output)
	}
	// table is the table of the tutorial's counts read below: the run's
	// aggregate table, or a tutorial-shaped view's own; missing is the hint
	// when that table does not exist.
	table, missing := "", ""
	cfg, err := f.Config(c)
	if err != nil {
		return err
	}
	// The view shown: the one named, or without --view the run's (run.*
	// settings, spk.yaml) when it is not the tutorial's counts.
	var v *view.View
	if opts.view == "" {
		v, err = defaultShown(cfg)
	} else {
		v, err = namedView(cfg, opts.view)
	}
	if err != nil {
		return err
	}
	if v != nil && !tui.IsTutorialView(v) {
		return showView(ctx, f, c, opts, v, q, format)
	}
	if v != nil {
		table, missing = ownTable(v, cfg.Table.Name)
	}
	if c.Flags().Changed("min-count") {
		return usagef("", "show: --min-count filters top lists, which the tutorial's counts have none of: add --view with a view that has a top metric, such as --view weblog-ips")
	}
	cfg, clients, err := f.connect(c)
	if err != nil {
		return err
	}
	q.Table = cmp.Or(table, cfg.Table.Name)
	if err := checkShowTable(ctx, clients.DynamoDB, q.Table, nil, cfg.Table.Name, clients.Target.AWS); err != nil {
		return err
	}
	read := func(ctx context.Context) ([]results.Row, error) {
		rows, err := results.Read(ctx, clients.DynamoDB, q)
		if err != nil {
			return nil, withHintIfMissing(fmt.Errorf("show: %w", err), q.Table, missing)
		}
		return rows, nil
	}
	colors := tui.ColorsFor(f.IO.ColorEnabled())
	if opts.watch && f.IO.IsStdoutTTY() {
		// Fail fast on a missing table rather than inside the live view.
		if _, err := read(ctx); err != nil {
			return err
		}
		return tui.RunWatch(ctx, f.IO.In, f.IO.Out, tui.WatchOptions{Fetch: read, Every: opts.interval, Chart: opts.chart,
			Title: fmt.Sprintf("%s on %s", q.Table, clients.Target), Colors: colors})
	}
	copies := watchCopies{f: f, format: format}
	for {
		rows, err := read(ctx)
		if err != nil {
			if copies.n > 0 && ctx.Err() != nil {
				return nil // Ctrl-C is how a watch ends, during a read too
			}
			return err
		}
		out := copies.next()
		switch {
		case opts.chart:
			err = tui.WriteChart(out, rows, tui.ChartOptions{Colors: colors})
		case format == tui.FormatCSV && !f.IO.IsStdoutTTY():
			// A file or a pipe gets the cells as stored; a terminal gets
			// them escaped, as tables are.
			err = tui.WriteCSV(out, rows, true)
		default:
			err = tui.WriteRows(out, format, rows)
		}
		if err != nil || !opts.watch {
			return err
		}
		if !copies.wait(ctx, opts.interval) {
			return nil
		}
	}
}

// watchCopies writes --watch's copies without a terminal: a new copy every
// interval, like watch(1) in a log. Tables and charts are for reading and
// get a "--- time" line between copies; JSON and CSV are data, and stay
// data: the line goes to standard error, JSON's copies follow each other
// (jq reads them one by one), and CSV's header is written once.
type watchCopies struct {
	f      *Factory
	format tui.Format
	n      int
}

// next is where the next copy goes.
func (w *watchCopies) next() io.Writer {
	w.n++
	if w.n > 1 && w.format == tui.FormatCSV {
		return &afterFirstLine{w: w.f.IO.Out}
	}
	return w.f.IO.Out
}

// wait waits an interval and marks the next copy, or reports false when
// ctx ended first.
func (w *watchCopies) wait(ctx context.Context, every time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(every):
	}
	line := "--- " + time.Now().UTC().Format(time.RFC3339)
	if w.format == tui.FormatJSON || w.format == tui.FormatCSV {
		fmt.Fprintln(w.f.IO.ErrOut, line)
	} else {
		fmt.Fprintf(w.f.IO.Out, "\n%s\n", line)
	}
	return true
}

// afterFirstLine passes on what it is given after its first newline: a
// CSV copy without its header.
type afterFirstLine struct {
	w    io.Writer
	past bool
}

func (a *afterFirstLine) Write(p []byte) (int, error) {
	n := len(p)
	if !a.past {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return n, nil
		}
		a.past, p = true, p[i+1:]
	}
	if _, err := a.w.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

// defaultShown is the view spk show without --view shows, or nil for the
// aggregate table (or a table named with --table or SPK_TABLE_NAME) read as
// the tutorial's counts: the run's one view, or the view that writes the
// aggregate table beside others. Views that all write tables of their own
// are refused, naming them; views that do not compile, as spk run and
// spk up refuse them.
func defaultShown(cfg *config.Loaded) (*view.View, error) {
	views, err := runViews("show", cfg)
	if err != nil {
		return nil, err
	}
	// spk.yaml's table.name is the aggregate table's name, which the views
	// may or may not write; --table and SPK_TABLE_NAME name a table to read.
	src := cfg.Sources["table.name"].Kind
	named := src == config.FromFlag || src == config.FromEnv
	aggregate := slices.IndexFunc(views, func(v *view.View) bool { return v.Table(cfg.Table.Name) == cfg.Table.Name })
	switch {
	case len(views) == 1 && (!named || aggregate == 0):
		return views[0], nil
	case named:
		return nil, nil
	case aggregate >= 0:
		return views[aggregate], nil
	case len(views) > 0:
		// spk run makes no aggregate table then; spk up does, for the
		// tutorial's steps.
		return nil, usagef("show one with --view NAME (Tab completes the names), or name a table of the tutorial's counts with --table",
			"show: spk.yaml's views write %s, and none the aggregate table %s", viewTables(views, cfg.Table.Name), cfg.Table.Name)
	}
	return nil, nil
}

// namedView is the view --view names, among the run's and the examples'.
func namedView(cfg *config.Loaded, name string) (*view.View, error) {
	views, err := resolveViews(cfg)
	if err != nil {
		return nil, fmt.Errorf("show: %w", err)
	}
	v, err := findView(views, name)
	if err != nil {
		return nil, fmt.Errorf("show: %w", err)
	}
	return v, nil
}

// ownTable is the table a tutorial-shaped view writes, and how to make it
// when it is not the aggregate table spk create-table makes.
func ownTable(v *view.View, aggregate string) (table, missing string) {
	table = v.Table(aggregate)
	if table != aggregate {
		missing = fmt.Sprintf("table %s of view %s does not exist yet: run the view with spk run", table, v.Name())
	}
	return table, missing
}

// withHintIfMissing adds to a read of a missing table how to go on: hint
// when one is given, else to create the table.
func withHintIfMissing(err error, table, hint string) error {
	var api interface{ ErrorCode() string }
	if errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException" {
		return &hinted{err: err, hint: cmp.Or(hint, fmt.Sprintf("table %s does not exist yet: create it with spk create-table, or run spk up", table))}
	}
	return err
}

// showView prints a view's rows, as runShow prints the tutorial's.
func showView(ctx context.Context, f *Factory, c *cobra.Command, opts *showOptions, v *view.View, q results.Query, format tui.Format) error {
	cfg, clients, err := f.connect(c)
	if err != nil {
		return err
	}
	q.Table = v.Table(cfg.Table.Name)
	if err := checkShowTable(ctx, clients.DynamoDB, q.Table, v, cfg.Table.Name, clients.Target.AWS); err != nil {
		return err
	}
	read := func(ctx context.Context) ([]results.ViewRow, error) {
		rows, err := results.ReadView(ctx, clients.DynamoDB, v, q)
		if err != nil {
			return nil, withViewHint(fmt.Errorf("show: %w", err), v, q.Table)
		}
		return rows, nil
	}
	vo := tui.ViewOptions{MinCount: opts.minCount, RawCSV: !f.IO.IsStdoutTTY()}
	colors := tui.ColorsFor(f.IO.ColorEnabled())
	if opts.watch && f.IO.IsStdoutTTY() {
		if _, err := read(ctx); err != nil {
			return err
		}
		return tui.RunWatch(ctx, f.IO.In, f.IO.Out, tui.WatchOptions{View: v, FetchView: read, ViewOptions: vo,
			Every: opts.interval, Chart: opts.chart, Title: fmt.Sprintf("%s on %s", viewTitle(v, q.Table), clients.Target), Colors: colors})
	}
	copies := watchCopies{f: f, format: format}
	for {
		rows, err := read(ctx)
		if err != nil {
			if copies.n > 0 && ctx.Err() != nil {
				return nil // Ctrl-C is how a watch ends, during a read too
			}
			return err
		}
		out := copies.next()
		if opts.chart {
			err = tui.WriteViewChart(out, v, rows, tui.ChartOptions{Colors: colors}, vo)
		} else {
			err = tui.WriteViewRows(out, format, v, rows, vo)
		}
		if err != nil || !opts.watch {
			return err
		}
		if !copies.wait(ctx, opts.interval) {
			return nil
		}
	}
}

func withViewHint(err error, v *view.View, table string) error {
	var api interface{ ErrorCode() string }
	if errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException" {
		return &hinted{err: err, hint: fmt.Sprintf("table %s of view %s does not exist yet: run the view with spk run, or spk up --example weblog for the weblog views", table, v.Name())}
	}
	return err
}
