// Package peertest starts the other Kinesis and DynamoDB emulators that
// spk's tests run against (kinesalite, dynalite), installed by npm under
// test/peers, on free loopback ports.
package peertest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// EnvVar turns on the tests that need the peers. CI sets it after
// installing them (cd test/peers && npm ci).
const EnvVar = "SPK_TEST_PEERS"

// Enabled reports whether peer tests should run; when not, it skips t.
func Enabled(t *testing.T) {
	t.Helper()
	if os.Getenv(EnvVar) == "" {
		t.Skipf("set %s=1 (after: cd test/peers && npm ci) to run against kinesalite and dynalite", EnvVar)
	}
}

// Kinesalite starts kinesalite and returns its endpoint URL.
func Kinesalite(t *testing.T) string {
	t.Helper()
	return start(t, "kinesalite", "--createStreamMs", "50", "--deleteStreamMs", "50", "--updateStreamMs", "50", "--shardLimit", "1000")
}

// Dynalite starts dynalite and returns its endpoint URL.
func Dynalite(t *testing.T) string {
	t.Helper()
	return start(t, "dynalite", "--createTableMs", "50", "--deleteTableMs", "50", "--updateTableMs", "50")
}

func start(t *testing.T, name string, args ...string) string {
	t.Helper()
	bin := filepath.Join(moduleRoot(t), "test", "peers", "node_modules", ".bin", name)
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is not installed (%v); run: cd test/peers && npm ci", name, err)
	}
	port := freePort(t)
	cmd := exec.Command(bin, append([]string{"--port", fmt.Sprint(port)}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr
		}
		select {
		case <-exited:
			t.Fatalf("%s exited before listening on %s", name, addr)
		case <-time.After(20 * time.Millisecond): // poll interval while the peer starts
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s within 30s", name, addr)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// moduleRoot finds the directory holding go.mod, from the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}
