// Command consumer measures spk's stream consumer against spk's embedded
// endpoint: a raw GetRecords drain of a pre-filled stream (the limit), the
// consumer reading the same stream to exact counts (as a child process, so its
// peak RSS can be read), and put-to-visible latency under a steady producer;
// each with polling (GetRecords) and enhanced fan-out (SubscribeToShard)
// retrieval in the same run, -runs times, reporting medians.
// -views default,four measures, in the same run and over the same stream,
// the tutorial's view alone and four views at once (the tutorial's counts;
// sum, min, max and avg of a number; distinct; top-10), and reports the
// throughput ratio of the two.
// SPK_BENCH_CPUPROFILE=FILE writes CPU profiles of the consumer processes
// (FILE.polling, FILE.fanout); SPK_BENCH_ENDPOINT_CPUPROFILE=FILE those of
// the endpoint while they read; SPK_BENCH_TRACE=FILE execution traces of the
// consumer processes (go tool trace FILE.fanout);
// SPK_BENCH_READ_BUFFER_MIB=N sets the consumers' ReadBufferBytes (the
// bytes of pages read and not yet counted) to N MiB.
//
//	go run ./bench/consumer -events 1000000 -shards 4 -rate 2000 -latency 30s -runs 3
//	go run ./bench/consumer -events 500000 -retrieval polling -views default,four -latency 0 -runs 5
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/view"
)

func main() {
	var (
		events   = flag.Int("events", 1_000_000, "events to pre-fill")
		shards   = flag.Int("shards", 4, "shards of the stream")
		rateEvs  = flag.Int("rate", 2000, "producer rate for the latency run (events/s)")
		latency  = flag.Duration("latency", 30*time.Second, "length of the latency run; 0 skips it")
		endpoint = flag.String("endpoint", "", "use this endpoint URL instead of starting spk's in-process endpoint")
		child    = flag.Bool("child", false, "internal: run the consumer until caught up and report")
		stream   = flag.String("stream", "", "internal: stream for -child")
		table    = flag.String("table", "", "internal: aggregate table for -child")
		retr     = flag.String("retrieval", "polling,fanout", "retrievals to measure, comma-separated (polling, fanout)")
		runs     = flag.Int("runs", 3, "runs of each measurement (medians are reported)")
		viewsArg = flag.String("views", "default", "view sets to measure, comma-separated: default (the tutorial's view alone), four (it and three more)")
	)
	flag.Parse()
	if *child {
		os.Exit(runChild(*endpoint, *stream, *table, consume.Retrieval(*retr), *viewsArg))
	}
	if err := run(*events, int32(*shards), *rateEvs, *latency, *endpoint, strings.Split(*retr, ","), strings.Split(*viewsArg, ","), *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// benchViews are the view sets -views names.
func benchViews(set, table string) ([]*view.View, error) {
	defs := []view.Definition{view.DefaultDefinition()}
	switch set {
	case "default":
	case "four":
		defs = append(defs,
			view.Definition{Name: "size", GroupBy: []string{"type"}, Window: view.Window{Size: time.Minute}, Metrics: []string{"sum:bytes", "min:bytes", "max:bytes", "avg:bytes"}},
			view.Definition{Name: "visitors", Window: view.Window{Size: time.Minute}, Metrics: []string{"distinct:ip"}},
			view.Definition{Name: "paths", Window: view.Window{Size: time.Minute}, Metrics: []string{"top:path:10"}})
	default:
		return nil, fmt.Errorf("-views: unknown set %q: use default or four", set)
	}
	return view.CompileAll(defs, table)
}

func run(events int, shards int32, rateEvs int, latency time.Duration, url string, retrievals, viewSets []string, runs int) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if url == "" {
		srv, err := local.Start(ctx, local.Options{Addr: "127.0.0.1:0", InMemory: true, CreateDelay: -1, DeleteDelay: -1, UpdateDelay: -1})
		if err != nil {
			return err
		}
		defer srv.Shutdown(context.Background())
		url = srv.URL()
	}
	e := endpointtest.Endpoints{KinesisURL: url, DynamoDBURL: url}
	kc, _ := e.Clients()
	fmt.Printf("endpoint %s, %d events, %d shards, %d runs\n", url, events, shards, runs)

	// Pre-fill.
	if err := endpointtest.CreateStream(ctx, kc, "bench", shards); err != nil {
		return err
	}
	t0 := time.Now()
	if err := prefill(ctx, kc, "bench", events); err != nil {
		return err
	}
	fmt.Printf("prefill: %d events in %s (%.0f events/s)\n", events, time.Since(t0).Round(time.Millisecond), float64(events)/time.Since(t0).Seconds())

	// (a) raw drains, the limit the consumer is read against.
	var unpaced, paced []float64
	for r := range runs {
		for _, pace := range []bool{false, true} {
			n, d, err := drain(ctx, kc, "bench", pace)
			if err != nil {
				return err
			}
			label := "raw drain, unpaced"
			if pace {
				label = "raw drain, 5 GetRecords/s per shard"
				paced = append(paced, float64(n)/d.Seconds())
			} else {
				unpaced = append(unpaced, float64(n)/d.Seconds())
			}
			fmt.Printf("run %d %s: %d records in %s = %.0f events/s\n", r+1, label, n, d.Round(time.Millisecond), float64(n)/d.Seconds())
		}
	}

	// (b) the consumer as a child process, until caught up, per retrieval
	// and view set.
	type figures struct{ rates, rss, p50, p99 []float64 }
	res := map[string]*figures{}
	for r := range runs {
		for _, retr := range retrievals {
			for _, set := range viewSets {
				key := retr + "/" + set
				f := res[key]
				if f == nil {
					f = &figures{}
					res[key] = f
				}
				stopProfile := profileEndpoint(retr)
				rep, wall, exact, err := consumeOnce(ctx, e, url, retr, set, fmt.Sprintf("bench-%s-%s-%d", retr, set, r+1))
				stopProfile()
				if err != nil {
					return fmt.Errorf("%s run %d: %w", key, r+1, err)
				}
				cr := float64(rep.Records) / rep.Seconds
				f.rates, f.rss = append(f.rates, cr), append(f.rss, float64(rep.VmHWMKB)/1024)
				fmt.Printf("run %d %-7s views %-7s consumer until caught up: %d records in %.2fs run (%.2fs with process start) = %.0f events/s; counts %s; peak RSS %.1f MB\n",
					r+1, retr, set, rep.Records, rep.Seconds, wall.Seconds(), cr, exact, float64(rep.VmHWMKB)/1024)
			}
		}
	}
	if latency > 0 {
		for r := range runs {
			for _, retr := range retrievals {
				p50, p99, err := measureLatency(ctx, e, shards, rateEvs, latency, consume.Retrieval(retr), fmt.Sprintf("bench-latency-%s-%d", retr, r+1))
				if err != nil {
					return fmt.Errorf("latency %s run %d: %w", retr, r+1, err)
				}
				f := res[retr+"/"+viewSets[0]]
				f.p50, f.p99 = append(f.p50, p50), append(f.p99, p99)
			}
		}
	}

	mu, mp := median(unpaced), median(paced)
	fmt.Printf("\nmedians over %d runs: raw drain unpaced %.0f events/s, paced %.0f events/s\n", runs, mu, mp)
	for _, retr := range retrievals {
		for _, set := range viewSets {
			f := res[retr+"/"+set]
			m := median(f.rates)
			fmt.Printf("%-7s views %-7s consumer %8.0f events/s = %3.0f%% of the unpaced drain, %3.0f%% of the paced; peak RSS %.1f MB", retr, set, m, 100*m/mu, 100*m/mp, median(f.rss))
			if len(f.p99) > 0 {
				fmt.Printf("; latency at %d events/s p50 %.0f ms p99 %.0f ms", rateEvs, median(f.p50), median(f.p99))
			}
			fmt.Println()
		}
		if len(viewSets) > 1 {
			base := median(res[retr+"/"+viewSets[0]].rates)
			for _, set := range viewSets[1:] {
				fmt.Printf("%-7s throughput ratio views %s / %s: %.2f (per-run ratios %s)\n", retr, set, viewSets[0], median(res[retr+"/"+set].rates)/base, ratios(res[retr+"/"+set].rates, res[retr+"/"+viewSets[0]].rates))
			}
		}
	}
	return nil
}

func ratios(a, b []float64) string {
	var parts []string
	for i := range min(len(a), len(b)) {
		parts = append(parts, fmt.Sprintf("%.2f", a[i]/b[i]))
	}
	return strings.Join(parts, " ")
}

// consumeOnce runs the consumer as a child process until it has caught up
// with the pre-filled stream, and checks its counts.
func consumeOnce(ctx context.Context, e endpointtest.Endpoints, url, retrieval, set, table string) (childReport, time.Duration, string, error) {
	var rep childReport
	self, _ := os.Executable()
	cmd := exec.CommandContext(ctx, self, "-child", "-endpoint", url, "-stream", "bench", "-table", table, "-retrieval", retrieval, "-views", set)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return rep, 0, "", err
	}
	t1 := time.Now()
	if err := cmd.Start(); err != nil {
		return rep, 0, "", err
	}
	if err := json.NewDecoder(bufio.NewReader(out)).Decode(&rep); err != nil {
		return rep, 0, "", fmt.Errorf("read the consumer's report: %w", err)
	}
	if err := cmd.Wait(); err != nil {
		return rep, 0, "", fmt.Errorf("consumer: %w", err)
	}
	wall := time.Since(t1)
	got, err := endpointtest.ScanCounts(ctx, e.ClientsDB(), table)
	if err != nil {
		return rep, 0, "", err
	}
	exact := "EXACT"
	if d := endpointtest.Diff(expected, got); d != "" {
		exact = "NOT EXACT:\n" + d
	}
	return rep, wall, exact, nil
}

// profileEndpoint profiles this process, which runs the endpoint, while
// one consumer reads, when SPK_BENCH_ENDPOINT_CPUPROFILE names a file
// (FILE.polling, FILE.fanout).
func profileEndpoint(retrieval string) func() {
	path := os.Getenv("SPK_BENCH_ENDPOINT_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path + "." + retrieval)
	if err != nil {
		return func() {}
	}
	pprof.StartCPUProfile(f)
	return func() { pprof.StopCPUProfile(); f.Close() }
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = append([]float64(nil), v...)
	sort.Float64s(v)
	return v[len(v)/2]
}

var (
	expected = endpointtest.Counts{}
	bucketer = &bucket.Bucketer{Size: time.Minute, GroupBy: "type"}
)

func prefill(ctx context.Context, kc *kinesis.Client, stream string, n int) error {
	const batch = 500
	var mu sync.Mutex
	jobs := make(chan []types.PutRecordsRequestEntry)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				if err := endpointtest.Put(ctx, kc, stream, b); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for i := 0; i < n; i += batch {
			var b []types.PutRecordsRequestEntry
			local := endpointtest.Counts{}
			for j := i; j < min(i+batch, n); j++ {
				typ := endpointtest.Types[j%len(endpointtest.Types)]
				data := webEvent(time.Now(), typ, j)
				k, _ := bucketer.Key(data)
				local[k]++
				b = append(b, types.PutRecordsRequestEntry{PartitionKey: aws.String(strconv.Itoa(j)), Data: data})
			}
			mu.Lock()
			for k, v := range local {
				expected[k] += v
			}
			mu.Unlock()
			select {
			case jobs <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// webEvent is a tutorial event with a size, a client address and a path,
// for the views of -views four.
func webEvent(ts time.Time, typ string, j int) []byte {
	return fmt.Appendf(nil, `{"timestamp": "%s", "type": "%s", "id": "%s", "bytes": %d.%02d, "ip": "10.0.%d.%d", "path": "/p%d"}`,
		ts.UTC().Format("2006-01-02T15:04:05.000000"), typ, uuid.NewString(), (j*7919)%100000, j%100, (j/251)%40, j%251, (j*j)%97%(1+j%23))
}

// drain reads every shard from TRIM_HORIZON to its tip, in parallel.
func drain(ctx context.Context, kc *kinesis.Client, stream string, paced bool) (int64, time.Duration, error) {
	out, err := kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		return 0, 0, err
	}
	var total atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, len(out.Shards))
	t0 := time.Now()
	for _, s := range out.Shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lim := rate.NewLimiter(rate.Inf, 1)
			if paced {
				lim = rate.NewLimiter(5, 1)
			}
			it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: s.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
			if err != nil {
				errs <- err
				return
			}
			iter := it.ShardIterator
			for iter != nil {
				lim.Wait(ctx)
				r, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(10000)})
				if err != nil {
					errs <- err
					return
				}
				total.Add(int64(len(r.Records)))
				if len(r.Records) == 0 && aws.ToInt64(r.MillisBehindLatest) == 0 {
					return
				}
				iter = r.NextShardIterator
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return 0, 0, err
	default:
	}
	return total.Load(), time.Since(t0), nil
}

type childReport struct {
	Records uint64  `json:"records"`
	Seconds float64 `json:"seconds"`
	VmHWMKB int64   `json:"vmhwm_kb"`
}

func runChild(url, stream, table string, retrieval consume.Retrieval, set string) int {
	if path := os.Getenv("SPK_BENCH_CPUPROFILE"); path != "" {
		if f, err := os.Create(path + "." + string(retrieval)); err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	if path := os.Getenv("SPK_BENCH_TRACE"); path != "" {
		if f, err := os.Create(path + "." + string(retrieval)); err == nil {
			trace.Start(f)
			defer func() { trace.Stop(); f.Close() }()
		}
	}
	if path := os.Getenv("SPK_BENCH_HEAPPROFILE"); path != "" {
		stop := peakHeapProfile(path + "." + string(retrieval))
		defer stop()
	}
	e := endpointtest.Endpoints{KinesisURL: url, DynamoDBURL: url}
	kc, db := e.Clients()
	views, err := benchViews(set, table)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	readBuffer := 0
	if v := os.Getenv("SPK_BENCH_READ_BUFFER_MIB"); v != "" {
		mib, err := strconv.Atoi(v)
		if err != nil || mib <= 0 {
			fmt.Fprintf(os.Stderr, "SPK_BENCH_READ_BUFFER_MIB=%q: want a whole number of MiB above 0\n", v)
			return 2
		}
		readBuffer = mib << 20
	}
	c, err := consume.New(consume.Options{
		Kinesis: kc, DynamoDB: db, Stream: stream, Table: table, App: table + "-app", UntilCaughtUp: true, Retrieval: retrieval, Views: views,
		ReadBufferBytes: readBuffer,
		Logger:          slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	t0 := time.Now()
	if err := c.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rep := childReport{Records: c.Snapshot().RecordsIn, Seconds: time.Since(t0).Seconds(), VmHWMKB: vmHWM()}
	json.NewEncoder(os.Stdout).Encode(rep)
	return 0
}

// peakHeapProfile writes a heap profile to path each time the heap in use
// reaches a new peak (checked every 50ms), until stop is called: the
// profile left is the one nearest to the process's peak memory.
func peakHeapProfile(path string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var peak uint64
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse <= peak {
				continue
			}
			peak = ms.HeapInuse
			if f, err := os.Create(path); err == nil {
				pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
	}()
	return func() { close(done); <-finished }
}

func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return -1
}

// measureLatency runs a consumer at default settings while a producer puts
// rateEvs events/s, and measures from each batch's acknowledgement to the
// first scan of the aggregate table that includes it.
func measureLatency(ctx context.Context, e endpointtest.Endpoints, shards int32, rateEvs int, d time.Duration, retrieval consume.Retrieval, stream string) (p50, p99 float64, err error) {
	kc, db := e.Clients()
	if err := endpointtest.CreateStream(ctx, kc, stream, shards); err != nil {
		return 0, 0, err
	}
	table := stream + "-counts"
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c, err := consume.New(consume.Options{Kinesis: kc, DynamoDB: db, Stream: stream, Table: table, App: stream + "-app", Retrieval: retrieval})
	if err != nil {
		return 0, 0, err
	}
	done := make(chan struct{})
	go func() { defer close(done); c.Run(cctx) }()

	type put struct {
		key   bucket.Key
		cum   int64 // the row's count once this batch is visible
		acked time.Time
	}
	var mu sync.Mutex
	var pending []put
	cum := map[bucket.Key]int64{}
	var lats []time.Duration

	// Poll the table.
	pollDone := make(chan struct{})
	go func() {
		defer close(pollDone)
		for cctx.Err() == nil {
			got, err := endpointtest.ScanCounts(cctx, db, table)
			now := time.Now()
			if err == nil {
				mu.Lock()
				kept := pending[:0]
				for _, p := range pending {
					if got[p.key] >= p.cum {
						lats = append(lats, now.Sub(p.acked))
					} else {
						kept = append(kept, p)
					}
				}
				pending = kept
				mu.Unlock()
			}
			select {
			case <-cctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	// Produce: a batch every 50 ms.
	per := max(rateEvs/20, 1)
	tick := time.NewTicker(50 * time.Millisecond)
	end := time.Now().Add(d)
	sent := 0
	for time.Now().Before(end) {
		<-tick.C
		var b []types.PutRecordsRequestEntry
		rows := map[bucket.Key]int64{}
		for i := 0; i < per; i++ {
			data := endpointtest.Event(time.Now(), endpointtest.Types[(sent+i)%5])
			k, _ := bucketer.Key(data)
			rows[k]++
			b = append(b, types.PutRecordsRequestEntry{PartitionKey: aws.String(strconv.Itoa(sent + i)), Data: data})
		}
		if err := endpointtest.Put(ctx, kc, stream, b); err != nil {
			return 0, 0, err
		}
		acked := time.Now()
		sent += per
		mu.Lock()
		for k, n := range rows {
			cum[k] += n
			pending = append(pending, put{key: k, cum: cum[k], acked: acked})
		}
		mu.Unlock()
	}
	tick.Stop()
	// Let the last batches become visible.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(pending)
		mu.Unlock()
		if n == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-pollDone
	<-done
	mu.Lock()
	defer mu.Unlock()
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	if len(lats) == 0 {
		return 0, 0, fmt.Errorf("no put became visible")
	}
	q := func(p float64) time.Duration {
		return lats[min(len(lats)-1, int(p*float64(len(lats))))].Round(time.Millisecond)
	}
	fmt.Printf("%-7s latency at %d events/s for %s (%d events, %d row updates measured, %d never seen): p50 %s p99 %s max %s\n",
		retrieval, rateEvs, d, sent, len(lats), len(pending), q(0.50), q(0.99), lats[len(lats)-1].Round(time.Millisecond))
	return float64(q(0.50).Milliseconds()), float64(q(0.99).Milliseconds()), nil
}
