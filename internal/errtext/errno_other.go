//go:build !windows

package errtext

// Elsewhere the portable names are the system's own numbers.
const (
	wsaConnRefused, wsaConnReset, wsaHostUnreach, wsaNetUnreach = 0, 0, 0, 0
)
