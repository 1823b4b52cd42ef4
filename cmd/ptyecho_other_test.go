//go:build !linux

package cmd

import (
	"os"
	"testing"
)

// ttyEchoes cannot tell here.
func ttyEchoes(*testing.T, *os.File) (on, known bool) { return false, false }
