// Command up measures what a new user waits for: from starting `spk up` on a
// fresh data directory to the first aggregate row being visible in the
// table; how long `spk run --until-caught-up` takes on an empty stream of a
// running `spk local`, with its tables new and existing (its start-up to
// its first GetRecords, plus a graceful stop); and how fast the binary
// starts (`spk version`) and how big it is.
//
//	go build -trimpath -ldflags "-s -w" -o /tmp/spk ./cmd/spk
//	go run ./bench/up -spk /tmp/spk -runs 5
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func main() {
	bin := flag.String("spk", "spk", "the spk binary to measure")
	runs := flag.Int("runs", 5, "runs of each measurement; medians are reported")
	flag.Parse()
	if err := measure(*bin, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench/up:", err)
		os.Exit(1)
	}
}

func measure(bin string, runs int) error {
	st, err := os.Stat(bin)
	if err != nil {
		return err
	}
	var firstRow, start []time.Duration
	for i := range runs {
		d, err := timeToFirstRow(bin)
		if err != nil {
			return fmt.Errorf("run %d: %w", i+1, err)
		}
		firstRow = append(firstRow, d)
		fmt.Printf("run %d: spk up on a fresh data dir -> first aggregate row visible after %v\n", i+1, d.Round(time.Millisecond))
	}
	newTables, existing, err := timeRunStarts(bin, runs)
	if err != nil {
		return err
	}
	for range max(runs, 20) {
		t0 := time.Now()
		if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
			return fmt.Errorf("spk version: %v: %s", err, out)
		}
		start = append(start, time.Since(t0))
	}
	fmt.Printf("\nmedian of %d runs: first aggregate row after %v (goal < 1.5s)\n", runs, median(firstRow).Round(time.Millisecond))
	fmt.Printf("median of %d runs: `spk run --until-caught-up` on an empty stream takes %v with new tables, %v with existing ones\n",
		runs, median(newTables).Round(time.Millisecond), median(existing).Round(time.Millisecond))
	fmt.Printf("median of %d runs: `spk version` takes %v\n", len(start), median(start).Round(10*time.Microsecond))
	fmt.Printf("binary size: %.1f MB (%d bytes)\n", float64(st.Size())/(1<<20), st.Size())
	return nil
}

// timeToFirstRow starts spk up against a fresh data directory on a free
// port and polls the aggregate table until a row appears.
func timeToFirstRow(bin string) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "spk-bench-up-*")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "up", "--no-tui", "--duration", "30s", "--data-dir", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "SPK_LOCAL_ADDR="+addr, "XDG_STATE_HOME="+dir, "AWS_PROFILE=", "SPK_AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL=")
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	// One attempt per poll: the SDK's retryer would back off (up to a
	// second, then two) after the refused connections of the first polls,
	// before spk up listens, and the row would be seen that much late.
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("spk", "spk", ""), Retryer: aws.NopRetryer{}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("my-table"), Limit: aws.Int32(1)})
		if err == nil && len(out.Items) > 0 {
			return time.Since(t0), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, fmt.Errorf("no aggregate row within 30s")
}

// timeRunStarts starts `spk local` on a fresh data directory, creates an
// empty stream, then times `spk run --until-caught-up` runs: each first with
// an app and table of its own (both tables created), then again (both
// tables there, the leases taken over).
func timeRunStarts(bin string, runs int) (newTables, existing []time.Duration, err error) {
	dir, err := os.MkdirTemp("", "spk-bench-run-*")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(), "SPK_LOCAL_ADDR="+addr, "XDG_STATE_HOME="+dir, "AWS_PROFILE=", "SPK_AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL=")
	srv := exec.Command(bin, "local", "--data-dir", filepath.Join(dir, "data"))
	srv.Env = env
	if err := srv.Start(); err != nil {
		return nil, nil, err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	spk := func(args ...string) (time.Duration, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		t0 := time.Now()
		out, err := cmd.CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("spk %v: %v: %s", args, err, out)
		}
		return time.Since(t0), nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("spk local did not listen within 30s")
		}
		time.Sleep(20 * time.Millisecond) // polling interval; the deadline bounds it
	}
	if _, err := spk("create-stream"); err != nil {
		return nil, nil, err
	}
	for i := range runs {
		app, table := fmt.Sprintf("bench-app-%d", i), fmt.Sprintf("bench-table-%d", i)
		d, err := spk("run", "--until-caught-up", "--app", app, "--table", table)
		if err != nil {
			return nil, nil, err
		}
		newTables = append(newTables, d)
		d2, err := spk("run", "--until-caught-up", "--app", app, "--table", table)
		if err != nil {
			return nil, nil, err
		}
		existing = append(existing, d2)
		fmt.Printf("run %d: spk run --until-caught-up on an empty stream: %v with new tables, %v with existing ones\n", i+1, d.Round(time.Millisecond), d2.Round(time.Millisecond))
	}
	return newTables, existing, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
