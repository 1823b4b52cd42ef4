// Package localtest helps tests run the embedded endpoint the way users do:
// as a separate, killable process on a data directory, and driven by the
// AWS CLI (awscli.go). It is for tests only.
package localtest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local"
)

// childEnv makes a test binary serve a durable endpoint instead of running
// its tests; its value is the data directory.
const childEnv = "SPK_LOCALTEST_CHILD_DATA_DIR"

// ServeIfChild, called first in TestMain, turns the test binary into an
// endpoint process when StartChild started it: it serves on a free port,
// prints "URL <url>" on stdout, and runs until killed or interrupted. It
// returns false, doing nothing, in a normal test run.
func ServeIfChild() bool {
	dir := os.Getenv(childEnv)
	if dir == "" {
		return false
	}
	opts := local.DefaultOptions()
	opts.Addr = "127.0.0.1:0"
	opts.DataDir = dir
	opts.CreateDelay, opts.DeleteDelay, opts.UpdateDelay = -1, -1, -1 // no CREATING wait: tests check data, not states
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start endpoint:", err)
		os.Exit(1)
	}
	fmt.Println("URL " + srv.URL())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
	srv.Shutdown(context.Background())
	os.Exit(0)
	return true
}

// StartChild re-runs the test binary as an endpoint process on dir (see
// ServeIfChild) and returns the process and its URL. The process is killed
// when the test ends, if it still runs.
func StartChild(t *testing.T, dir string) (*exec.Cmd, string) {
	t.Helper()
	return StartProcess(t, []string{childEnv + "=" + dir}, "URL ")
}

// StartProcess re-runs the test binary with env added (its TestMain then
// serves instead of testing) and returns the process and what follows
// prefix on the first stdout line that starts with it: where it listens.
// The process is killed when the test ends, if it still runs.
func StartProcess(t *testing.T, env []string, prefix string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
				found <- v
			}
		}
		close(found)
	}()
	select {
	case v, ok := <-found:
		if !ok {
			t.Fatal("the endpoint process exited before listening")
		}
		return cmd, v
	case <-time.After(60 * time.Second):
		t.Fatal("the endpoint process did not listen within 60s")
	}
	return nil, ""
}

// AWSCLI finds the AWS CLI version 2, preferring the system's install over a
// version 1 shim earlier on PATH. Without it the test is skipped, except
// when CI is set: there it is required.
func AWSCLI(t *testing.T) string {
	t.Helper()
	path := findAWSCLI()
	if path != "" {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatal("the AWS CLI v2 is required in CI (Debian package awscli)")
	}
	t.Skip("the AWS CLI v2 is not installed")
	return ""
}

// findAWSCLI asks each candidate its version once per test binary: a CLI
// start costs a second of Python start-up, and every CLI test asks.
var findAWSCLI = sync.OnceValue(func() string {
	for _, p := range []string{"/usr/bin/aws", "/usr/local/bin/aws", "aws"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if out, err := exec.Command(path, "--version").CombinedOutput(); err == nil && strings.HasPrefix(string(out), "aws-cli/2") {
			return path
		}
	}
	return ""
})

// Boto3 returns a python3 that can import boto3 (Debian python3-boto3). It
// fails the test in CI, where .ci/run installs it, and skips it elsewhere.
func Boto3(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if err := exec.Command(path, "-c", "import boto3").Run(); err == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("python3 with boto3 is required in CI (Debian package python3-boto3)")
	}
	t.Skip("python3 with boto3 is not installed")
	return ""
}
