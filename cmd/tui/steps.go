package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/tasks"
)

// stepKey tells steps apart: the tutorial's number and the task's name.
type stepKey struct {
	step int
	name string
}

// stepState is what the views know of one step.
type stepState struct {
	last    tasks.Event
	started time.Time // first Running event
	ended   time.Time // Done, Failed or Skipped
}

// maxErrorLines is how many lines a failed step's error may take.
const maxErrorLines = 3

// stepList keeps the steps in the order the runner announced them.
type stepList struct {
	order []stepKey
	byKey map[stepKey]*stepState
	// live are details that replace a running step's own, by step number:
	// what the view knows better than the event that started the step
	// (step 5's rate after + or -, or that it is paused).
	live map[int]string
}

func newStepList() stepList {
	return stepList{byKey: map[stepKey]*stepState{}, live: map[int]string{}}
}

// apply takes one runner event.
func (l *stepList) apply(e tasks.Event) {
	k := stepKey{e.Step, e.Name}
	s := l.byKey[k]
	if s == nil {
		s = &stepState{}
		l.byKey[k] = s
		l.order = append(l.order, k)
	}
	if e.Err != nil {
		// Never the SDK's chain of wrappers, as the plain lines have it.
		e.Error = errtext.Concise(e.Err)
	}
	switch e.State {
	case tasks.Running:
		if s.started.IsZero() {
			s.started = e.At
		}
	case tasks.Done, tasks.Failed, tasks.Skipped:
		s.ended = e.At
	}
	s.last = e
}

func (l *stepList) len() int { return len(l.order) }

// lines draws one line per step, each at most width cells.
func (l *stepList) lines(st styles, spin string, width int) []string {
	return l.draw(st, spin, width, false, "")
}

// reportLines are the steps as the final report leaves them on the screen:
// a failed step's error whole, wrapped under it, and hint, when set, under
// the first failed step. There the failure is told, once.
func (l *stepList) reportLines(st styles, width int, hint string) []string {
	return l.draw(st, "…", width, true, hint)
}

// failed reports whether a step failed.
func (l *stepList) failed() bool {
	for _, k := range l.order {
		if l.byKey[k].last.State == tasks.Failed {
			return true
		}
	}
	return false
}

// draw is lines, or with report reportLines.
func (l *stepList) draw(st styles, spin string, width int, report bool, hint string) []string {
	nameW := 0
	for _, k := range l.order {
		nameW = max(nameW, displayWidth(safe(k.name)))
	}
	// Names take what is left after the mark, number and a useful detail.
	nameW = min(nameW, max(width-4-2-20, 12))
	out := make([]string, 0, len(l.order))
	for _, k := range l.order {
		s := l.byKey[k]
		e := s.last
		var mark, detail, suffix string
		var ds = st.dim
		switch e.State {
		case tasks.Pending:
			mark = st.dim.Render("·")
			detail = "pending"
		case tasks.Running:
			mark = st.running.Render(spin)
			detail = e.Detail
			if d, ok := l.live[k.step]; ok {
				detail = d
			}
			if detail == "" {
				detail = "running"
			}
			ds = st.running
		case tasks.Done:
			mark = st.ok.Render("✓")
			detail = e.Detail
			if !s.started.IsZero() {
				suffix = took(s.ended.Sub(s.started))
			}
		case tasks.Skipped:
			mark = st.dim.Render("–")
			detail = "skipped: " + e.Detail
		case tasks.Failed:
			mark = st.bad.Render("✗")
			detail = "failed: " + oneLine(e.Error)
			ds = st.bad
		default:
			mark = "?"
			detail = string(e.State)
		}
		name := fit(safe(k.name), nameW)
		if e.State == tasks.Pending || e.State == tasks.Skipped {
			name = st.dim.Render(name)
		}
		head := fmt.Sprintf("%s %2d  %s", mark, k.step, pad(name, nameW, false))
		if suffix != "" {
			suffix = "  " + suffix
		}
		rest := width - displayWidth(head) - 2 - displayWidth(suffix)
		line := head
		var more []string
		if rest > 0 && detail != "" {
			detail = safe(oneLine(detail))
			if e.State == tasks.Failed && displayWidth(detail) > rest && rest >= 20 {
				// An error is what the user must act on: wrap it under the
				// step, up to maxErrorLines, rather than cut it.
				wrapped := wrapWords(detail, rest)
				if len(wrapped) > maxErrorLines && !report {
					wrapped = wrapped[:maxErrorLines]
					wrapped[maxErrorLines-1] = fit(wrapped[maxErrorLines-1]+" …", rest)
				}
				detail = wrapped[0]
				indent := strings.Repeat(" ", displayWidth(head)+2)
				for _, w := range wrapped[1:] {
					more = append(more, indent+ds.Render(w))
				}
			}
			line += "  " + ds.Render(fitKeepingURL(detail, rest))
		}
		if rest > 0 {
			line += st.dim.Render(suffix)
		}
		if e.State == tasks.Failed && hint != "" && rest >= 20 {
			indent := strings.Repeat(" ", displayWidth(head)+2)
			for _, w := range wrapWords("hint: "+safe(oneLine(hint)), rest) {
				more = append(more, indent+w)
			}
			hint = "" // under the first failed step only
		}
		out = append(out, fit(line, width))
		for _, l := range more {
			out = append(out, fit(l, width))
		}
	}
	return out
}

// compact is the whole list in one line, for screens too short for it.
func (l *stepList) compact(st styles, spin string, width int) string {
	done, total := 0, 0
	var current string
	for _, k := range l.order {
		e := l.byKey[k].last
		total++
		switch e.State {
		case tasks.Done, tasks.Skipped:
			done++
		case tasks.Running:
			current = st.running.Render(spin) + fmt.Sprintf(" step %d: %s", k.step, safe(k.name))
		case tasks.Failed:
			current = st.bad.Render("✗") + fmt.Sprintf(" step %d failed: %s", k.step, safe(oneLine(e.Error)))
		}
	}
	line := fmt.Sprintf("steps %d/%d done", done, total)
	if current != "" {
		line += " · " + current
	}
	return fit(line, width)
}
