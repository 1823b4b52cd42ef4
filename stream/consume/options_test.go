package consume_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
)

func TestOptionsValidation(t *testing.T) {
	valid := func() consume.Options {
		return consume.Options{Kinesis: &kinesis.Client{}, DynamoDB: &dynamodb.Client{}, Stream: "my-stream", Table: "my-table"}
	}
	cases := []struct {
		name   string
		change func(*consume.Options)
		msg    string // empty when valid
	}{
		{"tutorial defaults", func(*consume.Options) {}, ""},
		{"five minute buckets", func(o *consume.Options) { o.BucketSize = 5 * time.Minute }, ""},
		{"at timestamp with a time", func(o *consume.Options) { o.InitialPosition, o.Timestamp = consume.AtTimestamp, time.Now() }, ""},
		{"no stream", func(o *consume.Options) { o.Stream = "" }, "no stream name"},
		{"no table", func(o *consume.Options) { o.Table = "" }, "no aggregate table"},
		{"no clients", func(o *consume.Options) { o.Kinesis = nil }, "clients are required"},
		{"app equals table", func(o *consume.Options) { o.App = "my-table" }, "must be different tables"},
		{"bucket of seven minutes", func(o *consume.Options) { o.BucketSize = 7 * time.Minute }, "divides neither an hour nor a day"},
		{"unknown position", func(o *consume.Options) { o.InitialPosition = "EARLIEST" }, `initial position "EARLIEST" is unknown`},
		{"at timestamp without a time", func(o *consume.Options) { o.InitialPosition = consume.AtTimestamp }, "needs a timestamp"},
		{"the shortest failover", func(o *consume.Options) { o.Failover = 3 * time.Second }, ""},
		{"a failover too short to renew in", func(o *consume.Options) { o.Failover = 2999 * time.Millisecond }, "failover 2.999s is shorter than the 3s its lease renewals need"},
		{"negative flush interval", func(o *consume.Options) { o.FlushInterval = -time.Second }, "must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := valid()
			c.change(&o)
			cons, err := consume.New(o)
			if c.msg == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if !strings.Contains(cons.WorkerID(), "-") {
					t.Fatalf("default worker id %q lacks its random suffix", cons.WorkerID())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("New error = %v, want one containing %q", err, c.msg)
			}
		})
	}
}

func TestRunOnMissingStreamCreatesNothing(t *testing.T) {
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	o := v.options()
	o.Stream = "no-such-stream"
	err := consume.Run(context.Background(), o)
	want := `list shards of stream "no-such-stream": the stream does not exist; create it first (spk create-stream)`
	if err == nil || err.Error() != want {
		t.Fatalf("Run error = %v\nwant %s", err, want)
	}
	out, err := v.db.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TableNames) != 0 {
		t.Fatalf("tables created by a run that could not start: %v", out.TableNames)
	}
}

func TestDurationStopsGracefully(t *testing.T) {
	forEachRetrievalInParallel(t, testDurationStopsGracefully)
}

// testDurationStopsGracefully stops a run by its duration, then resumes
// it. How much of the stream the first run reads in its time depends on
// the machine's load (a fan-out subscription can take longer than the
// whole duration), so the test does not hold it to the whole stream. A
// graceful stop flushes what it counted, checkpoints exactly that and
// hands back its leases: the first run never counts more than the stream
// holds, and the resumed run ends exact, with no event counted twice or
// lost at the seam.
func testDurationStopsGracefully(t *testing.T, r consume.Retrieval) {
	v := newEnv(t, r, 2, endpointtest.Options{})
	v.put(endpointtest.Load{Events: 500, Seed: 8})
	want, _ := v.expected()
	o := v.options()
	o.Duration = 1500 * time.Millisecond
	start := time.Now()
	if err := consume.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if ran := time.Since(start); ran < o.Duration {
		t.Fatalf("the run stopped after %v, before its duration of %v", ran, o.Duration)
	}
	v.assertReleased()
	first := v.counts()
	for k, n := range first {
		if n > want[k] {
			t.Fatalf("after the duration stop, %v counts %d, more than the stream's %d", k, n, want[k])
		}
	}
	t.Logf("the duration run counted %d of %d events in %v", first.Total(), want.Total(), time.Since(start))
	v.runUntilCaughtUp(v.options())
	v.assertExact(want)
	v.assertReleased()
}
