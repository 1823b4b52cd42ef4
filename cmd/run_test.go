package cmd

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/results"
)

// TestGenerateThenRunCountsExactly is steps 5, 7 and 8 as a user types them:
// generate events (1% malformed), count them until caught up, and compare.
func TestGenerateThenRunCountsExactly(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream", "--shards", "2"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, env, "generate-events", "--count", "5000", "--bad", "0.01", "--seed", "42", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"acknowledged": 5000`) {
		t.Fatalf("generate: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	dead := filepath.Join(t.TempDir(), "rejects.jsonl")
	r = run(t, env, "run", "--until-caught-up", "--dead-letter", dead)
	if r.code != 0 {
		t.Fatalf("run: code %d\n%s", r.code, r.stderr)
	}
	rows, err := results.Read(context.Background(), dynamoClient(srv.URL()), results.Query{Table: "my-table", Consistent: true})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, row := range rows {
		total += row.Count
	}
	data, err := os.ReadFile(dead)
	if err != nil {
		t.Fatal(err)
	}
	rejected := int64(strings.Count(string(data), "\n"))
	if rejected == 0 || total+rejected != 5000 {
		t.Fatalf("counted %d + rejected %d, want 5000 with some rejected", total, rejected)
	}
	// Running again counts nothing twice.
	if r = run(t, env, "run", "--until-caught-up"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	rows, _ = results.Read(context.Background(), dynamoClient(srv.URL()), results.Query{Table: "my-table", Consistent: true})
	var again int64
	for _, row := range rows {
		again += row.Count
	}
	if again != total {
		t.Fatalf("a second run changed the total from %d to %d", total, again)
	}
	// Both tables carry spk's tag, so teardown on a non-embedded endpoint deletes them.
	if r = run(t, env, "teardown", "--yes"); r.code != 0 || !hasRow(r.stdout, "lease table", "StreamingCountsApp", "deleted") || !hasRow(r.stdout, "aggregate table", "my-table", "deleted") {
		t.Fatalf("teardown: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestRunTimestampAloneStartsThere: --timestamp without --initial-position
// starts new leases at that time (AT_TIMESTAMP), so the events put before
// it are not counted; it was ignored, and everything counted from
// TRIM_HORIZON. Beside a position set in the environment it is refused.
func TestRunTimestampAloneStartsThere(t *testing.T) {
	t.Parallel() // waits on a verb, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := run(t, env, "generate-events", "--count", "7"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	// Arrival times are whole milliseconds of the endpoint's clock, which
	// is this one: the next millisecond begins after every event put so
	// far. Waiting for the clock to reach it (not for anything to happen)
	// puts the next events at or after it.
	from := time.Now().Truncate(time.Millisecond).Add(time.Millisecond)
	time.Sleep(time.Until(from))
	if r := run(t, env, "generate-events", "--count", "5"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	stamp := from.UTC().Format(time.RFC3339Nano)
	r := run(t, env, "run", "--until-caught-up", "--initial-position", "TRIM_HORIZON", "--timestamp", stamp)
	want := "spk: run: --timestamp is where AT_TIMESTAMP starts, and --initial-position is TRIM_HORIZON; drop one of them, or give --initial-position AT_TIMESTAMP\n"
	if r.code != ExitUsage || r.stderr != want {
		t.Fatalf("code %d, stderr:\n%s\nwant exit 2 and:\n%s", r.code, r.stderr, want)
	}
	// A position from the environment (or spk.yaml, where spk config init
	// writes the default) is below the flag: --timestamp wins.
	r = run(t, endpointEnv(srv.URL(), "SPK_RUN_INITIAL_POSITION", "TRIM_HORIZON"), "run", "--until-caught-up", "--timestamp", stamp, "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"records_in": 5,`) {
		t.Fatalf("code %d, want the 5 events put from %s counted, not the 7 before:\n%s%s", r.code, stamp, r.stdout, r.stderr)
	}
}

func TestRunErrors(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "--until-caught-up"}, ExitFailure, `spk: read stream "my-stream": the stream does not exist`},
		{[]string{"run", "--initial-position", "AT_TIMESTAMP"}, ExitUsage, "spk: run: --initial-position AT_TIMESTAMP needs --timestamp"},
		{[]string{"run", "--bucket-size", "7m"}, ExitUsage, "expected a bucket size that divides an hour or a day"},
		{[]string{"run", "--retrieval", "bogus"}, ExitUsage, `spk: invalid value "bogus" for --retrieval: expected polling or fanout`},
		{[]string{"up", "--retrieval", "efo", "--duration", "1s"}, ExitUsage, `spk: invalid value "efo" for --retrieval: expected polling or fanout`},
		{[]string{"generate-events", "--batch", "501", "--count", "1"}, ExitUsage, "invalid --batch 501"},
		{[]string{"generate-events", "--batch", "0", "--count", "1"}, ExitUsage, "spk: generate-events: invalid --batch 0: PutRecords takes 1 to 500 records"},
		{[]string{"generate-events", "--concurrency", "0", "--count", "1"}, ExitUsage, "spk: generate-events: invalid --concurrency 0: give 1 or more requests in flight"},
		{[]string{"generate-events", "--aggregate-max-size", "0", "--count", "1"}, ExitUsage, "spk: generate-events: invalid --aggregate-max-size 0: give 1024 to 1048576 bytes"},
		{[]string{"generate-events", "--late-by", "0s", "--count", "1"}, ExitUsage, "spk: generate-events: invalid --late-by 0s: late events are at least a minute old"},
		{[]string{"generate-events", "--rate", "NaN", "--count", "1"}, ExitUsage, "spk: generate-events: invalid --rate NaN"},
		{[]string{"up", "--rate", "NaN", "--duration", "1s"}, ExitUsage, "spk: up: --rate must be a number of events per second, 0 or more"},
	} {
		r := run(t, env, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: code %d\n%s", c.args, r.code, r.stderr)
		}
	}
	// None of the refused runs created a table.
	if st := statusOf(t, env); st.Table.Exists || st.LeaseTable.Exists {
		t.Fatalf("a refused run left tables behind: %+v", st)
	}
}

// TestRunAndUpWithFanOut counts with enhanced fan-out from spk run (flag,
// then environment) and spk up, then tears down: the stream consumer named
// after the app is registered once, reused, and removed with the stream.
func TestRunAndUpWithFanOut(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream", "--shards", "2"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := run(t, env, "generate-events", "--count", "3000", "--seed", "7"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, env, "run", "--retrieval", "fanout", "--until-caught-up")
	if r.code != 0 || !strings.Contains(r.stderr, "(leases in StreamingCountsApp, enhanced fan-out)") {
		t.Fatalf("run: code %d\n%s", r.code, r.stderr)
	}
	total := func() int64 {
		rows, err := results.Read(context.Background(), dynamoClient(srv.URL()), results.Query{Table: "my-table", Consistent: true})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, row := range rows {
			n += row.Count
		}
		return n
	}
	if got := total(); got != 3000 {
		t.Fatalf("counted %d of 3000 events", got)
	}
	kc := kinesis.NewFromConfig(endpointtest.Config(srv.URL()))
	consumers := func() []ktypes.Consumer {
		sum, err := kc.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("my-stream")})
		if err != nil {
			t.Fatal(err)
		}
		out, err := kc.ListStreamConsumers(context.Background(), &kinesis.ListStreamConsumersInput{StreamARN: sum.StreamDescriptionSummary.StreamARN})
		if err != nil {
			t.Fatal(err)
		}
		return out.Consumers
	}
	first := consumers()
	if len(first) != 1 || aws.ToString(first[0].ConsumerName) != "StreamingCountsApp" {
		t.Fatalf("stream consumers after spk run: %+v", first)
	}
	// The environment variable, and spk up with its generator: the same
	// consumer, and exact counts.
	env["SPK_RUN_RETRIEVAL"] = "fanout"
	if r = run(t, env, "run", "--until-caught-up"); r.code != 0 || total() != 3000 {
		t.Fatalf("second run: code %d, total %d\n%s", r.code, total(), r.stderr)
	}
	delete(env, "SPK_RUN_RETRIEVAL")
	upEnv := map[string]string{"SPK_LOCAL_ADDR": strings.TrimPrefix(srv.URL(), "http://"), "XDG_STATE_HOME": t.TempDir()}
	r = run(t, upEnv, "up", "--no-tui", "--retrieval", "fanout", "--duration", "2s", "--rate", "100")
	if r.code != 0 || !strings.Contains(r.stderr, "(total count "+itoa(total())+")") {
		t.Fatalf("up --retrieval fanout: code %d, table total %d\n%s", r.code, total(), r.stderr)
	}
	if again := consumers(); len(again) != 1 || aws.ToString(again[0].ConsumerARN) != aws.ToString(first[0].ConsumerARN) {
		t.Fatalf("stream consumers after more runs: %+v; want the first one reused", again)
	}
	// Teardown deletes the stream and, with it, its consumer.
	if r = run(t, env, "teardown", "--yes"); r.code != 0 || !hasRow(r.stdout, "stream", "my-stream", "deleted") {
		t.Fatalf("teardown: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	_, err := kc.DescribeStreamConsumer(context.Background(), &kinesis.DescribeStreamConsumerInput{ConsumerARN: first[0].ConsumerARN})
	var nf *ktypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("the stream consumer after teardown: %v; want it gone", err)
	}
}

// TestRunRefusesAnotherStreamsLeasesBeforeCreatingTables: spk run with a
// lease table that holds another stream's leases is refused before any of
// its tables is made.
func TestRunRefusesAnotherStreamsLeasesBeforeCreatingTables(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	for _, args := range [][]string{{"create-stream"}, {"create-stream", "other"}, {"run", "--until-caught-up"}} {
		if r := run(t, env, args...); r.code != 0 {
			t.Fatalf("%v: %d %s", args, r.code, r.stderr)
		}
	}
	r := run(t, env, "run", "--stream", "other", "--table", "other-counts", "--until-caught-up")
	want := `lease table "StreamingCountsApp" holds the leases of stream "my-stream", not "other": choose another app name (--app) for "other"`
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("code %d, stderr:\n%s\nwant the refusal %q", r.code, r.stderr, want)
	}
	tables, err := dynamoClient(srv.URL()).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(tables.TableNames, "other-counts") {
		t.Fatalf("the refused run made its aggregate table: %v", tables.TableNames)
	}
}

// TestRunRefusesAnotherStreamsTable: two streams counted into one
// aggregate table lose counts (their shard ids repeat, so the watermarks
// kept per shard collide), so spk run refuses a table tagged with another
// stream before creating anything. Another app of the same stream may
// count into it: its replays are refused by the watermarks, exactly.
func TestRunRefusesAnotherStreamsTable(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	for _, args := range [][]string{{"create-stream"}, {"create-stream", "other"}, {"run", "--until-caught-up"}, {"run", "--app", "SecondReader", "--until-caught-up"}} {
		if r := run(t, env, args...); r.code != 0 {
			t.Fatalf("%v: %d %s", args, r.code, r.stderr)
		}
	}
	r := run(t, env, "run", "--stream", "other", "--app", "OtherApp", "--until-caught-up")
	want := `spk: run: create aggregate table "my-table": aggregate table "my-table" counts stream "my-stream" (its spk-stream tag), not "other": two streams counted into one table lose counts, as their shard ids, and so the watermarks kept per shard, collide`
	if r.code != ExitFailure || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, `hint: give stream "other" a table of its own (--table)`) {
		t.Fatalf("code %d, stderr:\n%s\nwant the refusal %q", r.code, r.stderr, want)
	}
	tables, err := dynamoClient(srv.URL()).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(tables.TableNames, "OtherApp") {
		t.Fatalf("the refused run made its lease table: %v", tables.TableNames)
	}
}

// TestRunRefusesAnotherTableForItsApp: a worker of an app that counts
// into another table than the app's leases say would split the counts
// between the two tables (each shard's counts going wherever its lease's
// holder writes), so it is refused before anything is created.
func TestRunRefusesAnotherTableForItsApp(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	for _, args := range [][]string{{"create-stream"}, {"run", "--until-caught-up"}} {
		if r := run(t, env, args...); r.code != 0 {
			t.Fatalf("%v: %d %s", args, r.code, r.stderr)
		}
	}
	r := run(t, env, "run", "--table", "elsewhere", "--until-caught-up")
	want := `lease table "StreamingCountsApp" counts stream "my-stream" into table "my-table", not "elsewhere": workers of one app writing other tables split its counts between them; use --table my-table, or another app name (--app) to count the stream into "elsewhere" from its start`
	if r.code == 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("code %d, stderr:\n%s\nwant the refusal %q", r.code, r.stderr, want)
	}
	tables, err := dynamoClient(srv.URL()).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(tables.TableNames, "elsewhere") {
		t.Fatalf("the refused run made its aggregate table: %v", tables.TableNames)
	}
}

// TestGenerateWithoutLinger: --linger 0 sends each batch as soon as it has
// a record (the library's zero would mean its 50 ms default).
func TestGenerateWithoutLinger(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := run(t, env, "generate-events", "--linger", "0", "--count", "5", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"acknowledged": 5,`) {
		t.Fatalf("code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
