package generate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Streams are where Run writes: echoed events and the JSON summary go to
// Out; the live status and the text summary go to ErrOut. ErrTTY says
// whether ErrOut is a terminal (the status line is then redrawn in place).
type Streams struct {
	Out    io.Writer
	ErrOut io.Writer
	ErrTTY bool
}

// NotAcknowledgedError is returned when some events were never acknowledged
// by Kinesis. The caller should exit non-zero.
type NotAcknowledgedError struct {
	Summary Summary
}

func (e *NotAcknowledgedError) Error() string {
	s := e.Summary
	missing := s.Failed + s.Pending
	reasons := make([]string, 0, len(s.Failures))
	for _, r := range slices.Sorted(maps.Keys(s.Failures)) {
		reasons = append(reasons, fmt.Sprintf("%d %s", s.Failures[r], r))
	}
	why := strings.Join(reasons, "; ")
	if why == "" {
		why = "still pending when the run ended"
	}
	return fmt.Sprintf("%d of %d events were not acknowledged by Kinesis (%s): run again to send more; the summary counts exactly what was acknowledged",
		missing, s.Generated, why)
}

// Run is `spk generate-events`: it runs a producer with opts against client,
// echoing events (Print), drawing a status line on ErrOut and writing the
// summary, and returns the summary. The error is a *NotAcknowledgedError
// when events were not acknowledged, or what stopped the run.
func Run(ctx context.Context, client KinesisAPI, opts Options, streams Streams) (Summary, error) {
	p, err := New(client, opts)
	if err != nil {
		return Summary{}, err
	}
	opts = p.opts
	if opts.Print {
		p.EchoTo(streams.Out)
	}
	statusDone := make(chan struct{})
	statusCtx, stopStatus := context.WithCancel(context.Background())
	go func() {
		defer close(statusDone)
		printStatus(statusCtx, p, opts, streams)
	}()
	sum, runErr := p.Run(ctx)
	<-statusDone
	stopStatus()

	if opts.Output == "json" {
		enc := json.NewEncoder(streams.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil && runErr == nil {
			runErr = fmt.Errorf("write summary: %w", err)
		}
	} else {
		fmt.Fprintln(streams.ErrOut, FormatSummary(sum))
	}
	return sum, runErr
}

// printStatus writes the live status until the producer is done: redrawn
// in place several times a second on a terminal, a line every
// StatusInterval otherwise. With Print on a terminal the echoed events are
// the progress, so no status line is drawn over them.
func printStatus(ctx context.Context, p *Producer, opts Options, streams Streams) {
	every := opts.StatusInterval
	if streams.ErrTTY {
		every = 250 * time.Millisecond
	}
	quiet := opts.Print && streams.ErrTTY
	drawn := false
	for snap := range p.Subscribe(ctx, every) {
		if quiet {
			continue
		}
		if streams.ErrTTY {
			if snap.Done {
				if drawn {
					fmt.Fprint(streams.ErrOut, "\r\x1b[K")
				}
				continue
			}
			fmt.Fprint(streams.ErrOut, "\r\x1b[K"+StatusLine(snap))
			drawn = true
			continue
		}
		if !snap.Done {
			fmt.Fprintln(streams.ErrOut, StatusLine(snap))
		}
	}
}

// StatusLine is the one-line live status.
func StatusLine(s Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %.0f events/s, %d acknowledged", s.Stream, s.CurrentRate, s.Acknowledged)
	if s.Pending > 0 {
		fmt.Fprintf(&b, ", %d in flight", s.Pending)
	}
	if s.Retried > 0 {
		fmt.Fprintf(&b, ", %d retried", s.Retried)
	}
	if s.Throttled > 0 {
		fmt.Fprintf(&b, ", %d throttled", s.Throttled)
	}
	if s.Failed > 0 {
		fmt.Fprintf(&b, ", %d FAILED", s.Failed)
	}
	if s.TargetRate > 0 {
		fmt.Fprintf(&b, " (target %.0f/s)", s.TargetRate)
	}
	if s.Paused {
		b.WriteString(" [paused]")
	}
	return b.String()
}

// FormatSummary is the final summary in text.
func FormatSummary(s Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Sent %d events to %s in %s: %d acknowledged, %d failed, %d retried, %d throttled; %.0f events/s",
		s.Generated, s.Stream, s.Elapsed.Round(time.Millisecond), s.Acknowledged, s.Failed+s.Pending, s.Retried, s.Throttled, s.EventsPerSecond)
	if s.Records != s.Acknowledged {
		fmt.Fprintf(&b, " in %d Kinesis records", s.Records)
	}
	if s.Bad > 0 || s.Late > 0 {
		fmt.Fprintf(&b, " (%d malformed, %d late on purpose)", s.Bad, s.Late)
	}
	if len(s.PerShard) > 0 {
		b.WriteString("\n  per shard:")
		for _, id := range slices.Sorted(maps.Keys(s.PerShard)) {
			fmt.Fprintf(&b, " %s=%d", id, s.PerShard[id])
		}
	}
	for _, r := range slices.Sorted(maps.Keys(s.Failures)) {
		fmt.Fprintf(&b, "\n  failed: %d %s", s.Failures[r], r)
	}
	return b.String()
}
