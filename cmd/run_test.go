package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spk-cli/spk/stream/aggregate"
)

// TestGenerateThenRunCountsExactly is steps 5, 7 and 8 as a user types them:
// generate events (1% malformed), count them until caught up, and compare.
func TestGenerateThenRunCountsExactly(t *testing.T) {
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
	rows, err := aggregate.Read(context.Background(), dynamoClient(srv.URL()), aggregate.Query{Table: "my-table", Consistent: true})
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
	rows, _ = aggregate.Read(context.Background(), dynamoClient(srv.URL()), aggregate.Query{Table: "my-table", Consistent: true})
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
		{[]string{"run", "--retrieval", "bogus"}, ExitUsage, `spk: configuration: flag --retrieval: expected polling (GetRecords, the default) or fanout (enhanced fan-out with SubscribeToShard), got "bogus"`},
		{[]string{"up", "--retrieval", "efo", "--duration", "1s"}, ExitUsage, `flag --retrieval: expected polling`},
		{[]string{"generate-events", "--batch", "501", "--count", "1"}, ExitUsage, "invalid --batch 501"},
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
