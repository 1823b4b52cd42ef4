package cmd

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/stream/consume/endpointtest"
)

// TestShowViewAvgOfDynamoDBsLargestNumbers: spk run averages numbers of
// DynamoDB's 38 digits and spk show --view prints the mean with every digit
// before the point, in a table, CSV and JSON: one value is its own mean,
// never above the max.
func TestShowViewAvgOfDynamoDBsLargestNumbers(t *testing.T) {
	t.Parallel() // waits on verbs, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	dir := t.TempDir()
	yaml := "views:\n  - name: big\n    window: {size: 1m}\n    metrics: [count, max:n, avg:n]\n"
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runIn(t, dir, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	nines := strings.Repeat("9", 38)
	kc := kinesis.NewFromConfig(endpointtest.Config(srv.URL()))
	for _, ev := range []string{
		`{"timestamp":"2015-06-05T10:00:00","n":` + nines + `}`,
		`{"timestamp":"2015-06-05T10:01:00","n":12345678901234567890123456789012345678}`,
		`{"timestamp":"2015-06-05T10:01:30","n":1}`,
	} {
		if _, err := kc.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: aws.String("my-stream"), PartitionKey: aws.String("p"), Data: []byte(ev)}); err != nil {
			t.Fatal(err)
		}
	}
	if r := runIn(t, dir, env, "run", "--until-caught-up", "--no-tui"); r.code != 0 {
		t.Fatalf("run: %d\n%s", r.code, r.stderr)
	}
	// Bucket, count, max, avg.
	want := [][]string{
		{"2015-06-05T10:00:00.000", "1", nines, nines},
		{"2015-06-05T10:01:00.000", "2", "12345678901234567890123456789012345678", "6172839450617283945061728394506172839.5"},
	}
	show := func(format string) string {
		r := runIn(t, dir, env, "show", "--view", "big", "-o", format)
		if r.code != 0 {
			t.Fatalf("show -o %s: %d\n%s", format, r.code, r.stderr)
		}
		return r.stdout
	}

	table := strings.Split(strings.TrimSpace(show("table")), "\n")
	if len(table) != 3 {
		t.Fatalf("table:\n%s", strings.Join(table, "\n"))
	}
	for i, w := range want {
		if got := strings.Fields(table[i+1])[:4]; !slices.Equal(got, w) {
			t.Errorf("table row %v, want %v", got, w)
		}
	}

	cells, err := csv.NewReader(strings.NewReader(show("csv"))).ReadAll()
	if err != nil || len(cells) != 3 || !slices.Equal(cells[0][:4], []string{"BucketStart", "count", "max:n", "avg:n"}) {
		t.Fatalf("csv: %v %v", cells, err)
	}
	for i, w := range want {
		if got := cells[i+1][:4]; !slices.Equal(got, w) {
			t.Errorf("csv row %v, want %v", got, w)
		}
	}

	var rows []struct {
		BucketStart string
		Metrics     map[string]json.Number
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(show("json"))))
	dec.UseNumber() // the numbers' text, every digit
	if err := dec.Decode(&rows); err != nil || len(rows) != 2 {
		t.Fatalf("json: %v %v", rows, err)
	}
	for i, w := range want {
		m := rows[i].Metrics
		if got := []string{rows[i].BucketStart, m["count"].String(), m["max:n"].String(), m["avg:n"].String()}; !slices.Equal(got, w) {
			t.Errorf("json row %v, want %v", got, w)
		}
	}
}
