// Command soak kills spk local under load, again and again, and checks that
// nothing it acknowledged was lost. Each round starts the real spk binary
// (durable), loads it with concurrent PutRecords, UpdateItem ADDs and
// PutItems from several clients that note every acknowledged write, kills
// it with SIGKILL at a random moment, restarts it on the same data
// directory and verifies: every acknowledged record is there with its
// sequence number and data, every acknowledged item is there, and every
// counter is at least the acknowledged ADDs and at most the ADDs sent. The
// data directory is reused across rounds and started afresh every tenth.
//
//	go run ./bench/soak -rounds 30
//
// It prints one line per round and a summary, and exits 1 on any loss.
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spk-cli/spk/bench/internal/proc"
	"github.com/spk-cli/spk/bench/internal/rawaws"
)

func main() {
	rounds := flag.Int("rounds", 30, "kill -9 rounds")
	spk := flag.String("spk", "", "spk binary (default: build ./cmd/spk)")
	fresh := flag.Int("fresh-every", 10, "start a fresh data directory every this many rounds")
	minLoad := flag.Duration("min-load", 300*time.Millisecond, "least load before the kill")
	maxLoad := flag.Duration("max-load", 2500*time.Millisecond, "most load before the kill")
	flag.Parse()
	if err := run(*rounds, *fresh, *spk, *minLoad, *maxLoad); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// model is what the clients were told, across the rounds on one data dir.
type model struct {
	mu       sync.Mutex
	records  map[string]string // sequence number -> data, acknowledged
	items    map[string]string // pk -> value, acknowledged PutItems
	ackedAdd map[string]int64  // counter -> acknowledged ADDs
	sentAdd  map[string]int64  // counter -> ADDs sent
}

func newModel() *model {
	return &model{records: map[string]string{}, items: map[string]string{}, ackedAdd: map[string]int64{}, sentAdd: map[string]int64{}}
}

func run(rounds, freshEvery int, spk string, minLoad, maxLoad time.Duration) error {
	tmp, err := os.MkdirTemp("", "spk-soak-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if spk == "" {
		if spk, err = proc.BuildSpk(tmp); err != nil {
			return err
		}
	}
	var m *model
	var dir string
	var acknowledged, lost int64
	for r := 0; r < rounds; r++ {
		if r%freshEvery == 0 {
			dir = filepath.Join(tmp, fmt.Sprintf("data-%d", r))
			m = newModel()
		}
		ep, err := startSpk(spk, dir)
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
		if r%freshEvery == 0 {
			if err := setup(ep.url); err != nil {
				ep.kill()
				return fmt.Errorf("round %d: set up: %w", r+1, err)
			}
		}
		load := minLoad + rand.N(maxLoad-minLoad)
		n := loadAndKill(ep, m, r, load)
		ep, err = startSpk(spk, dir)
		if err != nil {
			return fmt.Errorf("round %d: restart after kill -9: %w", r+1, err)
		}
		missing, err := verify(ep.url, m)
		ep.stop()
		if err != nil {
			return fmt.Errorf("round %d: verify: %w", r+1, err)
		}
		acknowledged += n
		lost += int64(len(missing))
		fmt.Printf("round %2d: killed after %v, acknowledged %d writes this round, lost %d\n", r+1, load.Round(time.Millisecond), n, len(missing))
		for i, s := range missing {
			if i == 10 {
				fmt.Printf("  … and %d more\n", len(missing)-10)
				break
			}
			fmt.Println("  lost:", s)
		}
	}
	fmt.Printf("rounds %d, acknowledged writes %d, lost %d\n", rounds, acknowledged, lost)
	if lost > 0 {
		return errors.New("acknowledged writes were lost")
	}
	return nil
}

type endpoint struct {
	cmd *exec.Cmd
	url string
}

var urlRE = regexp.MustCompile(`endpoint at (http://\S+) `)

func startSpk(spk, dir string) (*endpoint, error) {
	cmd := exec.Command(spk, "local", "--addr", "127.0.0.1:0", "--data-dir", dir, "--create-delay", "0s", "--update-delay", "0s", "--delete-delay", "0s")
	cmd.Env = append(os.Environ(), "SPK_NO_UPDATE_CHECK=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	var lines []string
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if m := urlRE.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
			if !sent {
				lines = append(lines, sc.Text())
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case u, ok := <-found:
		if !ok {
			cmd.Wait()
			return nil, fmt.Errorf("spk local exited: %s", strings.Join(lines, "; "))
		}
		return &endpoint{cmd: cmd, url: u}, nil
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		return nil, errors.New("spk local did not print its address within 60s")
	}
}

func (e *endpoint) kill() {
	e.cmd.Process.Signal(syscall.SIGKILL)
	e.cmd.Wait()
}

func (e *endpoint) stop() {
	e.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { e.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		e.kill()
	}
}

func clients(url string) (*rawaws.Client, *rawaws.Client) {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return rawaws.Kinesis(url, hc), rawaws.DynamoDB(url, hc)
}

const (
	streamName = "soak"
	tableName  = "soak"
	counters   = 10
)

func setup(url string) error {
	k, d := clients(url)
	if _, err := k.Call("CreateStream", []byte(`{"StreamName":"soak","ShardCount":2}`)); err != nil {
		return err
	}
	// A stream on the table: its records ride in the same commits.
	if _, err := d.Call("CreateTable", []byte(`{"TableName":"soak","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_IMAGE"}}`)); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s, err1 := k.Call("DescribeStreamSummary", []byte(`{"StreamName":"soak"}`))
		t, err2 := d.Call("DescribeTable", []byte(`{"TableName":"soak"}`))
		if err1 == nil && err2 == nil && strings.Contains(string(s), `"ACTIVE"`) && strings.Contains(string(t), `"TableStatus":"ACTIVE"`) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("the stream or table did not become ACTIVE")
}

// loadAndKill loads the endpoint for d, kills it with SIGKILL, waits for
// the clients to see it die and returns how many writes were acknowledged.
func loadAndKill(ep *endpoint, m *model, round int, d time.Duration) int64 {
	k, db := clients(ep.url)
	var acked atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for c := 0; c < 3; c++ { // PutRecords, 25 records each
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				data := make([]string, 25)
				var body strings.Builder
				body.WriteString(`{"StreamName":"soak","Records":[`)
				for i := range data {
					data[i] = fmt.Sprintf("r%d-c%d-n%d-i%d", round, c, n, i)
					if i > 0 {
						body.WriteByte(',')
					}
					fmt.Fprintf(&body, `{"PartitionKey":"%s","Data":"%s"}`, data[i], base64.StdEncoding.EncodeToString([]byte(data[i])))
				}
				body.WriteString("]}")
				out, err := k.Call("PutRecords", []byte(body.String()))
				if err != nil {
					return
				}
				var res struct {
					Records []struct{ SequenceNumber, ErrorCode string }
				}
				if json.Unmarshal(out, &res) != nil || len(res.Records) != len(data) {
					return
				}
				m.mu.Lock()
				for i, r := range res.Records {
					if r.ErrorCode == "" {
						m.records[r.SequenceNumber] = data[i]
						acked.Add(1)
					}
				}
				m.mu.Unlock()
			}
		}(c)
	}
	for c := 0; c < 3; c++ { // UpdateItem ADD on shared counters
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				key := fmt.Sprintf("counter-%d", rand.N(counters))
				m.mu.Lock()
				m.sentAdd[key]++
				m.mu.Unlock()
				if _, err := db.Call("UpdateItem", fmt.Appendf(nil, `{"TableName":"soak","Key":{"pk":{"S":"%s"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}}}`, key)); err != nil {
					return
				}
				m.mu.Lock()
				m.ackedAdd[key]++
				m.mu.Unlock()
				acked.Add(1)
			}
		}()
	}
	for c := 0; c < 2; c++ { // PutItem of new items
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				pk, v := fmt.Sprintf("item-r%d-c%d-n%d", round, c, n), fmt.Sprintf("v%d", rand.Int())
				if _, err := db.Call("PutItem", fmt.Appendf(nil, `{"TableName":"soak","Item":{"pk":{"S":"%s"},"v":{"S":"%s"}}}`, pk, v)); err != nil {
					return
				}
				m.mu.Lock()
				m.items[pk] = v
				m.mu.Unlock()
				acked.Add(1)
			}
		}(c)
	}
	time.Sleep(d) // the load runs; the kill lands at a random moment
	ep.kill()
	cancel()
	wg.Wait()
	return acked.Load()
}

// verify reads everything back and lists what is missing or wrong.
func verify(url string, m *model) ([]string, error) {
	k, d := clients(url)
	var missing []string
	got := map[string]string{}
	for _, shard := range []string{"shardId-000000000000", "shardId-000000000001"} {
		out, err := k.Call("GetShardIterator", fmt.Appendf(nil, `{"StreamName":"soak","ShardId":"%s","ShardIteratorType":"TRIM_HORIZON"}`, shard))
		if err != nil {
			return nil, err
		}
		var it struct{ ShardIterator string }
		json.Unmarshal(out, &it)
		for it.ShardIterator != "" {
			out, err := k.Call("GetRecords", fmt.Appendf(nil, `{"ShardIterator":"%s","Limit":10000}`, it.ShardIterator))
			if err != nil {
				return nil, err
			}
			var res struct {
				Records []struct {
					SequenceNumber string
					Data           []byte
				}
				NextShardIterator  string
				MillisBehindLatest int64
			}
			if err := json.Unmarshal(out, &res); err != nil {
				return nil, err
			}
			for _, r := range res.Records {
				got[r.SequenceNumber] = string(r.Data)
			}
			if len(res.Records) == 0 && res.MillisBehindLatest == 0 {
				break
			}
			it.ShardIterator = res.NextShardIterator
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for seq, data := range m.records {
		if g, ok := got[seq]; !ok {
			missing = append(missing, "record "+seq+" ("+data+")")
		} else if g != data {
			missing = append(missing, fmt.Sprintf("record %s holds %q, acknowledged %q", seq, g, data))
		}
	}
	for key, acked := range m.ackedAdd {
		n, err := getN(d, key)
		if err != nil {
			return nil, err
		}
		if n < acked || n > m.sentAdd[key] {
			missing = append(missing, fmt.Sprintf("counter %s = %d, acknowledged %d ADDs of %d sent", key, n, acked, m.sentAdd[key]))
		}
		// What reached the store is now the truth for the next round.
		m.ackedAdd[key], m.sentAdd[key] = n, n
	}
	for pk, v := range m.items {
		out, err := d.Call("GetItem", fmt.Appendf(nil, `{"TableName":"soak","Key":{"pk":{"S":"%s"}},"ConsistentRead":true}`, pk))
		if err != nil {
			return nil, err
		}
		if !strings.Contains(string(out), fmt.Sprintf(`"v":{"S":"%s"}`, v)) {
			missing = append(missing, "item "+pk)
		}
	}
	return missing, nil
}

func getN(d *rawaws.Client, key string) (int64, error) {
	out, err := d.Call("GetItem", fmt.Appendf(nil, `{"TableName":"soak","Key":{"pk":{"S":"%s"}},"ConsistentRead":true}`, key))
	if err != nil {
		return 0, err
	}
	var res struct {
		Item struct {
			N struct{ N json.Number } `json:"n"`
		}
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, err
	}
	if res.Item.N.N == "" {
		return 0, nil
	}
	return res.Item.N.N.Int64()
}
