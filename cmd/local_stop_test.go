package cmd

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestStopOutcomeSaysHowTheStopWent: after Ctrl-C, requests cut off at the
// end of the wait are a clean stop said in words, and a store that did not
// close is a failure said with what the next start does; the user saw
// "spk: interrupted" alone for both.
func TestStopOutcomeSaysHowTheStopWent(t *testing.T) {
	closeFailed := errors.New("sync spk-local.db: input/output error")
	for _, c := range []struct {
		name     string
		err      error
		inMemory bool
		line     string
		failed   bool
	}{
		{"clean", nil, false, "spk local: stopped", false},
		{"requests cut off", context.DeadlineExceeded, false,
			"spk local: stopped: requests still running after 15s were cut off (their clients get no answer); the store was synced and closed", false},
		{"requests cut off, joined with a clean close", errors.Join(context.DeadlineExceeded, nil), true,
			"spk local: stopped: requests still running after 15s were cut off (their clients get no answer); the in-memory store was dropped", false},
		{"the store did not close", errors.Join(fmt.Errorf("wait: %w", context.DeadlineExceeded), closeFailed), false,
			"spk local: stopped, but the store did not close cleanly: sync spk-local.db: input/output error; the next start recovers every acknowledged write from the write-ahead log", true},
	} {
		line, err := stopOutcome(c.err, c.inMemory)
		if line != c.line || (err != nil) != c.failed || (c.failed && !errors.Is(err, closeFailed)) {
			t.Errorf("%s: %q, %v\nwant %q, failed %v", c.name, line, err, c.line, c.failed)
		}
	}
}
