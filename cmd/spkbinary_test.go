package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// TestMain removes the binary buildSpk built.
func TestMain(m *testing.M) {
	code := m.Run()
	if spkBuild.dir != "" {
		os.RemoveAll(spkBuild.dir)
	}
	os.Exit(code)
}

// spkBuild is the real binary, built once for the tests that run it as a
// user does: each build links the whole program again, seconds of CPU.
var spkBuild struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// buildSpk builds the real binary once per test binary and returns its path.
func buildSpk(t *testing.T) string {
	t.Helper()
	spkBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "spk-cmd-test-")
		if err != nil {
			spkBuild.err = err
			return
		}
		spkBuild.dir = dir
		bin := filepath.Join(dir, "spk")
		cmd := exec.Command("go", "build", "-o", bin, "./spk")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			spkBuild.err = fmt.Errorf("%v\n%s", err, out)
			return
		}
		spkBuild.bin = bin
	})
	if spkBuild.err != nil {
		t.Fatalf("build spk: %v", spkBuild.err)
	}
	return spkBuild.bin
}
