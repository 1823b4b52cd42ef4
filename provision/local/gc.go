package local

import (
	"os"
	"runtime/debug"
)

// ServerGCPercent is the garbage collector target TuneGC sets.
const ServerGCPercent = 400

// TuneGC sets the garbage collector for a process whose main work is
// serving the endpoint, unless GOGC is set in the environment. The
// endpoint's live heap is small (items and records live in the store's
// memory map, not on the Go heap), so the default target of 100%
// collects after every few megabytes of request garbage; at 400% the
// endpoint spends markedly less CPU per request for a few tens of
// megabytes more memory. It changes the whole process, so only a
// command that runs the endpoint alone (spk local) should call it.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(ServerGCPercent)
	}
}
