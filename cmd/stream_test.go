package cmd

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestCreateStreamIsIdempotentAndWaits(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	r := run(t, env, "create-stream")
	if r.code != 0 || !strings.Contains(r.stderr, "step 3: create stream my-stream: waiting for stream my-stream to become ACTIVE") || !strings.Contains(r.stderr, "✓ step 3: create stream my-stream: created and ACTIVE") {
		t.Fatalf("first create: code %d\n%s", r.code, r.stderr)
	}
	r = run(t, env, "create-stream")
	if r.code != 0 || !strings.Contains(r.stderr, "already exists and is ACTIVE with 1 open shards") {
		t.Fatalf("second create: code %d\n%s", r.code, r.stderr)
	}
	r = run(t, env, "create-stream", "--shards", "3")
	if r.code != 0 || !strings.Contains(r.stderr, "(not the 3 asked for; spk does not reshard an existing stream)") {
		t.Fatalf("create with another shard count: code %d\n%s", r.code, r.stderr)
	}
	// An on-demand stream has no shard count anyone asked for.
	if r = run(t, env, "create-stream", "od", "--on-demand"); r.code != 0 {
		t.Fatalf("on demand: code %d\n%s", r.code, r.stderr)
	}
	r = run(t, env, "create-stream", "od")
	if r.code != 0 || !strings.Contains(r.stderr, "(on demand, so Kinesis sets its shards; spk does not change an existing stream)") || strings.Contains(r.stderr, "asked for") {
		t.Fatalf("an on-demand stream again: code %d\n%s", r.code, r.stderr)
	}
	// Nor is a provisioned stream made on demand by asking.
	r = run(t, env, "create-stream", "--on-demand")
	if r.code != 0 || !strings.Contains(r.stderr, "already exists and is ACTIVE with 1 open shards (provisioned, not on demand; spk does not change an existing stream)") {
		t.Fatalf("on demand asked of a provisioned stream: code %d\n%s", r.code, r.stderr)
	}
}

func TestDescribeStreamHasTheTutorialsShape(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream", "clicks", "--shards", "2"); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	r := run(t, env, "describe-stream", "clicks")
	if r.code != 0 {
		t.Fatalf("describe: code %d %s", r.code, r.stderr)
	}
	var out struct {
		StreamDescription struct {
			StreamStatus, StreamName, StreamARN string
			Shards                              []struct {
				ShardId             string
				HashKeyRange        struct{ StartingHashKey, EndingHashKey string }
				SequenceNumberRange struct {
					StartingSequenceNumber string
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	d := out.StreamDescription
	if d.StreamStatus != "ACTIVE" || d.StreamName != "clicks" || !strings.HasSuffix(d.StreamARN, ":stream/clicks") || len(d.Shards) != 2 {
		t.Fatalf("unexpected description: %+v", d)
	}
	if d.Shards[0].ShardId != "shardId-000000000000" || d.Shards[0].HashKeyRange.StartingHashKey != "0" ||
		d.Shards[1].HashKeyRange.EndingHashKey != "340282366920938463463374607431768211455" ||
		!regexp.MustCompile(`^\d{56}$`).MatchString(d.Shards[0].SequenceNumberRange.StartingSequenceNumber) {
		t.Fatalf("unexpected shards: %+v", d.Shards)
	}
	// The tutorial's key order: status, name, ARN, shards.
	if i, j, k := strings.Index(r.stdout, `"StreamStatus"`), strings.Index(r.stdout, `"StreamName"`), strings.Index(r.stdout, `"Shards"`); !(i < j && j < k) {
		t.Fatalf("key order differs from the tutorial's:\n%s", r.stdout)
	}
	r = run(t, env, "describe-stream", "clicks", "--output", "table")
	if r.code != 0 || !strings.Contains(r.stdout, "shardId-000000000001  open") {
		t.Fatalf("table: code %d\n%s", r.code, r.stdout)
	}
}

func TestStreamErrors(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"bad name", []string{"create-stream", "my stream"}, ExitUsage, `spk: stream.name: expected a stream name of 1 to 128 letters, digits, '_', '.' or '-', got "my stream"`},
		{"zero shards", []string{"create-stream", "--shards", "0"}, ExitUsage, `flag --shards: expected a shard count from 1 to 10000, got 0`},
		{"shards and on-demand", []string{"create-stream", "--shards", "2", "--on-demand"}, ExitUsage, "spk: create-stream: --shards and --on-demand cannot be used together: an on-demand stream sets its own number of shards; give --on-demand alone, or --shards for a fixed count\n"},
		{"missing stream", []string{"describe-stream", "nope"}, ExitFailure, `spk: describe stream "nope": `},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, env, c.args...)
			// A want that ends a line is all stderr must say.
			if r.code != c.code || !strings.Contains(r.stderr, c.want) || strings.HasSuffix(c.want, "\n") && r.stderr != c.want {
				t.Fatalf("code %d (want %d)\n%s\nwant %q", r.code, c.code, r.stderr, c.want)
			}
		})
	}
	// Nothing was created by the refused calls.
	r := run(t, env, "status", "--output", "json")
	if !strings.Contains(r.stdout, `"name": "my-stream",
    "exists": false`) {
		t.Fatalf("a refused create left a stream behind:\n%s", r.stdout)
	}
	r = run(t, env, "describe-stream", "nope")
	if !strings.Contains(r.stderr, "hint: create it with: spk create-stream nope") {
		t.Fatalf("missing hint:\n%s", r.stderr)
	}
}

func TestUnreachableEmbeddedEndpointSaysHowToStartIt(t *testing.T) {
	addr := refusingAddr(t)
	r := run(t, map[string]string{"SPK_AWS_ENDPOINT_URL": "http://" + addr, "SPK_LOCAL_ADDR": addr}, "create-stream")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "spk: reach the embedded endpoint: nothing is listening at http://"+addr) ||
		!strings.Contains(r.stderr, "hint: start it in another terminal with: spk local") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
}

// TestTutorialHOCONAgainstAnEndpoint uses the tutorial's config file, whose
// profile "default" does not exist here, against an explicit endpoint.
func TestTutorialHOCONAgainstAnEndpoint(t *testing.T) {
	srv := startLocal(t)
	env, _, _ := awsFiles(t)
	r := run(t, env, "create-stream", "--config", "../config/testdata/config.hocon.sample", "--endpoint-url", srv.URL())
	if r.code != 0 || !strings.Contains(r.stderr, "create stream my-stream: created and ACTIVE") || !strings.Contains(r.stderr, `spark.master = "local[2]" is ignored`) {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
}
