package local_test

import (
	"runtime/debug"
	"testing"

	"github.com/spk-cli/spk/provision/local"
)

func TestTuneGCLeavesAUsersGOGCAlone(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	t.Setenv("GOGC", "")
	debug.SetGCPercent(100)
	local.TuneGC()
	if got := debug.SetGCPercent(100); got != local.ServerGCPercent {
		t.Fatalf("without GOGC, TuneGC set %d%%, want %d%%", got, local.ServerGCPercent)
	}

	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150) // as the runtime does at start from GOGC
	local.TuneGC()
	if got := debug.SetGCPercent(100); got != 150 {
		t.Fatalf("with GOGC=150, TuneGC changed the target to %d%%", got)
	}
}
