package tui

import (
	"os"
	"os/signal"
	"syscall"
)

// StopSignals are the signals that stop spk's work gracefully, as Ctrl-C
// does: SIGINT, SIGTERM, and SIGHUP (the terminal window closed) unless
// spk was started with it ignored (nohup), when it must stay ignored.
func StopSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// interruptMsg is a stop signal (StopSignals), which a view treats as
// ctrl+c: the first asks the work to stop, a second quits at once.
type interruptMsg struct{}

// relaySignals delivers the stop signals to a view's feed until the
// returned function is called. Without it a signal would end the process
// with the terminal still in the view's modes.
func relaySignals(f *feed) (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, StopSignals()...)
	done := make(chan struct{})
	go relay(f, sigs, done)
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// relay pushes an interruptMsg for each signal until done. A closed
// terminal sends SIGHUP twice: a SIGHUP after any signal is dropped, so it
// never makes the second interrupt, which quits at once.
func relay(f *feed, sigs <-chan os.Signal, done <-chan struct{}) {
	pushed := false
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGHUP && pushed {
				continue
			}
			pushed = true
			f.push(interruptMsg{})
		case <-done:
			return
		}
	}
}
