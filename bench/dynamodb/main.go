// Command dynamodb measures spk's local DynamoDB endpoint against dynalite:
// UpdateItem ADD counter calls/s (the tutorial's per-minute counters: 8
// concurrent clients over 60 keys of a table with hash BucketStart S and
// range EventType S), PutItem calls/s and Query items/s. Each endpoint runs
// as its own process, so its peak RSS (VmHWM) is its own.
//
// Five endpoints are measured in the same run: spk durable (fsync on every
// group commit, the default), spk durable with a DynamoDB stream on the
// benchmark table (every write also appends a stream record), spk in memory (no fsync: the CPU cost alone),
// dynalite (in memory) and a do-nothing endpoint. The do-nothing endpoint
// answers every request with a canned response of the right shape and size
// and does no work at all, so it is the most any endpoint can reach with
// this client on this machine: the ceiling against which the ratios to
// dynalite should be read. The bare endpoints (bare.go, on request) are the
// floor under it: the least an endpoint that keeps its items can do, in
// memory and durably. All endpoints run side by side and take their
// runs in turn, so drift on the machine does not bias one of them.
//
//	go run ./bench/dynamodb -runs 3 -duration 5s
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/bench/internal/endpoint"
	"github.com/spk-cli/spk/bench/internal/proc"
	"github.com/spk-cli/spk/bench/internal/rawaws"
	"github.com/spk-cli/spk/provision/local"
)

type options struct {
	runs      int
	duration  time.Duration
	clients   int
	keys      int
	dynalite  string
	serveDir  string
	serveNoop bool
	serveBare bool
	bareLog   string
	endpoints string
	queryRows int
	inMemory  bool
	profile   string
	sdk       bool
	only      string
}

func main() {
	var o options
	flag.IntVar(&o.runs, "runs", 3, "runs per measurement (the median is reported)")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each run")
	flag.IntVar(&o.clients, "clients", 8, "concurrent clients")
	flag.IntVar(&o.keys, "keys", 60, "distinct counter keys")
	flag.IntVar(&o.queryRows, "query-rows", 100, "items per queried partition")
	flag.StringVar(&o.dynalite, "dynalite", "test/peers/node_modules/.bin/dynalite", "dynalite executable")
	flag.StringVar(&o.endpoints, "endpoints", "spk,spk-stream,spk-memory,dynalite,ceiling", "endpoints to measure, in order: spk (durable), spk-stream (durable, the table with a DynamoDB stream), spk-memory, dynalite, ceiling (a do-nothing endpoint), bare and bare-durable (the least a real endpoint does, bare.go)")
	flag.StringVar(&o.only, "only", "", "measure only this: update, put or query")
	flag.BoolVar(&o.sdk, "sdk", false, "drive the endpoints with aws-sdk-go-v2 (signing, retries, full decoding) instead of pre-built requests")
	flag.StringVar(&o.serveDir, "serve", "", "internal: serve spk's endpoint on this data directory")
	flag.BoolVar(&o.inMemory, "serve-in-memory", false, "internal: serve spk's endpoint in memory")
	flag.BoolVar(&o.serveNoop, "serve-noop", false, "internal: serve the do-nothing endpoint")
	flag.BoolVar(&o.serveBare, "serve-bare", false, "internal: serve the bare endpoint")
	flag.StringVar(&o.bareLog, "serve-bare-log", "", "internal: the bare endpoint logs its writes in this directory, durably")
	flag.StringVar(&o.profile, "spk-cpuprofile", "", "write a CPU profile of spk's endpoint to this file (the last spk endpoint measured)")
	flag.Parse()
	if o.serveNoop {
		if err := serveNoop(o.queryRows); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if o.serveBare {
		if err := serveBare(o.bareLog); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if o.serveDir != "" {
		if err := serve(o.serveDir, o.inMemory, o.profile); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	// The load generator shares the machine with the endpoint it measures,
	// so it should spend as little CPU as it can: the same for every
	// endpoint, and raising the ceiling rather than any one endpoint.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// serve runs spk's durable endpoint until SIGTERM, printing its URL.
func serve(dir string, inMemory bool, profile string) error {
	local.TuneGC() // as spk local does
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	opts := local.DefaultOptions()
	opts.Addr = "127.0.0.1:0"
	opts.DataDir = dir
	opts.InMemory = inMemory
	opts.CreateDelay, opts.DeleteDelay, opts.UpdateDelay = -1, -1, -1
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		return err
	}
	fmt.Println("URL " + srv.URL())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	return srv.Shutdown(context.Background())
}

// target is a running endpoint process.
type target struct {
	name   string
	url    string
	cmd    *exec.Cmd
	stream bool // the benchmark table has a DynamoDB stream (NEW_AND_OLD_IMAGES)
}

func (t *target) stop() {
	t.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { t.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.cmd.Process.Kill()
		<-done
	}
}

// writesPerSync reads the endpoint's /metrics: the DynamoDB writes it
// answered, the store's commits, and the fdatasyncs of its store's log
// (none in memory).
func (t *target) writesPerSync() (writes, commits, syncs float64, ok bool) {
	resp, err := http.Get(t.url + local.MetricsPath)
	if err != nil {
		return 0, 0, 0, false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if i < 0 || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		switch {
		case strings.HasPrefix(line, "spk_local_store_log_syncs_total "):
			syncs = v
		case strings.HasPrefix(line, "spk_local_store_commits_total "):
			commits, ok = v, true
		case strings.HasPrefix(line, "spk_local_requests_total{") && strings.Contains(line, `code="2xx"`) &&
			(strings.Contains(line, `operation="UpdateItem"`) || strings.Contains(line, `operation="PutItem"`)):
			writes += v
		}
	}
	return writes, commits, syncs, ok && commits > 0
}

// peakRSS reads VmHWM (kB) of the process.
func (t *target) peakRSS() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", t.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func startSpk(o options, inMemory, stream bool) (*target, error) {
	dir, err := os.MkdirTemp("", "spk-bench-*")
	if err != nil {
		return nil, err
	}
	args := []string{"-serve", dir}
	name := "spk (durable)"
	if inMemory {
		args = append(args, "-serve-in-memory")
		name = "spk (in memory, no fsync)"
	}
	if stream {
		name = "spk (durable, stream enabled)"
	}
	if o.profile != "" {
		args = append(args, "-spk-cpuprofile", o.profile)
	}
	t, err := startSelf(name, args...)
	if t != nil {
		t.stream = stream
	}
	return t, err
}

// startBareDurable starts the bare endpoint logging to a new directory.
func startBareDurable() (*target, error) {
	dir, err := os.MkdirTemp("", "spk-bench-bare-*")
	if err != nil {
		return nil, err
	}
	return startSelf("bare endpoint, durable log", "-serve-bare", "-serve-bare-log", dir)
}

// startNoop starts the do-nothing endpoint.
func startNoop(o options) (*target, error) {
	return startSelf("do-nothing endpoint (ceiling)", "-serve-noop", "-query-rows", strconv.Itoa(o.queryRows))
}

// startSelf re-executes this benchmark as an endpoint process and waits for
// the URL it prints.
func startSelf(name string, args ...string) (*target, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "URL "); ok {
			go io.Copy(io.Discard, out)
			return &target{name: name, url: u, cmd: cmd}, nil
		}
	}
	cmd.Wait()
	return nil, fmt.Errorf("%s exited before listening", name)
}

func startDynalite(bin string) (*target, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	abs, _ := filepath.Abs(bin)
	cmd := exec.Command(abs, "--port", strconv.Itoa(port), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dynalite (%s): %w; install it with: cd test/peers && npm install", bin, err)
	}
	t := &target{name: "dynalite (in-memory)", url: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			c.Close()
			return t, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.stop()
	return nil, errors.New("dynalite did not listen within 30s")
}

func newClient(url string, conns int) *rawaws.Client {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return rawaws.DynamoDB(url, &http.Client{Transport: tr, Timeout: 60 * time.Second})
}

const table = "counts"

func setup(c *rawaws.Client, o options, stream bool) error {
	spec := ""
	if stream {
		spec = `"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},`
	}
	_, err := c.Call("CreateTable", []byte(`{"TableName":"`+table+`","BillingMode":"PAY_PER_REQUEST",`+spec+
		`"AttributeDefinitions":[{"AttributeName":"BucketStart","AttributeType":"S"},{"AttributeName":"EventType","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"BucketStart","KeyType":"HASH"},{"AttributeName":"EventType","KeyType":"RANGE"}]}`))
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := c.Call("DescribeTable", []byte(`{"TableName":"`+table+`"}`))
		if err == nil && bytes.Contains(b, []byte(`"TableStatus":"ACTIVE"`)) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("table never became ACTIVE: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Query data: one partition per client with query-rows items.
	for p := 0; p < o.clients; p++ {
		for i := 0; i < o.queryRows; i += 25 {
			var reqs []string
			for j := i; j < i+25 && j < o.queryRows; j++ {
				reqs = append(reqs, fmt.Sprintf(`{"PutRequest":{"Item":{"BucketStart":{"S":"q%d"},"EventType":{"S":"e%04d"},"count":{"N":"%d"},"detail":{"S":"some event detail text"}}}}`, p, j, j))
			}
			if _, err := c.Call("BatchWriteItem", []byte(`{"RequestItems":{"`+table+`":[`+strings.Join(reqs, ",")+`]}}`)); err != nil {
				return err
			}
		}
	}
	return nil
}

// measure runs fn from o.clients goroutines for o.duration and returns
// units per second.
func measure(o options, fn func(worker, i int) (int, error)) (float64, error) {
	var total atomic.Int64
	var firstErr error
	var errOnce sync.Once
	stop := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < o.clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n, err := fn(w, i)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				total.Add(int64(n))
			}
		}(w)
	}
	time.Sleep(o.duration)
	close(stop)
	wg.Wait()
	return float64(total.Load()) / time.Since(start).Seconds(), firstErr
}

type result struct {
	update, put, query []float64
	rss                int
	// CPU time per UpdateItem, µs: of the bench process (the clients)
	// and of the endpoint's process.
	clientCPU, endpointCPU []float64
}

var putSeq atomic.Int64

// bench is one endpoint under measurement: its client, driver and results.
type bench struct {
	t      *target
	d      driver
	bucket string
	r      result
}

func newBench(t *target, o options) (*bench, error) {
	c := newClient(t.url, o.clients)
	if err := setup(c, o, t.stream); err != nil {
		return nil, err
	}
	b := &bench{t: t, d: rawDriver{c}, bucket: time.Now().UTC().Format("2006-01-02T15:04")}
	if o.sdk {
		b.d = newSDKDriver(t.url, o.clients)
	}
	return b, nil
}

// runOnce measures each operation once and appends the figures.
func (b *bench) runOnce(o options, run int) error {
	skip := func(what string) bool { return o.only != "" && o.only != what }
	var ups, puts, queries float64
	var err error
	if !skip("update") {
		client0, endpoint0 := proc.SelfCPU(), proc.ProcessCPU(b.t.cmd.Process.Pid)
		began := time.Now()
		ups, err = measure(o, func(w, i int) (int, error) {
			return 1, b.d.update(b.bucket, "type-"+strconv.Itoa((w*7919+i)%o.keys))
		})
		if err != nil {
			return err
		}
		if calls := ups * time.Since(began).Seconds(); calls > 0 {
			b.r.clientCPU = append(b.r.clientCPU, float64((proc.SelfCPU()-client0).Microseconds())/calls)
			b.r.endpointCPU = append(b.r.endpointCPU, float64((proc.ProcessCPU(b.t.cmd.Process.Pid)-endpoint0).Microseconds())/calls)
		}
	}
	if !skip("put") {
		puts, err = measure(o, func(w, i int) (int, error) {
			return 1, b.d.put(putSeq.Add(1))
		})
		if err != nil {
			return err
		}
	}
	if !skip("query") {
		queries, err = measure(o, func(w, i int) (int, error) { return b.d.query("q" + strconv.Itoa(w)) })
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "  %s run %d: UpdateItem %.0f/s, PutItem %.0f/s, Query %.0f items/s\n", b.t.name, run+1, ups, puts, queries)
	b.r.update = append(b.r.update, ups)
	b.r.put = append(b.r.put, puts)
	b.r.query = append(b.r.query, queries)
	return nil
}

// ratioOf is the ratio of two medians, or "-" for an operation not measured.
func ratioOf(a, b []float64) string {
	ma, mb := median(a), median(b)
	if ma == 0 || mb == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", ma/mb)
}

func countOf(b []byte) int {
	i := bytes.Index(b, []byte(`"Count":`))
	if i < 0 {
		return 0
	}
	j := i + len(`"Count":`)
	k := j
	for k < len(b) && b[k] >= '0' && b[k] <= '9' {
		k++
	}
	n, _ := strconv.Atoi(string(b[j:k]))
	return n
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func run(o options) error {
	clientKind := "pre-built requests"
	if o.sdk {
		clientKind = "aws-sdk-go-v2"
	}
	fmt.Printf("DynamoDB benchmark: %d clients (%s), %d counter keys, %d runs of %s, %d items per queried partition, %d CPUs\n",
		o.clients, clientKind, o.keys, o.runs, o.duration, o.queryRows, runtime.NumCPU())
	// Every endpoint is started first and the runs go round-robin, so a
	// machine that drifts (disk, CPU frequency, neighbours) weighs on every
	// endpoint alike and the ratios stay readable.
	var benches []*bench
	byKey := map[string]*result{}
	defer func() {
		for _, b := range benches {
			b.t.stop()
		}
	}()
	for _, ep := range strings.Split(o.endpoints, ",") {
		var t *target
		var err error
		switch ep = strings.TrimSpace(ep); ep {
		case "spk":
			t, err = startSpk(o, false, false)
		case "spk-stream":
			t, err = startSpk(o, false, true)
		case "spk-memory":
			t, err = startSpk(o, true, false)
		case "dynalite":
			t, err = startDynalite(o.dynalite)
		case "ceiling":
			t, err = startNoop(o)
		case "bare":
			t, err = startSelf("bare endpoint (a map, no store)", "-serve-bare")
		case "bare-durable":
			t, err = startBareDurable()
		default:
			return fmt.Errorf("unknown endpoint %q in -endpoints; use spk, spk-stream, spk-memory, dynalite, ceiling, bare or bare-durable", ep)
		}
		if err != nil {
			return err
		}
		b, err := newBench(t, o)
		if err != nil {
			t.stop()
			return fmt.Errorf("%s: %w", t.name, err)
		}
		benches = append(benches, b)
		byKey[ep] = &b.r
	}
	for run := 0; run < o.runs; run++ {
		for _, b := range benches {
			if err := b.runOnce(o, run); err != nil {
				return fmt.Errorf("%s: %w", b.t.name, err)
			}
		}
	}
	for _, b := range benches {
		b.r.rss = b.t.peakRSS()
	}
	fmt.Printf("%-32s %14s %14s %16s %12s\n", "endpoint (medians)", "UpdateItem/s", "PutItem/s", "Query items/s", "peak RSS")
	for _, b := range benches {
		fmt.Printf("%-32s %14.0f %14.0f %16.0f %9d MB\n", b.t.name, median(b.r.update), median(b.r.put), median(b.r.query), b.r.rss/1024)
	}
	ratio := func(label string, a, b *result) {
		if a == nil || b == nil {
			return
		}
		fmt.Printf("%-32s %14s %14s %16s\n", label,
			ratioOf(a.update, b.update), ratioOf(a.put, b.put), ratioOf(a.query, b.query))
	}
	ratio("ratio spk/dynalite", byKey["spk"], byKey["dynalite"])
	ratio("ratio spk in memory/dynalite", byKey["spk-memory"], byKey["dynalite"])
	ratio("ratio ceiling/dynalite", byKey["ceiling"], byKey["dynalite"])
	ratio("spk as a share of the ceiling", byKey["spk"], byKey["ceiling"])
	ratio("spk in memory, share of ceiling", byKey["spk-memory"], byKey["ceiling"])
	ratio("bare endpoint, share of ceiling", byKey["bare"], byKey["ceiling"])
	ratio("spk in memory / bare endpoint", byKey["spk-memory"], byKey["bare"])
	ratio("bare durable, share of ceiling", byKey["bare-durable"], byKey["ceiling"])
	ratio("spk durable / bare durable", byKey["spk"], byKey["bare-durable"])
	ratio("spk with a stream / without", byKey["spk-stream"], byKey["spk"])
	// Two cores are shared by the clients and the endpoint, so where both
	// are busy, a share of the ceiling is (client + ceiling CPU) over
	// (client + endpoint CPU) per call: these say where the time goes.
	fmt.Printf("%-32s %14s %14s\n", "CPU per UpdateItem (medians)", "clients", "endpoint")
	for _, b := range benches {
		if len(b.r.clientCPU) > 0 {
			fmt.Printf("%-32s %12.1fµs %12.1fµs\n", b.t.name, median(b.r.clientCPU), median(b.r.endpointCPU))
		}
	}
	for _, b := range benches {
		w, c, n, ok := b.t.writesPerSync()
		switch {
		case ok && n > 0:
			fmt.Printf("%s: %.0f writes, %.0f commits, %.0f log fdatasyncs, %.1f writes per fdatasync\n", b.t.name, w, c, n, w/n)
		case ok:
			fmt.Printf("%s: %.0f writes, %.0f commits, %.1f writes per commit\n", b.t.name, w, c, w/c)
		}
	}
	return nil
}

// serveNoop serves the do-nothing endpoint until SIGTERM, printing its URL.
// It reads each request whole and answers with a canned response of the
// shape and size spk sends (a Query returns queryRows items), so it costs
// what the HTTP exchange costs and nothing more.
func serveNoop(queryRows int) error {
	var q strings.Builder
	q.WriteString(`{"Count":` + strconv.Itoa(queryRows) + `,"Items":[`)
	for j := 0; j < queryRows; j++ {
		if j > 0 {
			q.WriteByte(',')
		}
		fmt.Fprintf(&q, `{"BucketStart":{"S":"q0"},"EventType":{"S":"e%04d"},"count":{"N":"%d"},"detail":{"S":"some event detail text"}}`, j, j)
	}
	q.WriteString(`],"ScannedCount":` + strconv.Itoa(queryRows) + `}`)
	bodies := map[string][]byte{
		"DynamoDB_20120810.DescribeTable": []byte(`{"Table":{"TableName":"` + table + `","TableStatus":"ACTIVE"}}`),
		"DynamoDB_20120810.UpdateItem":    []byte(`{"Attributes":{"count":{"N":"1"}}}`),
		"DynamoDB_20120810.Query":         []byte(q.String()),
	}
	empty := []byte(`{}`)
	return endpoint.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		b, ok := bodies[r.Header.Get("X-Amz-Target")]
		if !ok {
			b = empty
		}
		endpoint.Answer(w, "application/x-amz-json-1.0", true, b)
	}), "URL ")
}

// driver issues the three measured requests.
type driver interface {
	update(bucket, eventType string) error
	put(seq int64) error
	query(partition string) (int, error)
}

type rawDriver struct{ c *rawaws.Client }

func (d rawDriver) update(bucket, eventType string) error {
	_, err := d.c.Call("UpdateItem", []byte(`{"TableName":"`+table+`","Key":{"BucketStart":{"S":"`+bucket+`"},"EventType":{"S":"`+eventType+`"}},`+
		`"UpdateExpression":"ADD #c :one","ExpressionAttributeNames":{"#c":"count"},"ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}`))
	return err
}

func (d rawDriver) put(k int64) error {
	_, err := d.c.Call("PutItem", []byte(`{"TableName":"`+table+`","Item":{"BucketStart":{"S":"p`+strconv.Itoa(int(k%1000))+`"},"EventType":{"S":"e`+strconv.FormatInt(k, 10)+`"},"count":{"N":"1"},"detail":{"S":"some event detail text"}}}`))
	return err
}

func (d rawDriver) query(partition string) (int, error) {
	b, err := d.c.Call("Query", []byte(`{"TableName":"`+table+`","KeyConditionExpression":"BucketStart = :b","ExpressionAttributeValues":{":b":{"S":"`+partition+`"}}}`))
	if err != nil {
		return 0, err
	}
	return countOf(b), nil
}

type sdkDriver struct{ c *dynamodb.Client }

func newSDKDriver(url string, conns int) sdkDriver {
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: time.Minute}
	return sdkDriver{dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
		HTTPClient:   &http.Client{Transport: tr, Timeout: 60 * time.Second},
	})}
}

func (d sdkDriver) update(bucket, eventType string) error {
	_, err := d.c.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"BucketStart": &types.AttributeValueMemberS{Value: bucket},
			"EventType": &types.AttributeValueMemberS{Value: eventType}},
		UpdateExpression:          aws.String("ADD #c :one"),
		ExpressionAttributeNames:  map[string]string{"#c": "count"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	return err
}

func (d sdkDriver) put(k int64) error {
	_, err := d.c.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(table),
		Item: map[string]types.AttributeValue{
			"BucketStart": &types.AttributeValueMemberS{Value: "p" + strconv.Itoa(int(k%1000))},
			"EventType":   &types.AttributeValueMemberS{Value: "e" + strconv.FormatInt(k, 10)},
			"count":       &types.AttributeValueMemberN{Value: "1"},
			"detail":      &types.AttributeValueMemberS{Value: "some event detail text"},
		},
	})
	return err
}

func (d sdkDriver) query(partition string) (int, error) {
	out, err := d.c.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String(table),
		KeyConditionExpression:    aws.String("BucketStart = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: partition}},
	})
	if err != nil {
		return 0, err
	}
	return len(out.Items), nil
}
