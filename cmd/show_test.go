package cmd

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/spk-cli/spk/internal/iostreams"
)

// seedCounts creates the aggregate table with fixed rows, as spk run writes
// them (plus a watermark attribute spk show must not print).
func seedCounts(t *testing.T, url string) {
	t.Helper()
	env := endpointEnv(url)
	if r := run(t, env, "create-table"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	db := dynamoClient(url)
	rows := []struct {
		bucket, typ, count string
	}{
		{"2015-06-05T12:54:00.000", "Green", "12"}, {"2015-06-05T12:54:00.000", "Red", "7"},
		{"2015-06-05T12:55:00.000", "Blue", "3"}, {"2015-06-05T12:54:00.000", "Blue", "9"},
		{"2015-06-05T12:55:00.000", "Red", "15"},
	}
	for _, r := range rows {
		_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("my-table"), Item: map[string]dtypes.AttributeValue{
			"BucketStart": &dtypes.AttributeValueMemberS{Value: r.bucket}, "EventType": &dtypes.AttributeValueMemberS{Value: r.typ},
			"Count":     &dtypes.AttributeValueMemberN{Value: r.count},
			"CreatedAt": &dtypes.AttributeValueMemberS{Value: "2015-06-05T12:54:43.064Z"}, "UpdatedAt": &dtypes.AttributeValueMemberS{Value: "2015-06-05T12:56:01.002Z"},
			"spk_wm_shardId-000000000000": &dtypes.AttributeValueMemberS{Value: "056000.00"},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestShowGolden(t *testing.T) {
	srv := startLocal(t)
	seedCounts(t, srv.URL())
	env := endpointEnv(srv.URL())
	cases := []struct {
		name string
		args []string
	}{
		{"table", []string{"show"}},
		{"json", []string{"show", "-o", "json"}},
		{"csv", []string{"show", "-o", "csv"}},
		{"chart", []string{"show", "--chart"}},
		{"filtered", []string{"show", "--since", "2015-06-05T12:55", "--type", "Red"}},
		{"limit", []string{"show", "--limit", "2", "-o", "csv"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, env, c.args...)
			if r.code != 0 {
				t.Fatalf("code %d\n%s", r.code, r.stderr)
			}
			if strings.Contains(r.stdout, "spk_wm") {
				t.Fatal("bookkeeping attributes leaked into the output")
			}
			golden := filepath.Join("testdata", "show", c.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if r.stdout != string(want) {
				t.Fatalf("spk %v changed; run with -update if intended.\n--- got\n%s--- want\n%s", c.args, r.stdout, want)
			}
		})
	}
}

func TestShowErrors(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"show"}, ExitFailure, "hint: table my-table does not exist yet: create it with spk create-table, or run spk up"},
		{[]string{"show", "-o", "xml"}, ExitUsage, `spk: invalid value "xml" for --output: expected table, json or csv`},
		{[]string{"show", "--since", "yesterday-ish"}, ExitUsage, "spk: show: --since:"},
		{[]string{"show", "--since", "2030-01-01", "--until", "2020-01-01"}, ExitUsage,
			"spk: show: --until (2020-01-01T00:00:00.000) is not after --since (2030-01-01T00:00:00.000)\nhint: swap them or widen the range"},
		{[]string{"show", "--chart", "-o", "json"}, ExitUsage, "spk: show: --chart draws a chart, which is not json"},
		{[]string{"show", "--type", strings.Repeat("t,", 100) + "t"}, ExitUsage,
			"spk: show: --type names 101 event types, and at most 100 can be filtered on\nhint: give at most 100, or none to see every type"},
	} {
		r := run(t, env, c.args...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: code %d\n%s", c.args, r.code, r.stderr)
		}
	}
}

// cancelAfter is standard error that ends the run once it has been given
// n "--- " lines: --watch's marks between copies.
type cancelAfter struct {
	bytes.Buffer
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	c.Buffer.Write(p)
	if strings.Count(c.String(), "--- ") >= c.n {
		c.cancel()
	}
	return len(p), nil
}

// TestShowWatchWithoutATerminalKeepsDataParseable: --watch into a file or
// a pipe writes a copy every interval; JSON's copies follow each other
// with the time between them on standard error, and CSV's header comes
// once, so what a script reads is JSON or CSV throughout.
func TestShowWatchWithoutATerminalKeepsDataParseable(t *testing.T) {
	srv := startLocal(t)
	seedCounts(t, srv.URL())
	env := endpointEnv(srv.URL())
	for _, format := range []string{"json", "csv", "table"} {
		t.Run(format, func(t *testing.T) {
			// A bound for a run whose marks never come: the copies come
			// every 50 ms.
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			ios, _, stdout, stderr := iostreams.Test()
			// The run ends after two marks between copies: on standard
			// error for data, on standard output for a table.
			marked := &cancelAfter{n: 2, cancel: cancel}
			if format == "table" {
				ios.Out = marked
			} else {
				ios.ErrOut = marked
			}
			f := &Factory{IO: ios, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}
			if code := Execute(ctx, f, []string{"show", "--watch", "--interval", "50ms", "-o", format}); code != 0 {
				t.Fatalf("code %d, want 0 (Ctrl-C ends a watch)\n%s%s", code, stderr, marked.String())
			}
			out, errOut := stdout, &marked.Buffer
			if format == "table" {
				out, errOut = &marked.Buffer, stderr
			}
			switch format {
			case "json":
				dec := json.NewDecoder(strings.NewReader(out.String()))
				copies := 0
				for {
					var rows []map[string]any
					if err := dec.Decode(&rows); err == io.EOF {
						break
					} else if err != nil || len(rows) != 5 {
						t.Fatalf("copy %d: %d rows, %v:\n%s", copies+1, len(rows), err, out.String())
					}
					copies++
				}
				if copies < 2 || strings.Count(errOut.String(), "--- ") < copies-1 {
					t.Fatalf("%d copies, marks on standard error:\n%s", copies, errOut.String())
				}
			case "csv":
				recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
				if err != nil || len(recs) < 11 || recs[0][0] != "BucketStart" || (len(recs)-1)%5 != 0 {
					t.Fatalf("%d records, %v:\n%s", len(recs), err, out.String())
				}
				for _, r := range recs[1:] {
					if r[0] == "BucketStart" || strings.HasPrefix(r[0], "---") {
						t.Fatalf("a header or a mark among the rows:\n%s", out.String())
					}
				}
			case "table":
				if !strings.Contains(out.String(), "\n--- ") {
					t.Fatalf("no mark between a table's copies:\n%s", out.String())
				}
			}
		})
	}
}
