package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/spk-cli/spk/stream/aggregate"
	"github.com/spk-cli/spk/stream/view"
)

// WatchOptions configure `spk show --watch`.
type WatchOptions struct {
	// Fetch reads the rows; it is called every Every, from its own goroutine.
	Fetch func(ctx context.Context) ([]aggregate.Row, error)
	// Every is the refresh interval (2s when zero).
	Every time.Duration
	// Chart starts with the bar chart instead of the table; c switches.
	Chart bool
	// Title names what is shown, e.g. "my-table on the embedded endpoint".
	Title  string
	Colors Colors
	// Now stamps each refresh (time.Now when nil).
	Now func() time.Time
	// View, when set, is shown instead of the tutorial's table: FetchView
	// reads its rows (Fetch is then unused), drawn with ViewOptions.
	View        *view.View
	FetchView   func(ctx context.Context) ([]aggregate.ViewRow, error)
	ViewOptions ViewOptions
}

// RunWatch shows the rows on out, refreshed in place every interval, until
// the user presses q, esc or ctrl+c, or ctx ends.
func RunWatch(ctx context.Context, in io.Reader, out io.Writer, opts WatchOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := newWatchModel(ctx, opts, newStyles(out, opts.Colors))
	_, err := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out), tea.WithAltScreen()).Run()
	if err != nil && ctx.Err() != nil {
		return nil // ended from outside: not a failure of the view
	}
	if err != nil {
		return fmt.Errorf("watch: %w", err)
	}
	return nil
}

// NewWatchModel is RunWatch's model, for tests and callers with their own
// program; Fetch gets ctx.
func NewWatchModel(ctx context.Context, opts WatchOptions) tea.Model {
	return newWatchModel(ctx, opts, newStyles(nil, opts.Colors))
}

type watchModel struct {
	ctx  context.Context
	opts WatchOptions
	st   styles

	width, height int
	rows          []aggregate.Row
	viewRows      []aggregate.ViewRow
	err           error
	at            time.Time
	fetched       bool
	chart         bool
}

type fetchedMsg struct {
	rows     []aggregate.Row
	viewRows []aggregate.ViewRow
	err      error
	at       time.Time
}

type refreshMsg struct{}

func newWatchModel(ctx context.Context, opts WatchOptions, st styles) *watchModel {
	if opts.Every <= 0 {
		opts.Every = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &watchModel{ctx: ctx, opts: opts, st: st, width: 80, height: 24, chart: opts.Chart}
}

func (m *watchModel) fetch() tea.Msg {
	if m.opts.View != nil {
		rows, err := m.opts.FetchView(m.ctx)
		return fetchedMsg{viewRows: rows, err: err, at: m.opts.Now()}
	}
	rows, err := m.opts.Fetch(m.ctx)
	return fetchedMsg{rows: rows, err: err, at: m.opts.Now()}
}

func (m *watchModel) Init() tea.Cmd { return m.fetch }

func (m *watchModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyMsg:
		switch msg.String() {
		case "q", "esc", "ctrl+c":
			return m, tea.Quit
		case "c":
			m.chart = !m.chart
		}
	case fetchedMsg:
		m.fetched, m.at = true, msg.at
		m.err = msg.err
		if msg.err == nil {
			m.rows, m.viewRows = msg.rows, msg.viewRows
		}
		return m, tea.Tick(m.opts.Every, func(time.Time) tea.Msg { return refreshMsg{} })
	case refreshMsg:
		return m, m.fetch
	}
	return m, nil
}

func (m *watchModel) View() string {
	w, h := max(m.width, 20), max(m.height, 4)
	head := m.st.title.Render("spk show")
	if m.opts.Title != "" {
		head += "  " + safe(m.opts.Title)
	}
	status := fmt.Sprintf("every %s", m.opts.Every)
	if m.fetched {
		status += fmt.Sprintf(" · %d rows · read %s", len(m.rows)+len(m.viewRows), m.at.UTC().Format("15:04:05"))
	} else {
		status += " · reading…"
	}
	lines := []string{head + m.st.dim.Render(" · "+status)}
	if m.err != nil {
		lines = append(lines, m.st.bad.Render("✗ "+safe(oneLine(m.err.Error()))))
	}
	footer := m.st.key.Render("q") + m.st.dim.Render(" quit · ") + m.st.key.Render("c") + m.st.dim.Render(" chart/table")
	room := h - len(lines) - 1

	var body strings.Builder
	switch v := m.opts.View; {
	case v != nil && m.chart:
		writeViewChart(&body, v, m.viewRows, m.opts.ViewOptions, w, m.st)
	case v != nil:
		text := viewTableText(v, m.viewRows, m.opts.ViewOptions, true)
		if widest(text) > w {
			text = viewTableText(v, m.viewRows, m.opts.ViewOptions, false)
		}
		body.WriteString(text)
	case m.chart:
		writeChart(&body, m.rows, w, m.st)
	default:
		text := tableText(m.rows, true)
		if widest(text) > w {
			text = tableText(m.rows, false) // CreatedAt matters least
		}
		body.WriteString(text)
	}
	bl := strings.Split(strings.TrimRight(body.String(), "\n"), "\n")
	if !m.fetched {
		bl = nil
	}
	if len(bl) > room && room > 0 {
		if m.chart {
			bl = bl[len(bl)-room:] // the newest buckets are last
		} else {
			bl = append(bl[:1], bl[len(bl)-(room-1):]...) // keep the header
		}
	} else if room <= 0 {
		bl = nil
	}
	lines = append(lines, bl...)
	lines = append(lines, footer)
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	return strings.Join(lines, "\n")
}

// widest is the width of the longest line of text.
func widest(text string) int {
	n := 0
	for _, l := range strings.Split(text, "\n") {
		n = max(n, displayWidth(l))
	}
	return n
}
