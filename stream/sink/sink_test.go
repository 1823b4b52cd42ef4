package sink_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision/ddbtable"
	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/sink"
)

func TestPositionOrderMatchesEncodedOrder(t *testing.T) {
	cases := []struct {
		name string
		a, b sink.Position
		want int
	}{
		{"shorter sequence is smaller though its text is larger", sink.Position{Seq: "9"}, sink.Position{Seq: "10"}, -1},
		{"real sequence numbers", sink.Position{Seq: "49551350243544458458477304430170758137221526998466166786"}, sink.Position{Seq: "49551350243544458458477304430170758137221526998466166787"}, -1},
		{"56 digits against 57", sink.Position{Seq: "99999999999999999999999999999999999999999999999999999999"}, sink.Position{Seq: "100000000000000000000000000000000000000000000000000000000"}, -1},
		{"sub-sequence breaks ties", sink.Position{Seq: "500", Sub: 3}, sink.Position{Seq: "500", Sub: 12}, -1},
		{"sub-sequence 9 against 10", sink.Position{Seq: "500", Sub: 9}, sink.Position{Seq: "500", Sub: 10}, -1},
		{"sequence wins over sub-sequence", sink.Position{Seq: "501", Sub: 0}, sink.Position{Seq: "500", Sub: 999}, 1},
		{"equal", sink.Position{Seq: "42", Sub: 7}, sink.Position{Seq: "42", Sub: 7}, 0},
		{"zero", sink.Position{Seq: "0"}, sink.Position{Seq: "1"}, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.a.Compare(c.b); got != c.want {
				t.Fatalf("Compare = %d, want %d", got, c.want)
			}
			if got := strings.Compare(c.a.Encode(), c.b.Encode()); got != c.want {
				t.Fatalf("encoded %q vs %q compare %d, want %d", c.a.Encode(), c.b.Encode(), got, c.want)
			}
			back, err := sink.ParsePosition(c.a.Encode())
			if err != nil || back != c.a {
				t.Fatalf("ParsePosition(Encode(%v)) = %v, %v", c.a, back, err)
			}
		})
	}
}

func TestPositionEncodingSortsLikeNumbers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ps []sink.Position
	for range 2000 {
		digits := 1 + rng.IntN(60)
		var b strings.Builder
		b.WriteByte(byte('1' + rng.IntN(9)))
		for i := 1; i < digits; i++ {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		ps = append(ps, sink.Position{Seq: b.String(), Sub: int64(rng.IntN(1200))})
	}
	byNumber := append([]sink.Position(nil), ps...)
	sort.Slice(byNumber, func(i, j int) bool { return byNumber[i].Compare(byNumber[j]) < 0 })
	byText := append([]sink.Position(nil), ps...)
	sort.Slice(byText, func(i, j int) bool { return byText[i].Encode() < byText[j].Encode() })
	for i := range byNumber {
		if byNumber[i] != byText[i] {
			t.Fatalf("order differs at %d: %v by number, %v by encoded text", i, byNumber[i], byText[i])
		}
	}
}

func TestParsePositionRejects(t *testing.T) {
	for _, s := range []string{"", "12", "003123", "003123.1", "003abc.011", "003123.015x", "003123x015"} {
		if _, err := sink.ParsePosition(s); err == nil || !strings.Contains(err.Error(), "not an encoded position") {
			t.Errorf("ParsePosition(%q) error = %v", s, err)
		}
	}
}

var endpoint endpointtest.Endpoints

func TestMain(m *testing.M) {
	shared := &endpointtest.Main{}
	endpoint = endpointtest.Start(shared, endpointtest.Options{})
	code := m.Run()
	shared.Close()
	os.Exit(code)
}

func newTable(t *testing.T) (*sink.Table, *dynamodb.Client) {
	t.Helper()
	_, db := endpoint.Clients()
	tbl := &sink.Table{DB: db, Name: strings.ReplaceAll(t.Name(), "/", "-")}
	if _, err := ddbtable.Ensure(context.Background(), db, []ddbtable.Spec{tbl.Spec()}, ddbtable.Options{}); err != nil {
		t.Fatal(err)
	}
	return tbl, db
}

func pos(i int) sink.Position {
	return sink.Position{Seq: fmt.Sprint(1000000 + i/10), Sub: int64(i % 10)}
}

var keys = []bucket.Key{{Start: "2015-06-05T12:54:00.000", Group: "Red"}, {Start: "2015-06-05T12:54:00.000", Group: "Blue"}, {Start: "2015-06-05T12:55:00.000", Group: "Red"}}

// batch counts records from..to-1 of a synthetic shard where record i goes
// to row i%3.
func batch(shard string, from, to int) *sink.Batch {
	b := sink.NewBatch(shard)
	for i := from; i < to; i++ {
		b.Add(keys[i%3], pos(i))
	}
	return b
}

func rows(t *testing.T, db *dynamodb.Client, table string) map[bucket.Key]string {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	m := map[bucket.Key]string{}
	for _, it := range out.Items {
		k := bucket.Key{Start: it["BucketStart"].(*types.AttributeValueMemberS).Value, Group: it["EventType"].(*types.AttributeValueMemberS).Value}
		m[k] = it["Count"].(*types.AttributeValueMemberN).Value
		for _, a := range []string{"CreatedAt", "UpdatedAt"} {
			v := it[a].(*types.AttributeValueMemberS).Value
			if len(v) != len("2006-01-02T15:04:05.000Z") || !strings.HasSuffix(v, "Z") {
				t.Fatalf("%s = %q, want ISO 8601 UTC with milliseconds and Z", a, v)
			}
		}
	}
	return m
}

func wantRows(n int) map[bucket.Key]string {
	m := map[bucket.Key]string{}
	for i, k := range keys {
		c := n / 3
		if i < n%3 {
			c++
		}
		if c > 0 {
			m[k] = fmt.Sprint(c)
		}
	}
	return m
}

func equal(a, b map[bucket.Key]string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func TestApplyCountsEachRecordOnce(t *testing.T) {
	cases := []struct {
		name    string
		batches [][2]int // record ranges applied in order
		total   int
	}{
		{"one batch", [][2]int{{0, 100}}, 100},
		{"same batch twice", [][2]int{{0, 100}, {0, 100}}, 100},
		{"replay from an older checkpoint", [][2]int{{0, 60}, {60, 100}, {30, 120}}, 120},
		{"overlap inside an aggregated record", [][2]int{{0, 55}, {53, 57}, {50, 90}}, 90},
		{"stale batch after newer ones", [][2]int{{0, 100}, {20, 40}}, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tbl, db := newTable(t)
			for _, r := range c.batches {
				if _, err := tbl.Apply(context.Background(), batch("shardId-000000000001", r[0], r[1])); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := rows(t, db, tbl.Name), wantRows(c.total); !equal(got, want) {
				t.Fatalf("rows = %v, want %v", got, want)
			}
		})
	}
}

func TestApplyFromTwoWorkersAtOnce(t *testing.T) {
	tbl, db := newTable(t)
	// Two workers read the same shard during a lease change, in different
	// batch sizes, concurrently; a second shard writes the same rows.
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	run := func(shard string, step int) {
		defer wg.Done()
		for i := 0; i < 600; i += step {
			if _, err := tbl.Apply(context.Background(), batch(shard, i, min(i+step, 600))); err != nil {
				errs <- err
				return
			}
		}
	}
	wg.Add(3)
	go run("shardId-000000000001", 50)
	go run("shardId-000000000001", 35)
	go run("shardId-000000000002", 100)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := wantRows(600)
	for k, v := range want {
		var n int
		fmt.Sscan(v, &n)
		want[k] = fmt.Sprint(2 * n) // two shards
	}
	if got := rows(t, db, tbl.Name); !equal(got, want) {
		t.Fatalf("rows = %v, want %v", got, want)
	}
}
