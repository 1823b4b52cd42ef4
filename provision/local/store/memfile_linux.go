package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// memFile returns an anonymous file that lives in memory only: it has no
// name in any file system, the kernel never writes it to disk, and it is
// freed when closed, even if the process is killed.
func memFile() (*os.File, error) {
	fd, err := unix.MemfdCreate("spk-local-store", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "memfd:spk-local-store"), nil
}
