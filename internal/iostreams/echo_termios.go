//go:build linux || darwin

package iostreams

import "golang.org/x/sys/unix"

// echoOff turns a terminal's echo off, keeping its line editing and
// Ctrl-C, as term.ReadPassword does, and returns what turns it back on.
func echoOff(fd int) (restore func(), err error) {
	old, err := unix.IoctlGetTermios(fd, getTermios)
	if err != nil {
		return nil, err
	}
	silent := *old
	silent.Lflag &^= unix.ECHO
	silent.Lflag |= unix.ICANON | unix.ISIG
	silent.Iflag |= unix.ICRNL
	if err := unix.IoctlSetTermios(fd, setTermios, &silent); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(fd, setTermios, old) }, nil
}
