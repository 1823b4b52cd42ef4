package errtext

import "golang.org/x/sys/windows"

// Windows' socket errors, which syscall.ECONNREFUSED and its kin do not
// match there.
const (
	wsaConnRefused = windows.WSAECONNREFUSED
	wsaConnReset   = windows.WSAECONNRESET
	wsaHostUnreach = windows.WSAEHOSTUNREACH
	wsaNetUnreach  = windows.WSAENETUNREACH
)
