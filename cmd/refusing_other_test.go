//go:build !unix

package cmd

import "testing"

// refusingAddr is closedPort where sockets cannot be bound without
// listening here.
func refusingAddr(t *testing.T) string { return closedPort(t) }
