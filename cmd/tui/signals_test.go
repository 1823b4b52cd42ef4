//go:build unix

package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
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

// TestStopSignalsLeaveNohupAlone: SIGHUP (a closed terminal) stops spk
// gracefully, unless spk was started with it ignored, as nohup does: then
// it stays ignored, and spk goes on. The test binary runs itself under a
// shell that ignores SIGHUP, and reports what StopSignals gives there.
func TestStopSignalsLeaveNohupAlone(t *testing.T) {
	if os.Getenv("SPK_TEST_PRINT_STOP_SIGNALS") == "1" {
		for _, s := range StopSignals() {
			fmt.Println(s)
		}
		return
	}
	if got := StopSignals(); len(got) != 3 || got[2] != syscall.SIGHUP {
		t.Fatalf("StopSignals() = %v, want interrupt, terminated and hangup", got)
	}
	cmd := exec.Command("sh", "-c", `trap "" HUP; exec "$0" -test.run='^TestStopSignalsLeaveNohupAlone$' -test.count=1`, os.Args[0])
	cmd.Env = append(os.Environ(), "SPK_TEST_PRINT_STOP_SIGNALS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "interrupt\nterminated\n") || strings.Contains(string(out), "hangup") {
		t.Fatalf("with SIGHUP ignored, StopSignals() printed:\n%s", out)
	}
}

// TestRepeatedHangupIsNotASecondInterrupt: a closed terminal sends SIGHUP
// twice; the second must not quit at once, cutting the graceful stop the
// first began. A SIGTERM or SIGINT after it still does.
func TestRepeatedHangupIsNotASecondInterrupt(t *testing.T) {
	f := newFeed()
	sigs := make(chan os.Signal)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() { relay(f, sigs, done); close(finished) }()
	for _, s := range []os.Signal{syscall.SIGHUP, syscall.SIGHUP, syscall.SIGHUP, syscall.SIGTERM} {
		sigs <- s // unbuffered: each is taken before the next is sent
	}
	close(done)
	<-finished
	f.mu.Lock()
	n := len(f.queue)
	f.mu.Unlock()
	if n != 2 {
		t.Fatalf("%d interrupts from SIGHUP, SIGHUP, SIGHUP, SIGTERM; want 2 (the first SIGHUP, the SIGTERM)", n)
	}
}
