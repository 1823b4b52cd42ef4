package consume_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/view"
)

// webEvent is one generated record and what an independent recount needs of it.
type webEvent struct {
	ok     bool // a JSON event; otherwise malformed
	ts     time.Time
	typ    string
	status int
	bytes  string // decimal text; "" missing; "n/a" a string
	ip     string
	path   string
}

var webStart = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

// webLoad generates n web-request events over six minutes, in random order
// of time, with skewed paths, decimal sizes (some missing, some not numbers)
// and 1% malformed records.
func webLoad(n int, seed uint64) ([]webEvent, []ktypes.PutRecordsRequestEntry) {
	rng := rand.New(rand.NewPCG(seed, seed^0xabc))
	statuses := []int{200, 200, 200, 200, 301, 404, 404, 500, 503}
	evs := make([]webEvent, n)
	entries := make([]ktypes.PutRecordsRequestEntry, n)
	for i := range evs {
		e := webEvent{ok: rng.Float64() >= 0.01}
		var data []byte
		if !e.ok {
			data = []byte(`{"timestamp": "2026-03-01T10:00:00", "type": broken`)
		} else {
			e.ts = webStart.Add(time.Duration(rng.Int64N(int64(6 * time.Minute))))
			e.typ = endpointtest.Types[rng.IntN(len(endpointtest.Types))]
			e.status = statuses[rng.IntN(len(statuses))]
			e.ip = fmt.Sprintf("10.%d.%d.%d", rng.IntN(3), rng.IntN(30), rng.IntN(30))
			// Skewed: path k with probability about proportional to 1/(k+1)^1.5.
			e.path = fmt.Sprintf("/p%d", int(math.Floor(math.Pow(200, rng.Float64()*rng.Float64()))))
			m := map[string]any{"timestamp": e.ts.Format("2006-01-02T15:04:05.000000"), "type": e.typ, "status": e.status, "ip": e.ip, "path": e.path}
			switch x := rng.Float64(); {
			case x < 0.1:
			case x < 0.12:
				e.bytes = "n/a"
				m["bytes"] = "n/a"
			case x < 0.15:
				e.bytes = fmt.Sprintf("%de2", rng.IntN(50))
				m["bytes"] = json.Number(e.bytes)
			default:
				e.bytes = fmt.Sprintf("%d.%02d", rng.IntN(100000)-1000, rng.IntN(100))
				m["bytes"] = json.Number(e.bytes)
			}
			data, _ = json.Marshal(m)
		}
		evs[i] = e
		entries[i] = ktypes.PutRecordsRequestEntry{PartitionKey: aws.String(strconv.FormatUint(rng.Uint64(), 36)), Data: data}
	}
	return evs, entries
}

// testViews are one of each kind: the tutorial's count (fast path), an
// additive view grouped by a number, a filtered sliding view of min and max,
// and a sketch view without groups.
func testViews() []view.Definition {
	return []view.Definition{
		view.DefaultDefinition(),
		{Name: "bytes", GroupBy: []string{"status"}, Window: view.Window{Size: time.Minute}, Metrics: []string{"count", "sum:bytes", "avg:bytes"}},
		{Name: "range", Where: "status >= 300", GroupBy: []string{"type"}, Window: view.Window{Size: 2 * time.Minute, Slide: time.Minute}, Metrics: []string{"count", "min:bytes", "max:bytes"}},
		{Name: "sketch", Window: view.Window{Size: time.Minute}, Metrics: []string{"count", "distinct:ip", "top:path:5"}},
	}
}

// expRow is a row recounted from the generated events.
type expRow struct {
	count    int64
	sum      big.Rat
	n        int64
	min, max *big.Rat
	ips      map[string]bool
	paths    map[string]int64
}

type rowKey struct{ start, group string }

// recount computes every view's rows from the events, independently of
// stream/view: big.Rat arithmetic, windows by brute force over every
// candidate start.
func recount(evs []webEvent) map[string]map[rowKey]*expRow {
	out := map[string]map[rowKey]*expRow{}
	row := func(v string, k rowKey) *expRow {
		if out[v] == nil {
			out[v] = map[rowKey]*expRow{}
		}
		r := out[v][k]
		if r == nil {
			r = &expRow{ips: map[string]bool{}, paths: map[string]int64{}}
			out[v][k] = r
		}
		return r
	}
	const layout = "2006-01-02T15:04:05.000"
	for _, e := range evs {
		if !e.ok {
			continue
		}
		minute := time.Date(e.ts.Year(), e.ts.Month(), e.ts.Day(), e.ts.Hour(), e.ts.Minute(), 0, 0, time.UTC)
		row("default", rowKey{minute.Format(layout), e.typ}).count++
		var b *big.Rat
		if e.bytes != "" && e.bytes != "n/a" {
			b, _ = new(big.Rat).SetString(e.bytes)
		}
		if e.bytes != "n/a" {
			r := row("bytes", rowKey{minute.Format(layout), strconv.Itoa(e.status)})
			r.count++
			if b != nil {
				r.sum.Add(&r.sum, b)
				r.n++
			}
			if e.status >= 300 {
				for w := webStart.Add(-5 * time.Minute); w.Before(webStart.Add(10 * time.Minute)); w = w.Add(time.Minute) {
					if w.After(e.ts) || !e.ts.Before(w.Add(2*time.Minute)) {
						continue
					}
					r := row("range", rowKey{w.Format(layout), e.typ})
					r.count++
					if b != nil {
						if r.min == nil || b.Cmp(r.min) < 0 {
							r.min = b
						}
						if r.max == nil || b.Cmp(r.max) > 0 {
							r.max = b
						}
					}
				}
			}
		}
		r := row("sketch", rowKey{minute.Format(layout), "*"})
		r.count++
		r.ips[e.ip] = true
		r.paths[e.path]++
	}
	return out
}

// viewDiff compares each view's table with the recount and describes the
// first differences; "" when every row is right.
func viewDiff(db *dynamodb.Client, views []*view.View, table string, want map[string]map[rowKey]*expRow) string {
	var diffs []string
	for _, v := range views {
		items, err := scanAll(db, v.Table(table))
		if err != nil {
			return err.Error()
		}
		exp := want[v.Name()]
		if len(items) != len(exp) {
			diffs = append(diffs, fmt.Sprintf("view %s: %d rows, want %d", v.Name(), len(items), len(exp)))
		}
		for _, it := range items {
			k := rowKey{it["BucketStart"].(*dtypes.AttributeValueMemberS).Value, it["EventType"].(*dtypes.AttributeValueMemberS).Value}
			e := exp[k]
			if e == nil {
				diffs = append(diffs, fmt.Sprintf("view %s: unexpected row %v", v.Name(), k))
				continue
			}
			if d := rowDiff(it, e); d != "" {
				diffs = append(diffs, fmt.Sprintf("view %s row %v: %s", v.Name(), k, d))
			}
		}
		if len(diffs) > 8 {
			break
		}
	}
	return strings.Join(diffs[:min(len(diffs), 8)], "\n")
}

func nAttr(it map[string]dtypes.AttributeValue, name string) (*big.Rat, bool) {
	n, ok := it[name].(*dtypes.AttributeValueMemberN)
	if !ok {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(n.Value)
	return r, ok
}

func rowDiff(it map[string]dtypes.AttributeValue, e *expRow) string {
	eq := func(name string, want *big.Rat) string {
		got, ok := nAttr(it, name)
		switch {
		case want == nil && ok:
			return fmt.Sprintf("%s = %s, want none", name, got.FloatString(2))
		case want != nil && !ok:
			return fmt.Sprintf("%s missing, want %s", name, want.FloatString(2))
		case want != nil && got.Cmp(want) != 0:
			return fmt.Sprintf("%s = %s, want %s", name, got.RatString(), want.RatString())
		}
		return ""
	}
	var ds []string
	add := func(d string) {
		if d != "" {
			ds = append(ds, d)
		}
	}
	add(eq("Count", new(big.Rat).SetInt64(e.count)))
	if _, ok := it["bytes_sum"]; ok {
		add(eq("bytes_sum", &e.sum))
		add(eq("bytes_avg_sum", &e.sum))
		add(eq("bytes_avg_count", new(big.Rat).SetInt64(e.n)))
	}
	if _, ok := it["spk_ver"]; ok && it["ip_distinct"] == nil {
		add(eq("bytes_min", e.min))
		add(eq("bytes_max", e.max))
	}
	if _, ok := it["ip_distinct"]; ok {
		est, _ := nAttr(it, "ip_distinct_estimate")
		f, _ := est.Float64()
		n := float64(len(e.ips))
		if math.Abs(f-n) > 3*0.0163*n+1 {
			add(fmt.Sprintf("ip_distinct_estimate = %v, want %v within 3 standard errors", f, n))
		}
		list, _ := it["path_top_list"].(*dtypes.AttributeValueMemberL)
		if list == nil || len(list.Value) != min(5, len(e.paths)) {
			add(fmt.Sprintf("path_top_list = %v, want %d values", it["path_top_list"], min(5, len(e.paths))))
		} else {
			for _, x := range list.Value {
				m := x.(*dtypes.AttributeValueMemberM).Value
				val := m["value"].(*dtypes.AttributeValueMemberS).Value
				c, _ := strconv.ParseInt(m["count"].(*dtypes.AttributeValueMemberN).Value, 10, 64)
				er, _ := strconv.ParseInt(m["error"].(*dtypes.AttributeValueMemberN).Value, 10, 64)
				if f := e.paths[val]; c-er > f || f > c || float64(er) > float64(e.count)/20 {
					add(fmt.Sprintf("top %s: count %d error %d, true %d of %d", val, c, er, f, e.count))
				}
			}
			// The most frequent path is far ahead of the others: it leads.
			best, bestN := "", int64(-1)
			for p, n := range e.paths {
				if n > bestN || n == bestN && p < best {
					best, bestN = p, n
				}
			}
			if first := list.Value[0].(*dtypes.AttributeValueMemberM).Value["value"].(*dtypes.AttributeValueMemberS).Value; first != best {
				add(fmt.Sprintf("top path %s, want %s", first, best))
			}
		}
	}
	return strings.Join(ds, "; ")
}

func scanAll(db *dynamodb.Client, table string) ([]map[string]dtypes.AttributeValue, error) {
	var out []map[string]dtypes.AttributeValue
	var start map[string]dtypes.AttributeValue
	for {
		page, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true), ExclusiveStartKey: start})
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = page.LastEvaluatedKey
	}
}

// scanAllRetrying is scanAll through a passing failure of the endpoint (a
// peer emulator that reset the connection while consumers were killed):
// an error read as no rows failed the test for the wrong reason.
func scanAllRetrying(db *dynamodb.Client, table string) ([]map[string]dtypes.AttributeValue, error) {
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		var out []map[string]dtypes.AttributeValue
		if out, err = scanAll(db, table); err == nil {
			return out, nil
		}
		time.Sleep(100 * time.Millisecond) // between attempts of a failed read
	}
	return nil, err
}

func compileTestViews(t *testing.T, table string) []*view.View {
	t.Helper()
	vs, err := view.CompileAll(testViews(), table)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// waitViews polls every view's table until it equals the recount.
func (v *env) waitViews(views []*view.View, want map[string]map[rowKey]*expRow, within time.Duration) {
	v.t.Helper()
	deadline := time.Now().Add(within)
	for {
		d := viewDiff(v.db, views, v.table, want)
		if d == "" {
			return
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("views not exact after %v:\n%s", within, d)
		}
		time.Sleep(300 * time.Millisecond) // poll interval; the deadline above bounds the wait
	}
}

func TestViewsExact(t *testing.T) { forEachRetrieval(t, testViewsExact) }

func testViewsExact(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 3, endpointtest.Options{})
	evs, entries := webLoad(8000, 11)
	if err := endpointtest.Put(context.Background(), v.kc, v.stream, entries); err != nil {
		t.Fatal(err)
	}
	views := compileTestViews(t, v.table)
	o := v.options()
	o.Views = views
	c := v.runUntilCaughtUp(o)
	if d := viewDiff(v.db, views, v.table, recount(evs)); d != "" {
		t.Fatal(d)
	}
	// A malformed record is one rejection; a size that is not a number is
	// refused by the two views that aggregate it, and counted by the others.
	malformed, notNumber := 0, 0
	for _, e := range evs {
		switch {
		case !e.ok:
			malformed++
		case e.bytes == "n/a":
			notNumber++
			if e.status >= 300 {
				notNumber++
			}
		}
	}
	s := c.Snapshot()
	if s.RejectedByReason["not_json"] != uint64(malformed) || s.RejectedByReason["not_number"] != uint64(notNumber) {
		t.Fatalf("rejected %v, want not_json %d, not_number %d", s.RejectedByReason, malformed, notNumber)
	}
	// The consumer made every table; each carries the app's tag, so spk
	// status and spk teardown find them, and a view's own table its view's,
	// so teardown finds it once the view is removed.
	if v.e.Kind == "spk" { // dynalite keeps no tags
		for _, vw := range views {
			name, own := vw.Table(v.table), ""
			if name != v.table {
				own = vw.Name()
			}
			assertTags(t, v.db, name, v.app, v.stream, own)
		}
	}
}

// viewTables lists the tables views write, each once.
func viewTables(views []*view.View, table string) []string {
	var out []string
	seen := map[string]bool{}
	for _, vw := range views {
		if n := vw.Table(table); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// assertTags checks a table's tags: spk-app, and spk-stream (refusing
// another stream's consumer).
func assertTags(t *testing.T, db *dynamodb.Client, table, app, stream, view string) {
	t.Helper()
	ctx := context.Background()
	d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := db.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: d.Table.TableArn})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tag := range tags.Tags {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	want := map[string]string{"spk-app": app, "spk-stream": stream}
	if view != "" {
		want["spk-view"] = view
	}
	if !maps.Equal(got, want) {
		t.Fatalf("table %s has tags %v, want %v", table, got, want)
	}
}

func TestViewsExactAfterRepeatedKill9(t *testing.T) {
	t.Parallel() // waits through kill -9 rounds, alongside the other such tests
	v := newEnv(t, consume.Polling, 4, endpointtest.Options{})
	evs, entries := webLoad(20000, 12)
	produced := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		for i := 0; i < len(entries); i += 500 {
			if err := endpointtest.Put(ctx, v.kc, v.stream, entries[i:min(i+500, len(entries))]); err != nil {
				produced <- err
				return
			}
			time.Sleep(100 * time.Millisecond) // spread the load over the kills
		}
		produced <- nil
	}()
	defs, _ := json.Marshal(testViews())
	views := compileTestViews(t, v.table)
	rng := rand.New(rand.NewPCG(8, 8))
	for i := range 8 {
		cmd := v.child("worker-killed", false, "SPK_CT_VIEWS="+string(defs))
		if i == 0 {
			// The kills must land on a consumer that has written rows, or
			// they test nothing: on a slow endpoint the first flush can take
			// longer than the random moments below.
			v.waitForRowsInEvery(views, time.Minute)
		}
		time.Sleep(time.Duration(1000+rng.IntN(1500)) * time.Millisecond) // the random moment of the kill, not a wait for anything
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		if err := cmd.Wait(); err == nil {
			t.Fatalf("consumer %d exited cleanly before it was killed", i)
		}
	}
	if err := <-produced; err != nil {
		t.Fatal(err)
	}
	for _, vw := range views {
		got, err := scanAllRetrying(v.db, vw.Table(v.table))
		if err != nil {
			t.Fatalf("read view %s: %v", vw.Name(), err)
		}
		t.Logf("view %s: %d rows written by the killed consumers", vw.Name(), len(got))
		if len(got) == 0 {
			t.Fatalf("no killed consumer wrote a row of view %s", vw.Name())
		}
	}
	final := v.child("worker-killed", true, "SPK_CT_VIEWS="+string(defs))
	if err := final.Wait(); err != nil {
		t.Fatalf("final consumer: %v", err)
	}
	if d := viewDiff(v.db, views, v.table, recount(evs)); d != "" {
		t.Fatal(d)
	}
}

// waitForRowsInEvery polls until each view's table holds a row.
func (v *env) waitForRowsInEvery(views []*view.View, within time.Duration) {
	v.t.Helper()
	deadline := time.Now().Add(within)
	for _, vw := range views {
		for {
			got, _ := scanAll(v.db, vw.Table(v.table))
			if len(got) > 0 {
				break
			}
			if time.Now().After(deadline) {
				v.t.Fatalf("view %s: no row written within %v", vw.Name(), within)
			}
			time.Sleep(100 * time.Millisecond) // poll interval; the deadline above bounds the wait
		}
	}
}

func TestViewsExactAcrossSplitAndMerge(t *testing.T) {
	forEachRetrievalInParallel(t, testViewsExactAcrossSplitAndMerge)
}

func testViewsExactAcrossSplitAndMerge(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 2, endpointtest.Options{})
	views := compileTestViews(t, v.table)
	o := v.options()
	o.Views = views
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := consume.New(o)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.Run(ctx) }()

	evs, entries := webLoad(15000, 13)
	third := len(entries) / 3
	put := func(part []ktypes.PutRecordsRequestEntry) {
		if err := endpointtest.Put(ctx, v.kc, v.stream, part); err != nil {
			t.Fatal(err)
		}
	}
	put(entries[:third])
	shards := v.listShards()
	lo, _ := new(big.Int).SetString(aws.ToString(shards[0].HashKeyRange.StartingHashKey), 10)
	hi, _ := new(big.Int).SetString(aws.ToString(shards[0].HashKeyRange.EndingHashKey), 10)
	mid := new(big.Int).Rsh(new(big.Int).Add(lo, hi), 1)
	if _, err := v.kc.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String(v.stream), ShardToSplit: shards[0].ShardId, NewStartingHashKey: aws.String(mid.String())}); err != nil {
		t.Fatal(err)
	}
	if err := endpointtest.WaitStream(ctx, v.kc, v.stream); err != nil {
		t.Fatal(err)
	}
	put(entries[third : 2*third])
	if _, err := v.kc.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String(v.stream), ShardToMerge: aws.String("shardId-000000000003"), AdjacentShardToMerge: aws.String("shardId-000000000001")}); err != nil {
		t.Fatal(err)
	}
	if err := endpointtest.WaitStream(ctx, v.kc, v.stream); err != nil {
		t.Fatal(err)
	}
	put(entries[2*third:])
	v.waitViews(views, recount(evs), 90*time.Second)
	cancel()
	wg.Wait()
}

// TestViewsLateEvents: with an allowed lateness, an event older than the
// newest window minus the lateness is refused as late and not written.
func TestViewsLateEvents(t *testing.T) {
	t.Parallel() // one polling consumer on its own stream: its rejections are exact under any load
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	at := func(m, s int) time.Time {
		return webStart.Add(time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
	}
	times := []time.Time{at(0, 5), at(1, 5), at(3, 5), at(1, 59), at(2, 0), at(0, 30), at(3, 50), at(4, 1), at(2, 59)}
	// Newest window after each: 0,1,3,3,3,3,3,4,4; late when before newest-1m:
	// 1:59 (< 2:00), 0:30 and 2:59 (< 3:00).
	wantLate := map[int]bool{3: true, 5: true, 8: true}
	var entries []ktypes.PutRecordsRequestEntry
	var dead strings.Builder
	want := map[string]int64{}
	for i, ts := range times {
		entries = append(entries, ktypes.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: endpointtest.Event(ts, "Red")})
		if !wantLate[i] {
			want[ts.Truncate(time.Minute).Format("2006-01-02T15:04:05.000")]++
		}
	}
	if err := endpointtest.Put(context.Background(), v.kc, v.stream, entries); err != nil {
		t.Fatal(err)
	}
	o := v.options()
	o.AllowedLateness = time.Minute
	o.DeadLetter = &dead
	c := v.runUntilCaughtUp(o)
	if got := v.countsByStart(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	if s := c.Snapshot(); s.Late != 3 || s.RejectedByReason["late"] != 3 {
		t.Fatalf("late %d, rejected %v; want 3 late", s.Late, s.RejectedByReason)
	}
	lines := strings.Split(strings.TrimSpace(dead.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"reason":"late"`) || !strings.Contains(lines[0], "event time 2026-03-01T10:01:59Z is older than the newest window minus the allowed lateness") {
		t.Fatalf("dead letter:\n%s", dead.String())
	}
}

// TestViewsAccessLog reads access-log lines; lines that do not parse are
// rejected with the parser's reason.
func TestViewsAccessLog(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	lines := []string{
		`127.0.0.1 - frank [01/Mar/2026:11:00:36 +0100] "GET /a HTTP/1.0" 200 2326 "-" "curl"`,
		`10.0.0.2 - - [01/Mar/2026:10:00:59 +0000] "GET /b HTTP/1.1" 404 -`,
		`10.0.0.3 - - [01/Mar/2026:10:01:00 +0000] "POST /a HTTP/1.1" 200 10` + "\n",
		`10.0.0.4 - - [01/Mar/2026:10:01:02 +0000] "GET /a HTTP/1.1" abc 10`,
		`10.0.0.5 - - [01/Foo/2026:10:01:02 +0000] "GET /a HTTP/1.1" 200 10`,
		`10.0.0.6 - - [01/Mar/2026:10:01:02 +0000] "GET /a HTTP/1.1" 200`,
	}
	var entries []ktypes.PutRecordsRequestEntry
	for _, l := range lines {
		entries = append(entries, ktypes.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte(l)})
	}
	if err := endpointtest.Put(context.Background(), v.kc, v.stream, entries); err != nil {
		t.Fatal(err)
	}
	vs, err := view.CompileAll([]view.Definition{{Name: "status", GroupBy: []string{"status"}, Window: view.Window{Size: time.Minute}, Metrics: []string{"count", "sum:bytes", "max:bytes"}}}, v.table)
	if err != nil {
		t.Fatal(err)
	}
	var dead strings.Builder
	o := v.options()
	o.Views, o.Format, o.DeadLetter = vs, consume.AccessLog, &dead
	v.runUntilCaughtUp(o)
	items, err := scanAll(v.db, v.table)
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, it := range items {
		rows = append(rows, fmt.Sprintf("%s %s count=%s sum=%s max=%s", it["BucketStart"].(*dtypes.AttributeValueMemberS).Value, it["EventType"].(*dtypes.AttributeValueMemberS).Value,
			it["Count"].(*dtypes.AttributeValueMemberN).Value, it["bytes_sum"].(*dtypes.AttributeValueMemberN).Value, it["bytes_max"].(*dtypes.AttributeValueMemberN).Value))
	}
	sort.Strings(rows)
	want := []string{
		"2026-03-01T10:00:00.000 200 count=1 sum=2326 max=2326",
		"2026-03-01T10:00:00.000 404 count=1 sum=0 max=0",
		"2026-03-01T10:01:00.000 200 count=1 sum=10 max=10",
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("rows\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	var reasons []string
	for _, l := range strings.Split(strings.TrimSpace(dead.String()), "\n") {
		var e consume.DeadLetterEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		reasons = append(reasons, e.Reason+": "+e.Error)
	}
	wantReasons := []string{
		`not_access_log: access log: field 6 (status) "abc" is not a number`,
		`not_access_log: access log: field 4 (time) "01/Foo/2026:10:01:02 +0000" is not a time like 10/Oct/2000:13:55:36 -0700`,
		`not_access_log: access log: line ends before field 7 (bytes)`,
	}
	if fmt.Sprint(reasons) != fmt.Sprint(wantReasons) {
		t.Fatalf("reasons\n%s\nwant\n%s", strings.Join(reasons, "\n"), strings.Join(wantReasons, "\n"))
	}
}

// childViews reads the views a child consumer computes from SPK_CT_VIEWS.
func childViews(table string) []*view.View {
	text := os.Getenv("SPK_CT_VIEWS")
	if text == "" {
		return nil
	}
	var defs []view.Definition
	if err := json.Unmarshal([]byte(text), &defs); err != nil {
		panic(err)
	}
	vs, err := view.CompileAll(defs, table)
	if err != nil {
		panic(err)
	}
	return vs
}

// TestTutorialViewReadsEpochMilliseconds: the tutorial's view reads a
// numeric timestamp as milliseconds since 1970, as every other view does,
// so an event counts the same whichever path its views take.
func TestTutorialViewReadsEpochMilliseconds(t *testing.T) {
	t.Parallel() // one polling consumer on its own stream
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	ms := webStart.Add(90 * time.Second).UnixMilli()
	var entries []ktypes.PutRecordsRequestEntry
	for _, data := range []string{
		`{"type":"Red","timestamp":"2026-03-01T10:01:30Z"}`,
		fmt.Sprintf(`{"type":"Red","timestamp":%d}`, ms),
		fmt.Sprintf(`{"type":"Blue","timestamp":%d.5}`, ms),
		`{"type":"Blue","timestamp":-5}`,
	} {
		entries = append(entries, ktypes.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte(data)})
	}
	if err := endpointtest.Put(context.Background(), v.kc, v.stream, entries); err != nil {
		t.Fatal(err)
	}
	c := v.runUntilCaughtUp(v.options())
	got := fmt.Sprint(v.counts())
	want := fmt.Sprint(endpointtest.Counts{{Start: "2026-03-01T10:01:00.000", Group: "Blue"}: 1, {Start: "2026-03-01T10:01:00.000", Group: "Red"}: 2})
	if got != want {
		t.Fatalf("counts %s, want %s", got, want)
	}
	if s := c.Snapshot(); s.RejectedByReason["bad_timestamp"] != 1 || s.Rejected != 1 {
		t.Fatalf("rejected %v, want the negative time alone, as bad_timestamp", s.RejectedByReason)
	}
}

// TestViewWithAnotherKStopsTheRun: a view whose table holds rows of another
// definition (top's K changed) cannot write them however often it retries:
// spk run stops and says how to fix it, instead of stalling its shard.
func TestViewWithAnotherKStopsTheRun(t *testing.T) {
	t.Parallel() // one polling consumer on its own stream
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	put := func(n int) {
		var entries []ktypes.PutRecordsRequestEntry
		for i := range n {
			entries = append(entries, ktypes.PutRecordsRequestEntry{PartitionKey: aws.String("k"),
				Data: fmt.Appendf(nil, `{"timestamp":"2026-03-01T10:00:%02dZ","type":"Red","path":"/p%d"}`, i%60, i%7)})
		}
		if err := endpointtest.Put(context.Background(), v.kc, v.stream, entries); err != nil {
			t.Fatal(err)
		}
	}
	compile := func(k int) []*view.View {
		views, err := view.CompileAll([]view.Definition{{Name: "paths", Window: view.Window{Size: time.Minute}, Metrics: []string{fmt.Sprintf("top:path:%d", k)}}}, v.table)
		if err != nil {
			t.Fatal(err)
		}
		return views
	}
	put(20)
	o := v.options()
	o.Views = compile(3)
	v.runUntilCaughtUp(o)

	put(20)
	o = v.options()
	o.Views = compile(5)
	o.UntilCaughtUp = true
	c, err := consume.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = c.Run(ctx)
	if ctx.Err() != nil {
		t.Fatal("the run stalled on the rows it cannot write")
	}
	if err == nil || !strings.Contains(err.Error(), "a view's K cannot change over a table's rows") ||
		!strings.Contains(err.Error(), "give the view a new table, or delete this one") {
		t.Fatalf("run ended with %v, want the K refusal and its fix", err)
	}
}

// TestViewsLateEventsAfterOneFromTheFuture: with an allowed lateness, an
// event stamped far ahead of its arrival is counted but does not move the
// newest window, so the events in time after it are not refused as late.
func TestViewsLateEventsAfterOneFromTheFuture(t *testing.T) {
	t.Parallel() // one polling consumer on its own stream
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	at := func(m int) time.Time { return webStart.Add(time.Duration(m) * time.Minute) }
	times := []time.Time{at(0), at(1), at(2), time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), at(3), at(4), at(5), at(6), at(7)}
	var entries []ktypes.PutRecordsRequestEntry
	want := map[string]int64{}
	for _, ts := range times {
		entries = append(entries, ktypes.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: endpointtest.Event(ts, "Red")})
		want[ts.Truncate(time.Minute).Format("2006-01-02T15:04:05.000")]++
	}
	if err := endpointtest.Put(context.Background(), v.kc, v.stream, entries); err != nil {
		t.Fatal(err)
	}
	o := v.options()
	o.AllowedLateness = 5 * time.Minute
	c := v.runUntilCaughtUp(o)
	if got := v.countsByStart(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	if s := c.Snapshot(); s.Late != 0 {
		t.Fatalf("%d late, rejected %v; want none", s.Late, s.RejectedByReason)
	}
}

// TestRowsWrittenCountsEveryViewsTable: the run's rows written count the
// rows of every view's table, not only those of the view the dashboard
// shows (here none writes the run's table).
func TestRowsWrittenCountsEveryViewsTable(t *testing.T) {
	t.Parallel() // one polling consumer on its own stream
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	var entries []ktypes.PutRecordsRequestEntry
	for i := range 30 {
		entries = append(entries, ktypes.PutRecordsRequestEntry{PartitionKey: aws.String("k"),
			Data: fmt.Appendf(nil, `{"timestamp":"2026-03-01T10:0%d:00Z","type":"t%d","bytes":%d}`, i%5, i%3, i)})
	}
	if err := endpointtest.Put(context.Background(), v.kc, v.stream, entries); err != nil {
		t.Fatal(err)
	}
	views, err := view.CompileAll([]view.Definition{
		{Name: "sizes", Window: view.Window{Size: time.Minute}, Metrics: []string{"max:bytes"}},
		{Name: "types", GroupBy: []string{"type"}, Window: view.Window{Size: time.Minute}, Metrics: []string{"sum:bytes"}},
	}, v.table)
	if err != nil {
		t.Fatal(err)
	}
	o := v.options()
	o.Views = views
	c := v.runUntilCaughtUp(o)
	distinct := 0
	for _, name := range viewTables(views, v.table) {
		out, err := v.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(name), Select: dtypes.SelectCount})
		if err != nil {
			t.Fatal(err)
		}
		distinct += int(out.Count)
	}
	if s := c.Snapshot(); distinct != 5+15 || s.RowsFlushed < uint64(distinct) {
		t.Fatalf("%d rows written, %d rows in the views' tables (want 20): every row written is counted", s.RowsFlushed, distinct)
	}
}

// countsByStart is the aggregate table's counts by bucket start, for
// events of one type.
func (v *env) countsByStart() map[string]int64 {
	got := map[string]int64{}
	for k, n := range v.counts() {
		got[k.Start] = n
	}
	return got
}
