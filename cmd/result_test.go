package cmd

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestResultJSON: the verbs that make or remove things print one JSON
// object on stdout with -o json; their progress stays on stderr.
func TestResultJSON(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	decode := func(args []string, into any) string {
		t.Helper()
		r := run(t, env, args...)
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		if r.code != 0 || dec.Decode(into) != nil || dec.More() {
			t.Fatalf("%v: code %d, not one JSON object:\n%s\n%s", args, r.code, r.stdout, r.stderr)
		}
		return r.stderr
	}
	var res resourceResult
	if stderr := decode([]string{"create-stream", "-o", "json"}, &res); res != (resourceResult{Stream: "my-stream", Status: "ACTIVE", Created: true, Detail: "created and ACTIVE"}) || !strings.Contains(stderr, "✓ step 3") {
		t.Fatalf("create-stream: %+v\n%s", res, stderr)
	}
	res = resourceResult{}
	decode([]string{"create-stream", "-o", "JSON"}, &res)
	if res.Created || res.Detail != "already exists and is ACTIVE with 1 open shards" {
		t.Fatalf("create-stream again: %+v", res)
	}
	res = resourceResult{}
	if decode([]string{"create-table", "-o", "json"}, &res); res != (resourceResult{Table: "my-table", Status: "ACTIVE", Created: true, Detail: "created and ACTIVE"}) {
		t.Fatalf("create-table: %+v", res)
	}
	if r := run(t, env, "generate-events", "--count", "25", "--types", "Red"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	var rr runResult
	if decode([]string{"run", "--until-caught-up", "-o", "json"}, &rr); rr.RecordsIn != 25 || rr.Rejected != 0 || rr.Stream != "my-stream" || len(rr.Tables) != 1 || rr.Tables[0] != "my-table" || rr.Worker == "" {
		t.Fatalf("run: %+v", rr)
	}
	var td struct {
		DryRun    bool `json:"dry_run"`
		Resources []struct {
			Kind, Name, Fate string
		} `json:"resources"`
	}
	if stderr := decode([]string{"teardown", "--dry-run", "-o", "json"}, &td); !td.DryRun || len(td.Resources) != 3 || td.Resources[0].Fate != "will be deleted" || !strings.Contains(stderr, "Teardown plan for") {
		t.Fatalf("teardown --dry-run: %+v\n%s", td, stderr)
	}
	td.Resources = nil
	decode([]string{"teardown", "--yes", "-o", "json"}, &td)
	for _, r := range td.Resources {
		if r.Fate != "deleted" {
			t.Fatalf("teardown: %+v", td)
		}
	}
	if len(td.Resources) != 3 || td.DryRun {
		t.Fatalf("teardown: %+v", td)
	}
}
