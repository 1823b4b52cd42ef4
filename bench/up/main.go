// Command up measures what a new user waits for: from starting `spk up` on a
// fresh data directory to the first aggregate row being visible in the
// table, and how fast the binary starts (`spk version`) and how big it is.
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
	for range max(runs, 20) {
		t0 := time.Now()
		if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
			return fmt.Errorf("spk version: %v: %s", err, out)
		}
		start = append(start, time.Since(t0))
	}
	fmt.Printf("\nmedian of %d runs: first aggregate row after %v (target < 5s)\n", runs, median(firstRow).Round(time.Millisecond))
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
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider("spk", "spk", "")})
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

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
