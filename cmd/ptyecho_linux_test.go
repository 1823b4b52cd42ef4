package cmd

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// ttyEchoes reports whether the terminal of pty's other end echoes what is
// typed: Linux answers for that end when asked on this one.
func ttyEchoes(t *testing.T, pty *os.File) (on, known bool) {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(pty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatalf("read the terminal's settings: %v", err)
	}
	return tio.Lflag&unix.ECHO != 0, true
}
