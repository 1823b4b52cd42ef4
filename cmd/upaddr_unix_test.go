//go:build unix

package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpOnAnAddressItCannotBind: an address where nothing answers but
// that cannot be bound (a socket holds the port without listening) stops
// spk up before any step, with spk local's line for it and exit 2, and
// leaves no data directory; so does a non-loopback address, which the
// endpoint spk up starts, checking no keys, must not take.
func TestUpOnAnAddressItCannotBind(t *testing.T) {
	addr := refusingAddr(t)
	port := addr[strings.LastIndex(addr, ":")+1:]
	parent := t.TempDir()
	dataDir := filepath.Join(parent, "new", "data")
	const busy = "cannot listen on --addr %s: address already in use; stop what listens there, or choose another address with --addr"
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag", nil, []string{"--addr", addr}, "spk: up: " + fmt.Sprintf(busy, addr)},
		{"environment", map[string]string{"SPK_LOCAL_ADDR": addr}, nil,
			"spk: up: cannot listen on SPK_LOCAL_ADDR " + addr + ": address already in use; stop what listens there, or choose another address with --addr"},
		{"in memory", nil, []string{"--addr", addr, "--in-memory"}, "spk: up: " + fmt.Sprintf(busy, addr)},
		{"not loopback", nil, []string{"--addr", "0.0.0.0:" + port},
			"spk: up: --addr 0.0.0.0:" + port + " is not loopback: anyone on the network could use the endpoint spk up starts, which checks no keys; give a loopback address such as 127.0.0.1:4566"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{"XDG_STATE_HOME": t.TempDir()}
			for k, v := range c.env {
				env[k] = v
			}
			args := append([]string{"up", "--no-tui", "--duration", "1s", "--data-dir", dataDir}, c.args...)
			r := run(t, env, args...)
			if r.code != ExitUsage || r.stderr != c.want+"\n" || r.stdout != "" {
				t.Fatalf("code %d (want 2), stdout %q, stderr:\n%s\nwant exactly:\n%s", r.code, r.stdout, r.stderr, c.want)
			}
			if _, err := os.Stat(filepath.Join(parent, "new")); !os.IsNotExist(err) {
				t.Fatalf("the refused spk up made the data directory: %v", err)
			}
		})
	}
	// spk local says the same of the same address.
	r := run(t, nil, "local", "--addr", addr, "--data-dir", dataDir)
	if want := "spk: local: " + fmt.Sprintf(busy, addr) + "\n"; r.code != ExitUsage || r.stderr != want {
		t.Fatalf("spk local: code %d, stderr:\n%s\nwant exactly:\n%s", r.code, r.stderr, want)
	}
}
