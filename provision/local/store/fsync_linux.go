package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// fdatasync flushes a file's data and the metadata needed to read it back
// (its size), not its timestamps.
func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }
