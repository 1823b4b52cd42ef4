// Command producer measures spk's event producer against spk's embedded
// endpoint, in-process:
//
//	(a) the tutorial's way (one PutRecord per event, serially) against the
//	    producer's defaults, in events/s, as a ratio;
//	(b) with AWS limits enforced, on 1 and 4 shards, the steady events/s as a
//	    fraction of the 1000 records/s per shard limit, and events lost;
//	(c) the same with KPL aggregation, in events/s per shard.
//
// Each figure is the median of -runs runs, each on a fresh in-memory endpoint.
//
//	go run ./bench/producer -runs 3 -duration 10s
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/generate"
	"github.com/spk-cli/spk/stream/kpl"
)

func main() {
	runs := flag.Int("runs", 3, "runs per measurement (the median is reported)")
	duration := flag.Duration("duration", 10*time.Second, "length of each limited run")
	warmup := flag.Duration("warmup", 2*time.Second, "start of a limited run left out of the steady rate (the shards' one-second burst allowance)")
	unlimited := flag.Duration("unlimited", 5*time.Second, "length of each run without limits, for (a)")
	only := flag.String("only", "abc", "which measurements to run")
	flag.Parse()
	ctx := context.Background()

	if contains(*only, 'a') {
		var tut, def, ratio []float64
		for i := range *runs {
			t := must(measureTutorial(ctx, *unlimited))
			d := must(measureProducer(ctx, runSpec{shards: 1, duration: *unlimited}))
			tut, def = append(tut, t), append(def, d.steady)
			ratio = append(ratio, d.steady/t)
			fmt.Printf("(a) run %d: tutorial %.0f events/s, producer defaults %.0f events/s (lost %d)\n", i+1, t, d.steady, d.lost)
		}
		fmt.Printf("(a) MEDIAN: tutorial way %.0f events/s; producer defaults %.0f events/s; ratio %.1fx\n\n",
			median(tut), median(def), median(ratio))
	}
	for _, spec := range []struct {
		label     string
		aggregate bool
		want      string
	}{{"(b)", false, "target >= 95% of 1000 records/s per shard"}, {"(c)", true, "target >= 5000 events/s per shard"}} {
		if !contains(*only, rune(spec.label[1])) {
			continue
		}
		for _, shards := range []int{1, 4} {
			var perShard, lost []float64
			for i := range *runs {
				r := must(measureProducer(ctx, runSpec{shards: shards, duration: *duration, warmup: *warmup, limits: true, aggregate: spec.aggregate}))
				perShard = append(perShard, r.steady/float64(shards))
				lost = append(lost, float64(r.lost))
				fmt.Printf("%s %d shard(s) run %d: steady %.0f events/s (%.0f per shard, %.1f%% of 1000/s), %d acknowledged, %d in the stream, %d lost, %d stored twice, %d throttled, %d SDK retries, %d records\n",
					spec.label, shards, i+1, r.steady, r.steady/float64(shards), r.steady/float64(shards)/10, r.acked, r.stored, r.lost, r.dups, r.throttled, r.sdkRetry, r.records)
			}
			fmt.Printf("%s MEDIAN %d shard(s), limits enforced, aggregate=%v: %.0f events/s per shard (%.1f%% of 1000 records/s), lost %.0f (%s)\n\n",
				spec.label, shards, spec.aggregate, median(perShard), median(perShard)/10, median(lost), spec.want)
		}
	}
}

type runSpec struct {
	shards    int
	duration  time.Duration
	warmup    time.Duration
	limits    bool
	aggregate bool
}

type runResult struct {
	steady    float64 // acknowledged events/s after the warm-up
	acked     int64
	stored    int64 // events read back from the stream
	lost      int64 // acknowledged events missing from the stream, plus events not acknowledged
	throttled int64
	records   int64
	dups      int64 // events stored more than once (a request retried after it was stored)
	sdkRetry  int64
}

func startEndpoint(ctx context.Context, limits bool) (*local.Server, *kinesis.Client, error) {
	srv, err := local.Start(ctx, local.Options{Addr: "127.0.0.1:0", InMemory: true, EnforceLimits: limits,
		CreateDelay: -1, DeleteDelay: -1, UpdateDelay: -1})
	if err != nil {
		return nil, nil, err
	}
	c := kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDBENCH", "bench", ""),
		Retryer:      retry.NewStandard(),
	})
	return srv, c, nil
}

func createStream(ctx context.Context, c *kinesis.Client, name string, shards int) error {
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(int32(shards))}); err != nil {
		return err
	}
	return kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) { o.MinDelay = 20 * time.Millisecond }).
		Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name)}, time.Minute)
}

// measureTutorial sends events one PutRecord at a time, as the tutorial's
// Python generator did, for d.
func measureTutorial(ctx context.Context, d time.Duration) (float64, error) {
	srv, c, err := startEndpoint(ctx, false)
	if err != nil {
		return 0, err
	}
	defer srv.Shutdown(ctx)
	if err := createStream(ctx, c, "tutorial", 1); err != nil {
		return 0, err
	}
	gen, err := generate.NewGenerator(generate.Options{})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	n := 0
	for time.Since(start) < d {
		ev, err := gen.Next()
		if err != nil {
			return 0, err
		}
		if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: aws.String("tutorial"), Data: ev.Data, PartitionKey: aws.String(ev.ID)}); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// measureProducer runs the producer with its defaults (plus aggregation) for
// spec.duration and measures the acknowledged rate after the warm-up, then
// reads the stream back to count what was stored.
func measureProducer(ctx context.Context, spec runSpec) (runResult, error) {
	srv, c, err := startEndpoint(ctx, spec.limits)
	if err != nil {
		return runResult{}, err
	}
	defer srv.Shutdown(ctx)
	if err := createStream(ctx, c, "bench", spec.shards); err != nil {
		return runResult{}, err
	}
	p, err := generate.New(c, generate.Options{StreamName: "bench", Duration: spec.duration, Aggregate: spec.aggregate})
	if err != nil {
		return runResult{}, err
	}
	done := make(chan struct{})
	var sum generate.Summary
	var runErr error
	go func() {
		defer close(done)
		sum, runErr = p.Run(ctx)
	}()
	var atWarm generate.Snapshot
	var warmAt time.Time
	if spec.warmup > 0 {
		select {
		case <-time.After(spec.warmup):
		case <-done:
		}
		atWarm, warmAt = p.Snapshot(), time.Now()
	}
	// The steady window ends when generation stops (the duration is up).
	start := time.Now()
	if warmAt.IsZero() {
		warmAt = start
	}
	endAt := start.Add(spec.duration - spec.warmup)
	select {
	case <-time.After(time.Until(endAt)):
	case <-done:
	}
	atEnd, endedAt := p.Snapshot(), time.Now()
	<-done
	if runErr != nil {
		return runResult{}, runErr
	}
	res := runResult{
		steady:    float64(atEnd.Acknowledged-atWarm.Acknowledged) / endedAt.Sub(warmAt).Seconds(),
		acked:     sum.Acknowledged,
		throttled: sum.Throttled,
		records:   sum.Records,
		sdkRetry:  sum.SDKRetries,
	}
	stored, dups, err := countStored(ctx, c, "bench")
	if err != nil {
		return runResult{}, err
	}
	res.stored, res.dups = stored, dups
	res.lost = sum.Generated - sum.Acknowledged
	if stored < sum.Acknowledged {
		res.lost += sum.Acknowledged - stored
	}
	return res, nil
}

// countStored reads every shard back and counts events, de-aggregating and
// keeping only user records inside their shard's hash range (as the KCL does).
func countStored(ctx context.Context, c *kinesis.Client, stream string) (n, dups int64, err error) {
	shards, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		return 0, 0, err
	}
	seen := map[string]string{} // event -> sequence number of its Kinesis record
	for _, sh := range shards.Shards {
		lo, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.StartingHashKey), 10)
		hi, _ := new(big.Int).SetString(aws.ToString(sh.HashKeyRange.EndingHashKey), 10)
		it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: sh.ShardId,
			ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
		if err != nil {
			return 0, 0, err
		}
		iter := it.ShardIterator
		for iter != nil {
			res, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				var thr *types.ProvisionedThroughputExceededException
				if errors.As(err, &thr) {
					time.Sleep(200 * time.Millisecond)
					continue
				}
				return 0, 0, err
			}
			for _, r := range res.Records {
				users, aggregated, err := kpl.Deaggregate(r.Data)
				if err != nil {
					return 0, 0, err
				}
				for _, u := range users {
					pk := u.PartitionKey
					if !aggregated {
						pk = aws.ToString(r.PartitionKey)
					}
					hk, _ := kpl.HashKey(pk, u.ExplicitHashKey)
					if hk.Cmp(lo) >= 0 && hk.Cmp(hi) <= 0 {
						n++
						seq := aws.ToString(r.SequenceNumber)
						if prev, ok := seen[string(u.Data)]; ok {
							dups++
							if prev == seq && !aggregated {
								fmt.Fprintf(os.Stderr, "bench: record %s read twice from %s\n", seq, aws.ToString(sh.ShardId))
							}
						}
						seen[string(u.Data)] = seq
					}
				}
			}
			if len(res.Records) == 0 && aws.ToInt64(res.MillisBehindLatest) == 0 {
				break
			}
			iter = res.NextShardIterator
		}
	}
	return n, dups, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func contains(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

func must[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	return v
}
