package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/spk-cli/spk/stream/results"
	"github.com/spk-cli/spk/stream/view"
)

// WatchOptions configure `spk show --watch`.
type WatchOptions struct {
	// Fetch reads the rows; it is called every Every, from its own goroutine.
	Fetch func(ctx context.Context) ([]results.Row, error)
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
	FetchView   func(ctx context.Context) ([]results.ViewRow, error)
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
	rows          []results.Row
	viewRows      []results.ViewRow
	err           error
	at            time.Time
	fetched       bool
	chart         bool

	// The body scrolls when it is taller than the screen: vp keeps the
	// position, over body (the lines below the pinned table header).
	vp     viewport.Model
	head   []string // pinned above the scrolling lines: the table's header
	body   []string
	follow bool // at the end, the newest buckets: new rows keep it there
}

type fetchedMsg struct {
	rows     []results.Row
	viewRows []results.ViewRow
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
	vp := viewport.New(0, 0)
	vp.KeyMap.Left.SetEnabled(false)
	vp.KeyMap.Right.SetEnabled(false)
	m := &watchModel{ctx: ctx, opts: opts, st: st, width: 80, height: 24, chart: opts.Chart, vp: vp, follow: true}
	m.layout()
	return m
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
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyMsg:
		switch msg.String() {
		case "q", "esc", "ctrl+c":
			return m, tea.Quit
		case "c":
			m.chart, m.follow = !m.chart, true
		case "home", "g":
			m.vp.GotoTop()
			m.follow = m.vp.AtBottom()
			return m, nil
		case "end", "G":
			m.vp.GotoBottom()
			m.follow = true
			return m, nil
		default:
			m.vp, cmd = m.vp.Update(msg)
			m.follow = m.vp.AtBottom()
			return m, cmd
		}
	case fetchedMsg:
		m.fetched, m.at = true, msg.at
		m.err = msg.err
		if msg.err == nil {
			m.rows, m.viewRows = msg.rows, msg.viewRows
		}
		cmd = tea.Tick(m.opts.Every, func(time.Time) tea.Msg { return refreshMsg{} })
	case refreshMsg:
		return m, m.fetch
	}
	m.layout()
	return m, cmd
}

// statusLines are the lines above the rows: the title, and the last
// read's error.
func (m *watchModel) statusLines() []string {
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
	return lines
}

// layout draws the rows at the current size into the scrolling body,
// keeping the position unless it followed the newest rows.
func (m *watchModel) layout() {
	w, h := max(m.width, 20), max(m.height, 4)
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
	m.head = nil
	if !m.fetched {
		bl = nil
	} else if !m.chart && len(bl) > 1 {
		m.head, bl = bl[:1], bl[1:] // the column names stay in view
	}
	room := max(h-len(m.statusLines())-1-len(m.head), 0)
	m.body = bl
	m.vp.Width, m.vp.Height = w, min(room, len(bl))
	m.vp.SetContent(strings.Join(bl, "\n"))
	if m.follow {
		m.vp.GotoBottom() // the newest buckets are last
	} else {
		m.vp.SetYOffset(m.vp.YOffset)
	}
}

// scrollable reports whether some rows are out of view.
func (m *watchModel) scrollable() bool { return len(m.body) > m.vp.Height }

func (m *watchModel) View() string {
	w := max(m.width, 20)
	lines := m.statusLines()
	if m.vp.Height > 0 {
		lines = append(lines, m.head...)
		top := min(m.vp.YOffset, len(m.body))
		lines = append(lines, m.body[top:min(top+m.vp.Height, len(m.body))]...)
	}
	footer := m.st.key.Render("q") + m.st.dim.Render(" quit · ") + m.st.key.Render("c") + m.st.dim.Render(" chart/table")
	if m.scrollable() {
		what := "rows"
		if m.chart {
			what = "lines"
		}
		first := m.vp.YOffset + 1
		last := min(m.vp.YOffset+m.vp.Height, len(m.body))
		footer += m.st.dim.Render(" · ") + m.st.key.Render("↑↓ pgup pgdn home end") + m.st.dim.Render(" scroll · ") +
			fmt.Sprintf("%s %d–%d of %d", what, first, last, len(m.body))
	}
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
