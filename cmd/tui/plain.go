// Package tui holds spk's terminal views: the plain line printer used when
// there is no terminal (or with --no-tui) and the bubbletea dashboard. Views
// only consume events and snapshots; they never call AWS.
package tui

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/internal/termsafe"
	"github.com/spk-cli/spk/tasks"
)

// StepPrinter prints one line per task state change.
type StepPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	json  bool
	color bool
}

// NewStepPrinter writes plain lines, coloured marks when color is set, or
// JSON lines when asJSON is set.
func NewStepPrinter(w io.Writer, color, asJSON bool) *StepPrinter {
	return &StepPrinter{w: w, color: color, json: asJSON}
}

// OnEvent is a tasks.Runner event sink.
func (p *StepPrinter) OnEvent(e tasks.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		b, _ := json.Marshal(struct {
			Type string `json:"type"`
			tasks.Event
		}{"step", e})
		fmt.Fprintln(p.w, string(termsafe.JSON(b)))
		return
	}
	if e.State == tasks.Pending {
		return // the plain view shows steps as they start
	}
	mark := map[tasks.State]string{tasks.Running: "…", tasks.Done: "✓", tasks.Skipped: "-", tasks.Failed: "✗"}[e.State]
	if p.color {
		code := map[tasks.State]string{tasks.Running: "36", tasks.Done: "32", tasks.Skipped: "90", tasks.Failed: "31"}[e.State]
		mark = "\x1b[" + code + "m" + mark + "\x1b[0m"
	}
	line := fmt.Sprintf("%s step %d: %s", mark, e.Step, safe(e.Name))
	switch {
	case e.Err != nil:
		line += ": " + safe(errtext.Concise(e.Err))
	case e.Detail != "":
		line += ": " + safe(e.Detail)
	}
	fmt.Fprintln(p.w, line)
}
