package cmd

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/stream/accesslog"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
)

// TestUpExampleWeblog runs spk up --example weblog against a running
// endpoint: it creates a table per view and sends access-log lines, every
// one of which parses; --teardown then deletes the view tables too.
func TestUpExampleWeblog(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	srv := startLocal(t)
	addr := strings.TrimPrefix(srv.URL(), "http://")
	env := map[string]string{"SPK_LOCAL_ADDR": addr, "XDG_STATE_HOME": t.TempDir()}
	r := run(t, env, "up", "--example", "weblog", "--no-tui", "--duration", "2s", "--rate", "200")
	if r.code != 0 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	for _, name := range []string{"weblog-status", "weblog-bytes", "weblog-paths", "weblog-ips"} {
		if !strings.Contains(r.stderr, "✓ step 4: create table my-table-"+name) {
			t.Errorf("no step 4 for the table of %s:\n%s", name, r.stderr)
		}
		if _, err := dynamoClient(srv.URL()).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("my-table-" + name)}); err != nil {
			t.Errorf("table of %s: %v", name, err)
		}
	}
	for _, want := range []string{
		`\nweblog-ips, the newest window \(spk show --view weblog-ips --min-count 10\):\nBucketStart +count +distinct:ip +top:ip:10 `,
		`\nweblog-bytes, the newest window \(spk show --view weblog-bytes\):\nBucketStart +count +min:bytes +avg:bytes +max:bytes +sum:bytes `,
		`\n  spk show --view weblog-ips --min-count 10\n`,
		// The tutorial's table is not written by the example: the summary
		// speaks of the views' tables.
		`\nspk up: \d+ events sent, \d+ counted, 0 rejected; weblog-status holds [1-9]\d* rows? in [1-9]\d* buckets?, weblog-bytes holds [1-9]\d* rows? in [1-9]\d* buckets?, weblog-paths holds [1-9]\d* rows? in [1-9]\d* buckets?, weblog-ips holds [1-9]\d* rows? in [1-9]\d* buckets?\.\n`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stderr) {
			t.Errorf("the summary lacks %q:\n%s", want, r.stderr)
		}
	}

	// Every record in the stream is an access-log line.
	kc := kinesis.NewFromConfig(endpointtest.Config(srv.URL()))
	ctx := context.Background()
	shards, err := kc.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String("my-stream")})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sh := range shards.Shards {
		it, err := kc.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: aws.String("my-stream"), ShardId: sh.ShardId, ShardIteratorType: ktypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatal(err)
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := kc.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range out.Records {
				if _, err := accesslog.Parse(string(rec.Data)); err != nil {
					t.Fatalf("record %q: %v", rec.Data, err)
				}
				n++
			}
			if len(out.Records) == 0 && aws.ToInt64(out.MillisBehindLatest) == 0 {
				break
			}
			iter = out.NextShardIterator
		}
	}
	if n < 100 {
		t.Fatalf("%d access-log records in the stream", n)
	}

	// spk status shows the example's tables while they exist.
	r = run(t, env, "status")
	for _, name := range []string{"weblog-status", "weblog-bytes", "weblog-paths", "weblog-ips"} {
		if !hasRow(r.stdout, "view table", "my-table-"+name, "ACTIVE", "view "+name+",") {
			t.Errorf("status lacks the table of %s:\n%s", name, r.stdout)
		}
	}

	// spk teardown deletes the example's tables with the tutorial's.
	r = run(t, env, "teardown", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "my-table-weblog-ips") {
		t.Fatalf("teardown: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r = run(t, env, "status"); r.code != 0 || strings.Contains(r.stdout, "view table") {
		t.Fatalf("status after teardown: code %d\n%s", r.code, r.stdout)
	}
	tables, err := dynamoClient(srv.URL()).ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 0 {
		t.Fatalf("spk teardown left behind: %v %v", tables.TableNames, err)
	}

	r = run(t, env, "up", "--example", "weblog", "--no-tui", "--duration", "1s", "--teardown")
	// The stream, the lease table and the four views' tables: the example
	// writes no aggregate table, and spk up makes none.
	if r.code != 0 || strings.Count(r.stderr, " deleted") != 6 || !regexp.MustCompile(`\n\s+aggregate table\s+my-table\s+missing\n`).MatchString(r.stderr) {
		t.Fatalf("teardown after the example: code %d\n%s", r.code, r.stderr)
	}
	tables, err = dynamoClient(srv.URL()).ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 0 {
		t.Fatalf("left behind: %v %v", tables.TableNames, err)
	}
}

func TestUpExampleUnknown(t *testing.T) {
	srv := startLocal(t)
	addr := strings.TrimPrefix(srv.URL(), "http://")
	env := map[string]string{"SPK_LOCAL_ADDR": addr, "XDG_STATE_HOME": t.TempDir()}
	r := run(t, env, "up", "--example", "nope", "--no-tui")
	if r.code != ExitUsage || r.stderr != "spk: invalid value \"nope\" for --example: expected weblog\nhint: run 'spk up --help' for usage\n" {
		t.Fatalf("code %d\n%q", r.code, r.stderr)
	}
	tables, err := dynamoClient(srv.URL()).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 0 {
		t.Fatalf("created: %v %v", tables.TableNames, err)
	}
	streams, err := kinesis.NewFromConfig(endpointtest.Config(srv.URL())).ListStreams(context.Background(), &kinesis.ListStreamsInput{})
	if err != nil || len(streams.StreamNames) != 0 {
		t.Fatalf("created: %v %v", streams.StreamNames, err)
	}
}

// TestUpExampleDashboardInAPseudoTerminal runs the real binary's dashboard
// with the weblog example: the views' panel shows, v switches views, q stops.
func TestUpExampleDashboardInAPseudoTerminal(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildSpk(t)
	cmd := exec.Command(bin, "up", "--example", "weblog", "--duration", "30s", "--rate", "50", "--in-memory")
	cmd.Env = append(os.Environ(), "SPK_LOCAL_ADDR="+closedPort(t), "XDG_STATE_HOME="+t.TempDir(), "TERM=xterm-256color", "NO_COLOR=1",
		"SPK_AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL=", "AWS_PROFILE=", "SPK_AWS_PROFILE=")
	run := startInPTY(t, cmd, 120, 40)
	screen := run.screen

	screen.waitFor(t, 60*time.Second, `✓\s+4\s+create table my-table-weblog-ips`, `✓\s+8\s+create lease table StreamingCountsApp`, `weblog-status · view 1/4`, `v next view`)
	for _, want := range []string{`weblog-bytes · view 2/4`, `weblog-paths · view 3/4`, `weblog-ips · view 4/4 · .*seen > 10 times`} {
		run.press(t, "v")
		screen.waitFor(t, 10*time.Second, want)
	}
	if text, err := run.quit(t, 30*time.Second); err != nil {
		t.Fatalf("spk up exited with %v:\n%s", err, text)
	}
	if !strings.Contains(screen.String(), "spk show --view weblog-ips --min-count 10") {
		t.Fatalf("the summary does not say how to see the views:\n%s", screen.String())
	}
}
