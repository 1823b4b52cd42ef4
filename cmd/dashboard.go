package cmd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/spk-cli/spk/cmd/tui"
	"github.com/spk-cli/spk/tasks"
)

// wantDashboard says whether a long-running verb should draw the dashboard:
// a terminal on both ends, text output, and no --no-tui.
func wantDashboard(f *Factory, c *cobra.Command, textOutput bool) bool {
	noTUI, _ := c.Flags().GetBool("no-tui")
	return !noTUI && textOutput && f.IO.IsStderrTTY() && f.IO.IsStdinTTY()
}

// runDashboard shows d while work runs. work gets a context that q and
// Ctrl-C cancel and a sink for step events; its notes end the view.
func runDashboard(ctx context.Context, f *Factory, d *tui.Dashboard, stop context.CancelFunc, work func(on func(tasks.Event)) ([]string, error)) error {
	done := make(chan error, 1)
	go func() {
		notes, err := work(d.Step)
		d.Finish(tui.Summary{Err: err, Hint: hintFor(err), Notes: notes})
		done <- err
	}()
	// A stop held up by an endpoint that no longer answers would wait on
	// the consumer's last writes for half a minute: q ends it sooner.
	d.GiveUpAfter(unreachableGrace)
	if err := d.Run(context.Background(), f.IO.In, f.IO.ErrOut); err != nil {
		stop()
		if errors.Is(err, tui.ErrAborted) {
			// Work cut short: exit 130 with "spk: interrupted", the report
			// having said the rest.
			return fmt.Errorf("%w: stopped before the work finished: %w", context.Canceled, err)
		}
		if errors.Is(err, tui.ErrUnreachable) {
			return &hinted{err: fmt.Errorf("run: %w", err), hint: "start the endpoint again, then spk run counts what is missing from its last checkpoints"}
		}
		return err
	}
	return shown(<-done) // the final report told it
}

// unreachableGrace is how long q waits for the work to stop when the
// endpoint does not answer.
const unreachableGrace = 3 * time.Second
