package tui

import (
	"os"
	"os/signal"
	"syscall"
)

// interruptMsg is SIGINT or SIGTERM, which a view treats as ctrl+c: the
// first asks the work to stop, a second quits at once.
type interruptMsg struct{}

// relaySignals delivers SIGINT and SIGTERM to a view's feed until the
// returned function is called. Without it a signal would end the process
// with the terminal still in the view's modes.
func relaySignals(f *feed) (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-sigs:
				f.push(interruptMsg{})
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}
