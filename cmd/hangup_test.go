//go:build unix

package cmd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLocalStopsCleanlyOnHangup: closing the terminal spk local runs in
// (SIGHUP, twice) stops it as Ctrl-C does, syncing the store and removing its
// checkpoint marker, instead of killing it mid-write.
func TestLocalStopsCleanlyOnHangup(t *testing.T) {
	bin := buildSpk(t)
	dataDir := filepath.Join(t.TempDir(), "data")
	stderr := &lockedBuffer{}
	cmd := exec.Command(bin, "local", "--addr", closedPort(t), "--data-dir", dataDir)
	cmd.Stderr = stderr
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "Press Ctrl-C to stop.") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no banner:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond) // poll interval; the deadline bounds the wait
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// A closed terminal sends SIGHUP again (the shell's, then the
	// kernel's); the second must not cut the stop short.
	for !strings.Contains(stderr.String(), "spk local: stopping") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no stopping line after SIGHUP:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond) // poll interval; the deadline bounds the wait
	}
	cmd.Process.Signal(syscall.SIGHUP)
	select {
	case err := <-done:
		if err != nil || !strings.Contains(stderr.String(), "spk local: stopped") {
			t.Fatalf("after SIGHUP: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("spk local did not stop after SIGHUP")
	}
	if _, err := os.Stat(filepath.Join(dataDir, "checkpoint")); !os.IsNotExist(err) {
		t.Errorf("the checkpoint marker is left after a clean stop: %v", err)
	}
}
