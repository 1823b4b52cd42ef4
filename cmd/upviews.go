package cmd

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
	"github.com/spk-cli/spk/tasks"
)

// runUpDashboard shows the run on the terminal dashboard: views other than
// the tutorial's alone (an example's, or spk.yaml's) a panel each.
func runUpDashboard(ctx context.Context, f *Factory, cfg *config.Loaded, clients *provision.Clients, up *tasks.Up, opts *upOptions, views []*view.View) (tasks.UpSummary, error) {
	work, stop := context.WithCancel(ctx)
	defer stop()
	dopts := tui.DashboardOptions{
		Title: "spk up", Stream: cfg.Stream.Name, App: cfg.App, Table: cfg.Table.Name, Target: clients.Target.String(),
		Generator: up.Producer(), OnQuit: stop, Colors: tui.ColorsFor(f.IO.ColorEnabled()),
	}
	var viewQueries []results.ViewQuery
	if !tutorialAlone(views, cfg.Table.Name) {
		viewQueries = viewPanels(&dopts, views, cfg.Table.Name, opts.ex.MinCount)
	}
	if !writesAggregate(views, cfg.Table.Name) {
		dopts.Table = "" // the header names no table the views do not write
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
			Producer: up.Producer().Subscribe(feeds, time.Second),
			Consumer: up.Metrics().Subscribe(feeds, time.Second),
		}
		if dopts.Table != "" {
			fs.Aggregate = pollAggregate(feeds, clients, cfg)
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
		d.Finish(tui.Summary{Err: err, Hint: hintFor(err), Notes: []string{summaryLine(sum)}})
		done <- result{sum, err}
	}()
	if err := d.Run(context.Background(), f.IO.In, f.IO.ErrOut); err != nil {
		stop()
		return tasks.UpSummary{}, err
	}
	r := <-done
	return r.sum, shown(r.err) // the final report told it
}

// runUpPlain prints one line per step change and a status line per interval.
func runUpPlain(ctx context.Context, f *Factory, cfg *config.Loaded, clients *provision.Clients, up *tasks.Up, views []*view.View, asJSON bool) (tasks.UpSummary, error) {
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
	fs := tui.Feeds{
		Producer: up.Producer().Subscribe(feeds, time.Second),
		Consumer: up.Metrics().Subscribe(feeds, time.Second),
	}
	if writesAggregate(views, cfg.Table.Name) {
		fs.Aggregate = pollAggregate(feeds, clients, cfg)
	}
	status.Follow(feeds, fs)
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

// viewPanels sets the dashboard to show views, one panel each, and returns
// the reads that feed their panels; none for no views. minCount filters a
// view's top lists, by view name.
func viewPanels(dopts *tui.DashboardOptions, views []*view.View, table string, minCount map[string]uint64) []results.ViewQuery {
	if len(views) == 0 {
		return nil
	}
	var queries []results.ViewQuery
	dopts.Views = views
	dopts.ViewTables = map[string]string{}
	dopts.ViewOptions = map[string]tui.ViewOptions{}
	for _, v := range views {
		t := v.Table(table)
		dopts.ViewTables[v.Name()] = t
		dopts.ViewOptions[v.Name()] = tui.ViewOptions{MinCount: minCount[v.Name()]}
		queries = append(queries, results.ViewQuery{View: v, Query: results.Query{Table: t, Recent: 15 * time.Minute}})
	}
	return queries
}

// pollAggregate follows the aggregate table's recent rows, for a run whose
// views write it (spk up makes it only then).
func pollAggregate(ctx context.Context, clients *provision.Clients, cfg *config.Loaded) <-chan results.Result {
	return results.Poll(ctx, clients.DynamoDB, results.Query{Table: cfg.Table.Name, Recent: 15 * time.Minute}, 2*time.Second)
}
