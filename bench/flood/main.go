// Command flood measures what a flood of large requests costs `spk local`:
// it builds spk from ./cmd/spk, runs `spk local` keyed (--access-key and
// --secret-key) and in memory on a loopback port, sends it 40 concurrent
// PutRecords requests of 16 MiB each, unsigned and then signed, and prints
// the endpoint process's peak RSS (VmHWM) for each, the median of the runs.
// A fresh process serves each run, so each peak is that flood's alone.
//
//	go run ./bench/flood -runs 3
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spk-cli/spk/bench/internal/proc"
	local "github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/local/flood"
)

var keys = flood.Keys{AccessKey: "AKIDFLOODBENCH", SecretKey: "flood-bench-secret", Region: local.DefaultRegion}

func main() {
	runs := flag.Int("runs", 3, "runs per kind of flood (medians are reported)")
	n := flag.Int("requests", 40, "concurrent requests per flood")
	mib := flag.Int64("mib", 16, "MiB per request body")
	spk := flag.String("spk", "", "an spk binary to measure instead of one built from ./cmd/spk")
	flag.Parse()
	if err := run(*spk, *runs, *n, *mib<<20); err != nil {
		fmt.Fprintln(os.Stderr, "flood:", err)
		os.Exit(1)
	}
}

func run(bin string, runs, n int, size int64) error {
	dir, err := os.MkdirTemp("", "spk-flood-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		if bin, err = proc.BuildSpk(dir); err != nil {
			return err
		}
	}
	fmt.Printf("%d concurrent PutRecords requests of %d MiB to a keyed `spk local` on loopback, %d runs each\n\n", n, size>>20, runs)
	fmt.Printf("%-9s %12s %14s  %s\n", "requests", "idle RSS MB", "peak RSS MB", "answers (last run)")
	for _, kind := range []string{"unsigned", "signed"} {
		var k *flood.Keys
		if kind == "signed" {
			k = &keys
		}
		var idles, peaks []float64
		var last flood.Result
		for range runs {
			idle, peak, res, err := once(bin, dir, n, size, k)
			if err != nil {
				return err
			}
			idles, peaks, last = append(idles, idle), append(peaks, peak), res
		}
		fmt.Printf("%-9s %12.1f %14.1f  %s   (peaks %s)\n", kind, proc.Median(idles), proc.Median(peaks), last, list(peaks))
	}
	return nil
}

// once serves a fresh endpoint, floods it, and returns its peak RSS before
// and after the flood, in MB.
func once(bin, dir string, n int, size int64, k *flood.Keys) (float64, float64, flood.Result, error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return 0, 0, nil, err
	}
	cmd := exec.Command(bin, "local", "--addr", addr, "--in-memory", "--access-key", keys.AccessKey, "--secret-key", keys.SecretKey)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	if err := cmd.Start(); err != nil {
		return 0, 0, nil, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
	}()
	if err := proc.WaitListening(addr, 30*time.Second); err != nil {
		return 0, 0, nil, err
	}
	idle, err := flood.PeakRSS(cmd.Process.Pid)
	if err != nil {
		return 0, 0, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res := flood.Run(ctx, addr, n, size, k)
	peak, err := flood.PeakRSS(cmd.Process.Pid)
	if err != nil {
		return 0, 0, nil, err
	}
	return float64(idle) / 1e6, float64(peak) / 1e6, res, nil
}

func list(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strings.Join(parts, " ")
}
