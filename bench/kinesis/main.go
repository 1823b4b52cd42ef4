// Command kinesis measures the Kinesis half of spk's local endpoint against
// kinesalite: it puts tutorial events into a 4-shard stream with 500-record
// PutRecords from concurrent clients, drains the stream with GetRecords, and
// reports events/s for both phases and each server's peak RSS (VmHWM).
// Both servers run as separate processes and get the same lean HTTP client,
// so the figures compare servers, not SDKs. "spk-h2" is spk again with that
// client speaking cleartext HTTP/2 (prior knowledge) instead of HTTP/1.1.
// "ceiling" is a do-nothing endpoint (ceiling.go): the most any endpoint
// can reach with this client here, of which spk's figures are a share.
// "bare" (-bare, bare.go) is the least a durable endpoint can do: the floor
// under the ceiling for any endpoint that keeps what it acknowledges.
//
//	go run ./bench/kinesis -runs 3
//
// SPK_BENCH_CPUPROFILE=FILE writes a CPU profile of spk's endpoint process;
// SPK_BENCH_IN_MEMORY=1 runs it in memory, to see what durability costs.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/spk-cli/spk/bench/internal/proc"
	"github.com/spk-cli/spk/bench/internal/rawaws"
	local "github.com/spk-cli/spk/provision/local"
)

type config struct {
	events, shards, batch, clients, runs int
	kinesalite                           string
	skipKinesalite, http2, skipCeiling   bool
	bare                                 bool
}

func main() {
	var cfg config
	serveDir := flag.String("serve", "", "internal: run spk's endpoint durably on this data dir and print its URL")
	serveCeil := flag.Bool("serve-ceiling", false, "internal: run the do-nothing endpoint and print its URL")
	serveBareDir := flag.String("serve-bare", "", "internal: run the bare endpoint with its log in this dir and print its URL")
	flag.IntVar(&cfg.events, "events", 200_000, "events to put")
	flag.IntVar(&cfg.shards, "shards", 4, "shards in the stream")
	flag.IntVar(&cfg.batch, "batch", 500, "records per PutRecords")
	flag.IntVar(&cfg.clients, "clients", 8, "concurrent putting clients")
	flag.IntVar(&cfg.runs, "runs", 3, "runs per server (medians are reported)")
	flag.StringVar(&cfg.kinesalite, "kinesalite", "test/peers/node_modules/.bin/kinesalite", "kinesalite executable")
	flag.BoolVar(&cfg.skipKinesalite, "spk-only", false, "measure spk only")
	flag.BoolVar(&cfg.http2, "http2", false, "also measure spk with HTTP/2 clients (spk-h2)")
	flag.BoolVar(&cfg.skipCeiling, "no-ceiling", false, "do not measure the do-nothing endpoint")
	flag.BoolVar(&cfg.bare, "bare", false, "also measure the bare endpoint (bare.go: the least a durable endpoint does)")
	flag.Parse()
	if *serveDir != "" {
		os.Exit(serve(*serveDir))
	}
	if *serveBareDir != "" {
		os.Exit(serveBare(*serveBareDir))
	}
	if *serveCeil {
		os.Exit(serveCeiling(cfg.events, cfg.shards, cfg.batch))
	}
	if err := run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// serve runs spk's endpoint with default settings (durable) until SIGINT.
func serve(dir string) int {
	if path := os.Getenv("SPK_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer func() { pprof.StopCPUProfile(); f.Close() }()
		}
	}
	local.TuneGC() // as spk local does
	opts := local.DefaultOptions()
	opts.Addr = "127.0.0.1:0"
	opts.DataDir = dir
	opts.InMemory = os.Getenv("SPK_BENCH_IN_MEMORY") != ""
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(srv.URL())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	srv.Shutdown(context.Background())
	return 0
}

type result struct {
	putRate, drainRate float64
	rssMB              float64
	// CPU time per 1000 events put, ms: of the bench process (the
	// clients) and of the server's process; and how busy the machine's
	// cores were with both during the put.
	putClientCPU, putServerCPU, putBusy float64
}

func run(cfg config) error {
	bodies := makeBodies(cfg)
	servers := []string{"spk"}
	if cfg.http2 {
		servers = append(servers, "spk-h2")
	}
	if !cfg.skipKinesalite {
		servers = append(servers, "kinesalite")
	}
	if cfg.bare {
		servers = append(servers, "bare")
	}
	if !cfg.skipCeiling {
		servers = append(servers, "ceiling")
	}
	results := map[string][]result{}
	for r := 0; r < cfg.runs; r++ {
		for _, name := range servers {
			res, err := measure(cfg, name, bodies)
			if err != nil {
				return fmt.Errorf("%s run %d: %w", name, r+1, err)
			}
			fmt.Printf("run %d %-10s put %9.0f events/s  drain %9.0f events/s  peak RSS %6.1f MB\n", r+1, name, res.putRate, res.drainRate, res.rssMB)
			results[name] = append(results[name], res)
		}
	}
	fmt.Printf("\nmedians over %d runs (%d events, %d shards, %d-record PutRecords, %d clients):\n", cfg.runs, cfg.events, cfg.shards, cfg.batch, cfg.clients)
	med := map[string]result{}
	for _, name := range servers {
		m := result{
			putRate:   median(results[name], func(r result) float64 { return r.putRate }),
			drainRate: median(results[name], func(r result) float64 { return r.drainRate }),
			rssMB:     median(results[name], func(r result) float64 { return r.rssMB }),
		}
		med[name] = m
		fmt.Printf("%-10s put %9.0f events/s  drain %9.0f events/s  peak RSS %6.1f MB\n", name, m.putRate, m.drainRate, m.rssMB)
	}
	if k, ok := med["kinesalite"]; ok {
		s := med["spk"]
		fmt.Printf("spk/kinesalite: put %.1fx  drain %.1fx\n", s.putRate/k.putRate, s.drainRate/k.drainRate)
	}
	if c, ok := med["ceiling"]; ok {
		s := med["spk"]
		fmt.Printf("spk as a share of the ceiling: put %.2f  drain %.2f\n", s.putRate/c.putRate, s.drainRate/c.drainRate)
		if b, ok := med["bare"]; ok {
			fmt.Printf("bare endpoint as a share of the ceiling: put %.2f  drain %.2f\n", b.putRate/c.putRate, b.drainRate/c.drainRate)
		}
		if k, ok := med["kinesalite"]; ok {
			fmt.Printf("kinesalite as a share of the ceiling: put %.2f  drain %.2f\n", k.putRate/c.putRate, k.drainRate/c.drainRate)
		}
	}
	if h, ok := med["spk-h2"]; ok {
		s := med["spk"]
		fmt.Printf("spk HTTP/2 clients / HTTP/1.1 clients: put %.2fx  drain %.2fx\n", h.putRate/s.putRate, h.drainRate/s.drainRate)
	}
	// Where the put's time goes: a server that leaves the cores idle is
	// waiting (on its disk, or on itself), not short of CPU.
	fmt.Printf("\nput, CPU per 1000 events (medians): clients, server; cores busy\n")
	for _, name := range servers {
		rs := results[name]
		fmt.Printf("%-10s %6.2f ms %6.2f ms   %3.0f%%\n", name,
			median(rs, func(r result) float64 { return r.putClientCPU }),
			median(rs, func(r result) float64 { return r.putServerCPU }),
			100*median(rs, func(r result) float64 { return r.putBusy }))
	}
	return nil
}

func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

var eventTypes = []string{"Green", "Red", "Yellow", "Blue"}

// makeBodies builds the PutRecords bodies (without the stream name) up front,
// so the timed phase measures the server.
func makeBodies(cfg config) [][]byte {
	var bodies [][]byte
	for i := 0; i < cfg.events; i += cfg.batch {
		var b bytes.Buffer
		b.WriteString(`"Records":[`)
		for j := i; j < min(i+cfg.batch, cfg.events); j++ {
			id := uuid.NewString()
			ev := fmt.Sprintf(`{"timestamp": "%s", "type": "%s", "id": "%s"}`,
				time.Date(2015, 6, 5, 12, 54, 43, 64528000+j*1000, time.UTC).Format("2006-01-02T15:04:05.000000"), eventTypes[rand.IntN(len(eventTypes))], id)
			if j > i {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"PartitionKey":"%s","Data":"%s"}`, id, base64.StdEncoding.EncodeToString([]byte(ev)))
		}
		b.WriteString("]}")
		bodies = append(bodies, b.Bytes())
	}
	return bodies
}

// server is a server process under test.
type server struct {
	cmd *exec.Cmd
	url string
}

func startServer(cfg config, name string) (*server, func(), error) {
	var cmd *exec.Cmd
	var url string
	switch name {
	case "spk", "spk-h2", "ceiling", "bare":
		dir, err := os.MkdirTemp("", "spk-bench-*")
		if err != nil {
			return nil, nil, err
		}
		self, err := os.Executable()
		if err != nil {
			return nil, nil, err
		}
		cmd = exec.Command(self, "-serve", dir)
		if name == "bare" {
			cmd = exec.Command(self, "-serve-bare", dir)
		}
		if name == "ceiling" {
			cmd = exec.Command(self, "-serve-ceiling", "-events", strconv.Itoa(cfg.events), "-shards", strconv.Itoa(cfg.shards), "-batch", strconv.Itoa(cfg.batch))
		}
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, nil, err
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil {
			cmd.Process.Kill()
			return nil, nil, fmt.Errorf("spk endpoint did not start: %w", err)
		}
		url = strings.TrimSpace(line)
		return &server{cmd, url}, func() {
			cmd.Process.Signal(os.Interrupt)
			cmd.Wait()
			os.RemoveAll(dir)
		}, nil
	case "kinesalite":
		port, err := freePort()
		if err != nil {
			return nil, nil, err
		}
		path, err := filepath.Abs(cfg.kinesalite)
		if err != nil {
			return nil, nil, err
		}
		// Run node directly so the measured PID is the server's.
		cmd = exec.Command("node", path, "--port", strconv.Itoa(port), "--createStreamMs", "300", "--shardLimit", "1000")
		if err := cmd.Start(); err != nil {
			return nil, nil, fmt.Errorf("start kinesalite (install it: cd test/peers && npm install): %w", err)
		}
		url = "http://127.0.0.1:" + strconv.Itoa(port)
		deadline := time.Now().Add(30 * time.Second)
		for {
			c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				return nil, nil, errors.New("kinesalite did not listen within 30s")
			}
			time.Sleep(50 * time.Millisecond) // polling interval
		}
		return &server{cmd, url}, func() { cmd.Process.Kill(); cmd.Wait() }, nil
	}
	return nil, nil, fmt.Errorf("unknown server %s", name)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// peakRSS reads VmHWM of a process in MB.
func peakRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return float64(kb) / 1024
		}
	}
	return 0
}

func measure(cfg config, name string, bodies [][]byte) (result, error) {
	srv, stop, err := startServer(cfg, name)
	if err != nil {
		return result{}, err
	}
	defer stop()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	if name == "spk-h2" {
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	c := rawaws.Kinesis(srv.url, &http.Client{Transport: tr, Timeout: time.Minute})
	stream := fmt.Sprintf("bench-%d", rand.IntN(1e9))
	if _, err := c.Call("CreateStream", []byte(fmt.Sprintf(`{"StreamName":%q,"ShardCount":%d}`, stream, cfg.shards))); err != nil {
		return result{}, err
	}
	for {
		out, err := c.Call("DescribeStreamSummary", []byte(fmt.Sprintf(`{"StreamName":%q}`, stream)))
		if err != nil {
			return result{}, err
		}
		if bytes.Contains(out, []byte(`"ACTIVE"`)) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}

	// Put phase.
	prefix := []byte(fmt.Sprintf(`{"StreamName":%q,`, stream))
	work := make(chan []byte, len(bodies))
	for _, b := range bodies {
		work <- b
	}
	close(work)
	var wg sync.WaitGroup
	errs := make(chan error, cfg.clients)
	client0, server0 := proc.SelfCPU(), proc.ProcessCPU(srv.cmd.Process.Pid)
	start := time.Now()
	for i := 0; i < cfg.clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				body := append(append([]byte(nil), prefix...), b...)
				for attempt := 0; ; attempt++ {
					out, err := c.Call("PutRecords", body)
					if err != nil {
						errs <- err
						return
					}
					var res struct{ FailedRecordCount int }
					if err := json.Unmarshal(out, &res); err != nil {
						errs <- err
						return
					}
					if res.FailedRecordCount == 0 {
						break
					}
					errs <- fmt.Errorf("%d records failed", res.FailedRecordCount)
					return
				}
			}
		}()
	}
	wg.Wait()
	putSecs := time.Since(start).Seconds()
	clientCPU, serverCPU := proc.SelfCPU()-client0, proc.ProcessCPU(srv.cmd.Process.Pid)-server0
	close(errs)
	if err := <-errs; err != nil {
		return result{}, err
	}

	// Drain phase: one reader per shard.
	var total int64
	var mu sync.Mutex
	derrs := make(chan error, cfg.shards)
	start = time.Now()
	for i := 0; i < cfg.shards; i++ {
		wg.Add(1)
		go func(shard int) {
			defer wg.Done()
			out, err := c.Call("GetShardIterator", []byte(fmt.Sprintf(`{"StreamName":%q,"ShardId":"shardId-%012d","ShardIteratorType":"TRIM_HORIZON"}`, stream, shard)))
			if err != nil {
				derrs <- err
				return
			}
			var it struct{ ShardIterator string }
			json.Unmarshal(out, &it)
			iter := it.ShardIterator
			for {
				out, err := c.Call("GetRecords", []byte(fmt.Sprintf(`{"ShardIterator":%q,"Limit":10000}`, iter)))
				if err != nil {
					derrs <- err
					return
				}
				var res struct {
					Records []struct {
						SequenceNumber string
					}
					NextShardIterator string
				}
				if err := json.Unmarshal(out, &res); err != nil {
					derrs <- err
					return
				}
				mu.Lock()
				total += int64(len(res.Records))
				mu.Unlock()
				if len(res.Records) == 0 {
					return
				}
				iter = res.NextShardIterator
			}
		}(i)
	}
	wg.Wait()
	drainSecs := time.Since(start).Seconds()
	close(derrs)
	if err := <-derrs; err != nil {
		return result{}, err
	}
	if total != int64(cfg.events) {
		return result{}, fmt.Errorf("drained %d events, put %d", total, cfg.events)
	}
	return result{
		putRate:   float64(cfg.events) / putSecs,
		drainRate: float64(total) / drainSecs,
		rssMB:     peakRSS(srv.cmd.Process.Pid),

		putClientCPU: clientCPU.Seconds() * 1e6 / float64(cfg.events),
		putServerCPU: serverCPU.Seconds() * 1e6 / float64(cfg.events),
		putBusy:      (clientCPU + serverCPU).Seconds() / putSecs / float64(runtime.NumCPU()),
	}, nil
}
