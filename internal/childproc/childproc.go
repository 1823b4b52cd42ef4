// Package childproc holds what tests and benchmarks need for the processes
// they start.
package childproc

import "os/exec"

// DieWithParent asks the system to kill cmd's process when the process
// that started it dies, even by kill -9, so a killed test run leaves no
// server behind. It works on Linux only; elsewhere it does nothing, and
// the caller's own cleanup is all there is.
func DieWithParent(cmd *exec.Cmd) { dieWithParent(cmd) }
