//go:build !windows

package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps f's first size bytes read-only, for reading pages without a
// system call each; unmap lets go of them.
func mapFile(f *os.File, size int) (data []byte, unmap func(), err error) {
	data, err = unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() { unix.Munmap(data) }, nil
}
