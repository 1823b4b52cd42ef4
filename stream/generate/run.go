package generate

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

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

// Run runs a producer with opts against client until it is done and
// returns its summary, printing nothing: with opts.Print, each acknowledged
// event is echoed to echo. The error is a *NotAcknowledgedError when events
// were not acknowledged, or what stopped the run. Views follow a producer
// made with New (or Prepare) through its snapshots instead.
func Run(ctx context.Context, client KinesisAPI, opts Options, echo io.Writer) (Summary, error) {
	p, err := New(client, opts)
	if err != nil {
		return Summary{}, err
	}
	if opts.Print {
		p.EchoTo(echo)
	}
	return p.Run(ctx)
}
