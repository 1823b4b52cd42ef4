// Package proc holds what the benchmarks that start `spk local` as a real
// process share: a free loopback address, waiting for the endpoint to
// listen, the median of their runs, and the CPU time a process used.
package proc

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FreeAddr returns a loopback address with a port nobody listens on now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// WaitListening polls addr until it accepts a connection, for at most within.
func WaitListening(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("spk local did not listen on %s within %s: %w", addr, within, err)
		}
		time.Sleep(20 * time.Millisecond) // polling the port, bounded by the deadline
	}
}

// number is what the benchmarks take medians of: rates, sizes, durations.
type number interface{ ~int | ~int64 | ~float64 }

// Median returns the median of v (the mean of the middle two for an even
// count) without reordering v.
func Median[T number](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BuildSpk builds spk's command into dir and returns the binary's path, for
// the benchmarks that run `spk local` or `spk run` as real processes. The
// build's own output goes to stderr.
func BuildSpk(dir string) (string, error) {
	bin := filepath.Join(dir, "spk")
	build := exec.Command("go", "build", "-o", bin, "github.com/spk-cli/spk/cmd/spk")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("build spk (run from inside spk's module): %w", err)
	}
	return bin, nil
}

// ProcessCPU is the CPU time (user and system) process pid has used, read
// from /proc: clock ticks of 10 ms, enough over a run of seconds. It is 0
// where there is no /proc.
func ProcessCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
