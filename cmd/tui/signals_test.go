//go:build unix

package tui

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDashboardSignals checks SIGTERM stops the work gracefully, as q does,
// and a second signal quits at once. (SIGINT takes the same path.)
func TestDashboardSignals(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	out := &syncBuffer{}
	quit := make(chan struct{})
	opts := upOptions()
	opts.OnQuit = func() { close(quit) }
	d := NewDashboard(opts)
	d.Step(upEvents()[0])
	errc := make(chan error, 1)
	go func() { errc <- d.Run(context.Background(), inR, out) }()
	waitFor(t, "the first frame", func() bool { return strings.Contains(out.String(), "use profile local") })

	self, _ := os.FindProcess(os.Getpid())
	if err := self.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-quit:
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not ask the work to stop")
	}
	waitFor(t, "the stopping notice", func() bool { return strings.Contains(out.String(), "stopping…") })
	// SIGTERM again: SIGINT would also reach the handlers teatest leaves
	// registered by earlier tests.
	self.Signal(syscall.SIGTERM)
	select {
	case err := <-errc:
		if !errors.Is(err, ErrAborted) {
			t.Fatalf("Run after two signals = %v, want ErrAborted", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second signal did not end the view")
	}
}
