//go:build !linux

package grouplog

import "os"

func fdatasync(f *os.File) error { return f.Sync() }
