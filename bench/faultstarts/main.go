// Command faultstarts counts how many `spk run` starts end in an error when
// the endpoint fails a fraction of all requests: it builds spk, starts
// `spk local --fault-rate R` on a free loopback port, creates a stream with
// a few events (through its own patient client, so the set-up is not what is
// measured), then runs `spk run --until-caught-up` N times, each under a new
// app name (so each start creates its lease table under faults), and prints
// the failures with their messages.
//
//	go run ./bench/faultstarts -starts 50 -fault-rate 0.2
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/google/uuid"

	"github.com/spk-cli/spk/bench/internal/proc"
	"github.com/spk-cli/spk/internal/childproc"
)

func main() {
	starts := flag.Int("starts", 50, "spk run starts to make")
	rate := flag.Float64("fault-rate", 0.2, "fraction of requests spk local fails")
	seed := flag.Int64("fault-seed", 1, "seed of the faults")
	events := flag.Int("events", 2000, "events in the stream")
	shards := flag.Int("shards", 2, "shards of the stream")
	spk := flag.String("spk", "", "spk binary to use (default: build ./cmd/spk)")
	timeout := flag.Duration("timeout", 3*time.Minute, "longest a start may take")
	flag.Parse()
	if err := run(*starts, *rate, *seed, *events, *shards, *spk, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "faultstarts:", err)
		os.Exit(1)
	}
}

func run(starts int, rate float64, seed int64, events, shards int, spk string, timeout time.Duration) error {
	dir, err := os.MkdirTemp("", "faultstarts")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if spk == "" {
		if spk, err = proc.BuildSpk(dir); err != nil {
			return err
		}
	}
	addr, err := proc.FreeAddr()
	if err != nil {
		return err
	}
	endpoint := "http://" + addr
	srv := exec.Command(spk, "local", "--addr", addr, "--in-memory", "--fault-rate", fmt.Sprint(rate), "--fault-seed", strconv.FormatInt(seed, 10),
		"--create-delay", "50ms", "--delete-delay", "50ms", "--update-delay", "50ms")
	srv.Dir = dir
	childproc.DieWithParent(srv)
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start spk local: %w", err)
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	if err := proc.WaitListening(addr, 20*time.Second); err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const stream, table = "faultstarts", "faultstarts-counts"
	if err := setUp(ctx, endpoint, stream, shards, events); err != nil {
		return err
	}

	fmt.Printf("spk run --until-caught-up, %d starts, spk local --fault-rate %v (seed %d), %d events in %d shards\n", starts, rate, seed, events, shards)
	var failures []string
	var took []time.Duration
	for i := range starts {
		cmd := exec.Command(spk, "run", "--endpoint-url", endpoint, "--stream", stream, "--table", table,
			"--app", fmt.Sprintf("faultstarts-app-%d", i), "--until-caught-up", "--no-tui", "--log-level", "error")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "NO_COLOR=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			return err
		}
		timer := time.AfterFunc(timeout, func() { cmd.Process.Kill() })
		err := cmd.Wait()
		timer.Stop()
		took = append(took, time.Since(t0))
		if err != nil {
			msg := lastLine(stderr.String())
			failures = append(failures, fmt.Sprintf("start %d: %v: %s", i+1, err, msg))
			fmt.Printf("  start %2d: FAILED after %v: %s\n", i+1, time.Since(t0).Round(time.Millisecond), msg)
			continue
		}
		fmt.Printf("  start %2d: ok in %v\n", i+1, time.Since(t0).Round(time.Millisecond))
	}
	slices.Sort(took)
	fmt.Printf("starts that ended in an error: %d of %d (median start-to-caught-up %v, slowest %v)\n",
		len(failures), starts, took[len(took)/2].Round(100*time.Millisecond), took[len(took)-1].Round(100*time.Millisecond))
	for _, f := range failures {
		fmt.Println("  " + f)
	}
	return nil
}

// setUp creates the stream and puts the events with a client that retries
// far more than spk's, so only spk run's starts are measured.
func setUp(ctx context.Context, endpoint, stream string, shards, events int) error {
	kc := kinesis.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("faultstarts", "faultstarts", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts, o.RateLimiter, o.MaxBackoff = 20, ratelimit.None, 200*time.Millisecond
			})
		},
	})
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(stream), ShardCount: aws.Int32(int32(shards))}); err != nil {
		return fmt.Errorf("create stream: %w", err)
	}
	for {
		out, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
		if err == nil && out.StreamDescriptionSummary.StreamStatus == types.StreamStatusActive {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("wait for the stream: %w", ctx.Err())
		}
		time.Sleep(50 * time.Millisecond) // polling the stream's status
	}
	typesOf := []string{"Red", "Orange", "Yellow", "Green", "Blue"}
	var entries []types.PutRecordsRequestEntry
	base := time.Now().UTC().Add(-10 * time.Minute)
	for i := range events {
		id := uuid.NewString()
		data := fmt.Sprintf(`{"timestamp": "%s", "type": "%s", "id": "%s"}`, base.Add(time.Duration(i)*100*time.Millisecond).Format("2006-01-02T15:04:05.000000"), typesOf[i%len(typesOf)], id)
		entries = append(entries, types.PutRecordsRequestEntry{Data: []byte(data), PartitionKey: aws.String(id)})
	}
	for len(entries) > 0 {
		batch := entries[:min(500, len(entries))]
		out, err := kc.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: batch})
		if err != nil {
			return fmt.Errorf("put records: %w", err)
		}
		var again []types.PutRecordsRequestEntry
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				again = append(again, batch[i])
			}
		}
		entries = append(again, entries[len(batch):]...)
	}
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
