package tui

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/spk-cli/spk/tasks"
)

// StepsOptions configure RunSteps.
type StepsOptions struct {
	Title  string // a line above the steps; none when empty
	Colors Colors
	Static bool // no spinner animation
}

// Work is what RunSteps runs: it reports each step through onEvent (which
// fits tasks.Runner.OnEvent) and stops when ctx ends.
type Work func(ctx context.Context, onEvent func(tasks.Event)) error

// RunSteps runs work while showing its steps as a live checklist on out,
// drawn inline so the list stays on the screen, and returns work's error.
// ctrl+c cancels work's context and the list shows "stopping…" until work
// returns; a second ctrl+c returns ErrAborted at once.
func RunSteps(ctx context.Context, in io.Reader, out io.Writer, opts StepsOptions, work Work) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := newFeed()
	m := newStepsModel(opts, f, cancel, newStyles(out, opts.Colors))
	done := make(chan error, 1)
	go func() {
		err := work(ctx, func(e tasks.Event) { f.push(e) })
		f.push(stepsDoneMsg{err})
		done <- err
	}()
	stopSignals := relaySignals(f)
	_, runErr := tea.NewProgram(m, tea.WithInput(in), tea.WithOutput(out), tea.WithoutSignalHandler()).Run()
	stopSignals()
	f.close()
	if m.aborted {
		return ErrAborted
	}
	err := <-done
	if err == nil && runErr != nil {
		return fmt.Errorf("steps view: %w", runErr)
	}
	return err
}

// NewStepsModel is RunSteps's model, for tests and callers with their own
// program. It takes tasks.Event messages and ends on StepsDone.
func NewStepsModel(opts StepsOptions, cancel func()) tea.Model {
	return newStepsModel(opts, newFeed(), cancel, newStyles(nil, opts.Colors))
}

// StepsDone tells a steps model that the work returned, with its error.
func StepsDone(err error) tea.Msg { return stepsDoneMsg{err} }

type stepsDoneMsg struct{ err error }

type stepsModel struct {
	opts   StepsOptions
	feed   *feed
	cancel func()
	st     styles
	spin   spinner.Model

	width, height int
	steps         stepList
	stopping      bool
	aborted       bool
	done          bool
	err           error
}

func newStepsModel(opts StepsOptions, f *feed, cancel func(), st styles) *stepsModel {
	m := &stepsModel{opts: opts, feed: f, cancel: cancel, st: st, width: 80, height: 24, steps: newStepList(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	m.spin.Style = st.plain
	return m
}

func (m *stepsModel) Init() tea.Cmd {
	if m.opts.Static {
		return m.feed.wait()
	}
	return tea.Batch(m.feed.wait(), m.spin.Tick)
}

func (m *stepsModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case tea.KeyMsg, interruptMsg:
		if k, ok := msg.(tea.KeyMsg); ok && k.String() != "ctrl+c" {
			return m, nil
		}
		if m.stopping {
			m.aborted = true
			return m, tea.Quit
		}
		m.stopping = true
		if m.cancel != nil {
			cancel := m.cancel
			return m, func() tea.Msg { cancel(); return nil }
		}
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tasks.Event:
		m.steps.apply(msg)
	case stepsDoneMsg:
		m.done, m.err = true, msg.err
		return m, tea.Quit
	case feedMsg:
		var cmds []tea.Cmd
		for _, one := range msg {
			_, cmd := m.Update(one)
			cmds = append(cmds, cmd)
		}
		if !m.done {
			cmds = append(cmds, m.feed.wait())
		}
		return m, tea.Batch(cmds...)
	}
	return m, nil
}

func (m *stepsModel) View() string {
	w := max(m.width, 20)
	var lines []string
	if m.opts.Title != "" {
		lines = append(lines, m.st.title.Render(fit(safe(m.opts.Title), w)))
	}
	frame := m.spin.Spinner.Frames[0]
	if !m.opts.Static {
		frame = m.spin.View()
	}
	room := m.height - len(lines) - 1
	if m.steps.len() > room && room >= 1 {
		lines = append(lines, m.steps.compact(m.st, frame, w))
	} else {
		lines = append(lines, m.steps.lines(m.st, frame, w)...)
	}
	switch {
	case m.done && m.err != nil && !tasks.IsStepError(m.err):
		// A step's failure is on its line already; anything else is said here.
		lines = append(lines, m.st.bad.Render(fit("✗ "+safe(oneLine(m.err.Error())), w)))
	case m.stopping && !m.done:
		lines = append(lines, m.st.warn.Render(fit("stopping… ctrl+c again quits at once", w)))
	}
	return strings.Join(lines, "\n") + "\n"
}
