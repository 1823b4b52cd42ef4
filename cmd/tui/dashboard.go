package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/metrics"
	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
	"github.com/spk-cli/spk/tasks"
)

// Generator is what the dashboard's keys control: p pauses and resumes, +
// and - change the rate. *generate.Producer satisfies it.
type Generator interface {
	Pause()
	Resume()
	Rate() float64
	SetRate(eventsPerSecond float64)
}

// DashboardOptions configure a dashboard. Every field may be left zero.
type DashboardOptions struct {
	// Title leads the header, e.g. "spk up".
	Title string
	// Stream, App and Table name the resources in the header.
	Stream, App, Table string
	// Target says where requests go, e.g. "the embedded endpoint at http://127.0.0.1:4566".
	Target string
	// Generator, when set, is paused and resumed with p and sped up or
	// slowed down with + and -. Nil turns those keys off.
	Generator Generator
	// OnQuit is called once, from its own goroutine, when the user presses
	// q or ctrl+c (or the process gets SIGINT or SIGTERM). The caller then
	// stops its work and calls Finish; the dashboard shows "stopping…" until
	// then. Nil: q quits the view at once and Run returns ErrAborted.
	OnQuit func()
	// Buckets is how many of the newest buckets the counts table shows at
	// most (10 when zero); fewer when the screen is short.
	Buckets int
	// Colors picks the colour profile (ColorAuto: from the output and NO_COLOR).
	Colors Colors
	// Static stops the spinner from animating, for recordings and tests.
	Static bool
	// Inline draws in the terminal's normal screen; by default the dashboard
	// takes the alternate screen and prints a final report when it ends.
	Inline bool
	// Views, when set, are what the table panel shows, one at a time: v
	// switches to the next. A view named default is drawn as the tutorial's
	// counts; the others from Views reads (results.PollViews), one column
	// per group field and per metric. Empty: the tutorial's counts alone.
	Views []*view.View
	// ViewTables names each view's table in its panel's title, by view name.
	ViewTables map[string]string
	// ViewOptions shape a view's cells, by view name (MinCount filters its
	// top lists).
	ViewOptions map[string]ViewOptions
}

// Summary ends the dashboard: pass it to Finish once the work has stopped.
type Summary struct {
	// Err is what ended the run; nil when it ended well or the user stopped it.
	Err error
	// Hint says how to fix Err; the final report shows it under the
	// failed step, where Err is told.
	Hint string
	// Notes are closing lines, e.g. "12,345 events sent, 12,345 counted".
	Notes []string
}

// ErrUnreachable is returned by Run when the user quit while the endpoint
// did not answer, and the work did not finish within the time GiveUpAfter
// set: its last writes could not be made.
var ErrUnreachable = errors.New("the endpoint stopped answering: the last counts may not be written")

// ErrAborted is returned by Run when the view ended before the work did: a
// second ctrl+c while stopping, or q with no OnQuit.
var ErrAborted = errors.New("quit before the work finished")

// Dashboard is spk's live view: the tutorial's steps, the producer and the
// consumer, shards and leases, problems, and the aggregate table updating.
// It only shows what it is sent; it never calls AWS. Its methods are safe to
// call from any goroutine, before, while and after Run runs, and never block.
type Dashboard struct {
	opts  DashboardOptions
	feed  *feed
	model *dashboard
}

// NewDashboard makes a dashboard; Run shows it.
func NewDashboard(opts DashboardOptions) *Dashboard {
	if opts.Buckets <= 0 {
		opts.Buckets = 10
	}
	f := newFeed()
	return &Dashboard{opts: opts, feed: f, model: newDashboardModel(opts, f, newStyles(nil, opts.Colors))}
}

// Step shows a task event; it fits tasks.Runner.OnEvent.
func (d *Dashboard) Step(e tasks.Event) { d.feed.push(e) }

// Producer shows a producer snapshot (from generate.Producer.Subscribe).
func (d *Dashboard) Producer(s generate.Snapshot) { d.feed.push(s) }

// Consumer shows a consumer snapshot (from metrics.Metrics.Subscribe).
func (d *Dashboard) Consumer(s metrics.Snapshot) { d.feed.push(s) }

// Rows shows the aggregate table's rows, replacing the previous ones.
func (d *Dashboard) Rows(rows []results.Row) { d.feed.push(rows) }

// Table shows one read of the aggregate table (from results.Poll): its rows,
// or its error over the rows last read.
func (d *Dashboard) Table(r results.Result) { d.feed.push(r) }

// Views shows one read of the views' tables (from results.PollViews).
func (d *Dashboard) Views(r results.ViewsResult) { d.feed.push(r) }

// GiveUpAfter lets the view end without waiting for Finish when the user
// quit while the endpoint does not answer: after d, Run returns
// ErrUnreachable (the work may still be stopping; its last writes cannot
// be made). Call it before Run.
func (d *Dashboard) GiveUpAfter(wait time.Duration) { d.model.giveUp = wait }

// Finish ends the dashboard with a summary: Run returns once it is drawn.
func (d *Dashboard) Finish(s Summary) { d.feed.push(s) }

// Feeds are channels a dashboard can follow; nil ones are ignored.
type Feeds struct {
	Steps     <-chan tasks.Event
	Producer  <-chan generate.Snapshot
	Consumer  <-chan metrics.Snapshot
	Aggregate <-chan results.Result
	Views     <-chan results.ViewsResult
}

// Follow forwards everything the channels deliver until they close or ctx
// ends. It returns at once; the forwarding runs in the background.
func (d *Dashboard) Follow(ctx context.Context, f Feeds) {
	go forward(ctx, f.Steps, d.Step)
	go forward(ctx, f.Producer, d.Producer)
	go forward(ctx, f.Consumer, d.Consumer)
	go forward(ctx, f.Aggregate, d.Table)
	go forward(ctx, f.Views, d.Views)
}

func forward[T any](ctx context.Context, ch <-chan T, to func(T)) {
	if ch == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case v, ok := <-ch:
			if !ok {
				return
			}
			to(v)
		}
	}
}

// Model is the dashboard's bubbletea model, for tests and for callers that
// run their own tea.Program. Messages it takes: tasks.Event,
// generate.Snapshot, metrics.Snapshot, []results.Row, results.Result,
// results.ViewsResult and Summary, besides keys and window sizes.
func (d *Dashboard) Model() tea.Model { return d.model }

// Run shows the dashboard on out, reading keys from in, until Finish was
// called (it returns nil), the user aborted (ErrAborted) or ctx ended
// (ctx.Err()). Without Inline it then prints a final report on out, so the
// outcome stays on the screen: when Run returns nil, that report has told
// the Summary's error, with its hint, and the caller need not again.
func (d *Dashboard) Run(ctx context.Context, in io.Reader, out io.Writer) error {
	m := d.model
	m.st = newStyles(out, d.opts.Colors)
	m.restyle()
	// Signals stop the work as q and ctrl+c do, rather than the view alone.
	stopSignals := relaySignals(d.feed)
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignalHandler()}
	if !d.opts.Inline {
		opts = append(opts, tea.WithAltScreen())
	}
	_, err := tea.NewProgram(m, opts...).Run()
	stopSignals()
	d.feed.close()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("dashboard: %w", err)
	}
	if !d.opts.Inline {
		io.WriteString(out, m.finalReport())
	}
	if m.aborted {
		return ErrAborted
	}
	if m.gaveUp {
		return ErrUnreachable
	}
	return nil
}

// runState is where the dashboard is in its life.
type runState int

const (
	stateRunning  runState = iota
	stateStopping          // the user asked to quit; waiting for Finish
	stateFinished
)

// history is how many samples the sparklines keep.
const history = 120

// dashboard is the model. It changes only in Update.
type dashboard struct {
	opts DashboardOptions
	feed *feed
	st   styles
	keys keyMap
	help help.Model
	spin spinner.Model

	width, height int

	steps     stepList
	prod      *generate.Snapshot
	prodRates []float64
	cons      *metrics.Snapshot
	consRates []float64
	rows      []results.Row
	fromTable bool  // rows came from the table rather than the consumer's recent writes
	tableErr  error // the last table read's error, cleared by a good read

	panel    int                          // the view shown, an index in opts.Views
	viewRows map[string][]results.ViewRow // by view name, from the last good read
	viewErr  map[string]error             // by view name, the last read's error
	viewRead bool                         // a read of the views arrived
	endpoint outage                       // whether the table reads reach the endpoint
	idle     bool                         // the spinner stopped ticking while the endpoint is down

	giveUp time.Duration // see GiveUpAfter; zero: wait for Finish
	gaveUp bool

	paused   bool
	state    runState
	aborted  bool
	summary  *Summary
	note     string
	showHelp bool
}

func newDashboardModel(opts DashboardOptions, f *feed, st styles) *dashboard {
	m := &dashboard{
		opts:   opts,
		feed:   f,
		st:     st,
		keys:   newKeyMap(opts.Generator != nil, len(opts.Views) > 1),
		help:   help.New(),
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		width:  80,
		height: 24,
		steps:  newStepList(),

		viewRows: map[string][]results.ViewRow{},
		viewErr:  map[string]error{},
	}
	m.restyle()
	return m
}

// restyle binds the sub-models to the styles' renderer.
func (m *dashboard) restyle() {
	m.spin.Style = m.st.plain // callers colour the frame
	m.help.Styles = help.Styles{
		Ellipsis: m.st.dim, ShortKey: m.st.key, ShortDesc: m.st.dim, ShortSeparator: m.st.dim,
		FullKey: m.st.key, FullDesc: m.st.dim, FullSeparator: m.st.dim,
	}
}

type keyMap struct {
	Quit, Pause, Faster, Slower, View, Help key.Binding
}

func newKeyMap(generator, views bool) keyMap {
	k := keyMap{
		Quit:   key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Pause:  key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/resume")),
		Faster: key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "faster")),
		Slower: key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "slower")),
		View:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "next view")),
		Help:   key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
	}
	k.View.SetEnabled(views)
	k.Pause.SetEnabled(generator)
	k.Faster.SetEnabled(generator)
	k.Slower.SetEnabled(generator)
	return k
}

// ShortHelp is the footer's key list.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Quit, k.Pause, k.Faster, k.Slower, k.View, k.Help}
}

// FullHelp is the key list ? shows.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Pause, k.Faster, k.Slower}, {k.View, k.Help, k.Quit}}
}

// Init starts draining the feed and, unless static, the spinner.
func (m *dashboard) Init() tea.Cmd {
	cmds := []tea.Cmd{m.feed.wait()}
	if !m.opts.Static {
		cmds = append(cmds, m.spin.Tick)
	}
	return tea.Batch(cmds...)
}

// giveUpMsg comes GiveUpAfter's wait after the user quit.
type giveUpMsg struct{}

// rateSetMsg reports the rate the generator now runs at.
type rateSetMsg float64

// Update takes one message.
func (m *dashboard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		return m, nil
	case tea.KeyMsg:
		return m, m.key(msg)
	case interruptMsg:
		return m, m.quit(true)
	case spinner.TickMsg:
		if m.endpoint.down() {
			// Nothing moves while nothing answers: the spinners stop.
			m.idle = true
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case giveUpMsg:
		return m, m.giveUpIfUnreachable()
	case rateSetMsg:
		if msg == 0 {
			m.note = "rate: unlimited"
		} else {
			m.note = "rate → " + rate(float64(msg))
		}
		if m.prod != nil {
			m.prod.TargetRate = float64(msg)
		}
		m.followGenerator()
		return m, nil
	case feedMsg:
		var cmds []tea.Cmd
		for _, one := range msg {
			_, cmd := m.Update(one)
			cmds = append(cmds, cmd)
		}
		if m.state != stateFinished {
			cmds = append(cmds, m.feed.wait())
		}
		return m, tea.Batch(cmds...)
	}
	return m, m.apply(msg)
}

// apply takes the messages the caller sends.
func (m *dashboard) apply(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tasks.Event:
		m.steps.apply(msg)
	case generate.Snapshot:
		m.prod = &msg
		m.paused = msg.Paused
		m.prodRates = appendCapped(m.prodRates, msg.CurrentRate)
		m.followGenerator()
	case metrics.Snapshot:
		m.cons = &msg
		m.consRates = appendCapped(m.consRates, msg.RecordsPerSec)
	case []results.Row:
		m.rows, m.fromTable, m.tableErr = msg, true, nil
	case results.Result:
		if msg.Err != nil {
			m.tableErr = msg.Err
		} else {
			m.rows, m.fromTable, m.tableErr = msg.Rows, true, nil
		}
		return m.endpointRead(msg.At, msg.Err == nil, msg.Err)
	case results.ViewsResult:
		m.viewRead = true
		ok := false
		var errs []error
		for _, r := range msg.Views {
			m.viewErr[r.View] = r.Err
			if r.Err == nil {
				m.viewRows[r.View] = r.Rows
				ok = true
			}
			errs = append(errs, r.Err)
		}
		return m.endpointRead(msg.At, ok, errs...)
	case Summary:
		m.summary = &msg
		m.state = stateFinished
		return tea.Quit
	}
	return nil
}

// endpointRead notes whether a table read reached the endpoint, and starts
// the spinner again when it answers after an outage.
func (m *dashboard) endpointRead(at time.Time, ok bool, errs ...error) tea.Cmd {
	if !m.endpoint.read(at, ok, errs...) || m.endpoint.down() || !m.idle || m.opts.Static {
		return nil
	}
	m.idle = false
	return m.spin.Tick
}

// followGenerator makes step 5's line say the rate the generator runs at
// now, or that it is paused, rather than the rate it started with.
func (m *dashboard) followGenerator() {
	if m.prod == nil || m.prod.Done {
		return
	}
	d := rateText(m.prod.TargetRate)
	if m.paused {
		d = "paused · resumes at " + d
		if m.prod.TargetRate <= 0 {
			d = "paused · resumes with no rate limit"
		}
	}
	m.steps.live[tasks.StepGenerate] = d
}

// rateText is a target rate as step 5 words it.
func rateText(r float64) string {
	if r <= 0 {
		return "as fast as the stream accepts"
	}
	if r < 10 {
		return strconv.FormatFloat(r, 'f', -1, 64) + " events/s"
	}
	return count(int64(math.Round(r))) + " events/s"
}

func appendCapped(xs []float64, v float64) []float64 {
	xs = append(xs, v)
	if len(xs) > history {
		xs = xs[len(xs)-history:]
	}
	return xs
}

func (m *dashboard) key(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit(msg.String() == "ctrl+c")
	case key.Matches(msg, m.keys.Help):
		m.showHelp = !m.showHelp
		m.help.ShowAll = m.showHelp
	case key.Matches(msg, m.keys.View):
		m.panel = (m.panel + 1) % len(m.opts.Views)
	case m.state != stateRunning:
		// Controls are off once stopping.
	case key.Matches(msg, m.keys.Pause):
		g := m.opts.Generator
		m.paused = !m.paused
		if m.prod != nil {
			m.prod.Paused = m.paused
		}
		m.followGenerator()
		if m.paused {
			m.note = "generator paused"
			return func() tea.Msg { g.Pause(); return nil }
		}
		m.note = "generator resumed"
		return func() tea.Msg { g.Resume(); return nil }
	case key.Matches(msg, m.keys.Faster), key.Matches(msg, m.keys.Slower):
		g, up := m.opts.Generator, key.Matches(msg, m.keys.Faster)
		measured := 0.0
		if m.prod != nil {
			measured = m.prod.CurrentRate
		}
		return func() tea.Msg {
			next := nextRate(g.Rate(), measured, up)
			g.SetRate(next)
			return rateSetMsg(next)
		}
	}
	return nil
}

func (m *dashboard) quit(ctrlC bool) tea.Cmd {
	switch m.state {
	case stateRunning:
		if m.opts.OnQuit == nil {
			m.state, m.aborted = stateFinished, true
			return tea.Quit
		}
		m.state = stateStopping
		m.note = ""
		onQuit := m.opts.OnQuit
		return tea.Batch(func() tea.Msg { onQuit(); return nil }, m.giveUpLater())
	case stateStopping:
		if ctrlC {
			m.aborted = true
			m.state = stateFinished
			return tea.Quit
		}
		m.note = "already stopping: ctrl+c quits at once"
	}
	return nil
}

// giveUpLater is the wait after which a stop that the endpoint holds up
// ends the view; nil when the view waits for Finish whatever happens.
func (m *dashboard) giveUpLater() tea.Cmd {
	if m.giveUp <= 0 {
		return nil
	}
	return tea.Tick(m.giveUp, func(time.Time) tea.Msg { return giveUpMsg{} })
}

// giveUpIfUnreachable ends a stop the endpoint holds up, or waits again
// while the endpoint answers (the work then finishes on its own).
func (m *dashboard) giveUpIfUnreachable() tea.Cmd {
	if m.state != stateStopping {
		return nil
	}
	if !m.endpoint.down() {
		return m.giveUpLater()
	}
	m.gaveUp, m.state = true, stateFinished
	m.summary = &Summary{Err: ErrUnreachable}
	return tea.Quit
}

// rateSteps are the rates + and - move between.
var rateSteps = []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000}

// nextRate is the rate one step up or down from cur (0: unlimited, where
// measured, the rate actually reached, is the starting point going down).
func nextRate(cur, measured float64, up bool) float64 {
	if cur <= 0 {
		if up {
			return 0 // already unlimited
		}
		if measured <= 0 {
			return rateSteps[0]
		}
		cur = measured
	}
	if up {
		for _, s := range rateSteps {
			if s > cur {
				return s
			}
		}
		return cur // faster than every step: + leaves it
	}
	for i := len(rateSteps) - 1; i >= 0; i-- {
		if rateSteps[i] < cur {
			return rateSteps[i]
		}
	}
	return cur // slower than every step: - leaves it
}
