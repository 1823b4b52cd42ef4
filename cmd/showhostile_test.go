package cmd

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/internal/iostreams"
)

// hostileType, printed raw, clears the screen, turns the text red and
// retitles the terminal window; hostileShown is how spk show prints it.
const (
	hostileType  = "\u001b[2J\u001b[31mEVIL\u001b]0;pwned\u0007"
	hostileShown = `\x1b[2J\x1b[31mEVIL\x1b]0;pwned\a`
)

// runStdoutTTY is run with standard output a terminal (and no colour).
func runStdoutTTY(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetTTY(false, true, false)
	f := &Factory{IO: ios, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}
	code := Execute(context.Background(), f, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// requireNoControls fails if out holds a byte of a terminal control
// sequence: ESC, BEL, an 8-bit CSI or a bidi override.
func requireNoControls(t *testing.T, what, out string) {
	t.Helper()
	if i := strings.IndexAny(out, "\x1b\a\u009b\u202e"); i >= 0 {
		t.Fatalf("%s: a control character reached the output at byte %d:\n%q", what, i, out)
	}
}

// TestShowHostileType: an event type holding control sequences, counted
// into the table, is printed escaped by every output a terminal sees, and
// kept exact by JSON and by CSV written to a file or pipe.
func TestShowHostileType(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-table"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	db := dynamoClient(srv.URL())
	for _, typ := range []string{"Green", hostileType, "Gr\u202eneer"} {
		_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("my-table"), Item: map[string]dtypes.AttributeValue{
			"BucketStart": &dtypes.AttributeValueMemberS{Value: "2015-06-05T12:54:00.000"}, "EventType": &dtypes.AttributeValueMemberS{Value: typ},
			"Count":     &dtypes.AttributeValueMemberN{Value: "12"},
			"CreatedAt": &dtypes.AttributeValueMemberS{Value: "2015-06-05T12:54:43.064Z"}, "UpdatedAt": &dtypes.AttributeValueMemberS{Value: "2015-06-05T12:56:01.002Z"},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}

	for _, args := range [][]string{{"show"}, {"show", "--chart"}, {"show", "--view", "default"}} {
		for _, tty := range []bool{false, true} {
			r := run(t, env, args...)
			if tty {
				r = runStdoutTTY(t, env, args...)
			}
			if r.code != 0 {
				t.Fatalf("spk %v: code %d\n%s", args, r.code, r.stderr)
			}
			requireNoControls(t, strings.Join(args, " "), r.stdout)
			for _, want := range []string{hostileShown, `Gr\u202eneer`} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("spk %v does not show %s:\n%s", args, want, r.stdout)
				}
			}
		}
	}

	// The table's columns are as wide as the escaped type.
	table := run(t, env, "show").stdout
	want := "BucketStart              EventType                          Count  CreatedAt                 UpdatedAt\n" +
		"2015-06-05T12:54:00.000  " + hostileShown + "     12  2015-06-05T12:54:43.064Z  2015-06-05T12:56:01.002Z\n"
	if !strings.HasPrefix(table, want) {
		t.Errorf("spk show:\n%s\nwant it to start with\n%s", table, want)
	}

	// JSON: escaped as \u sequences, and the exact value once decoded.
	r := run(t, env, "show", "-o", "json")
	requireNoControls(t, "show -o json", r.stdout)
	var rows []struct{ EventType string }
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("show -o json is not JSON: %v\n%s", err, r.stdout)
	}
	if len(rows) != 3 || rows[0].EventType != hostileType || rows[2].EventType != "Gr\u202eneer" {
		t.Errorf("show -o json decodes to %q", rows)
	}

	// CSV on a terminal is escaped; to a file or a pipe it is as stored.
	r = runStdoutTTY(t, env, "show", "-o", "csv")
	requireNoControls(t, "show -o csv on a terminal", r.stdout)
	if !strings.Contains(r.stdout, "\n2015-06-05T12:54:00.000,"+hostileShown+",12,") {
		t.Errorf("show -o csv on a terminal:\n%s", r.stdout)
	}
	r = run(t, env, "show", "-o", "csv")
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[1][1] != hostileType || recs[3][1] != "Gr\u202eneer" {
		t.Errorf("show -o csv to a pipe: %q", recs)
	}
}

// TestShowViewHostileValue: a view's top list holding a hostile path.
func TestShowViewHostileValue(t *testing.T) {
	srv := startLocal(t)
	lines := append(accessLines(), `192.0.2.1 - - [05/Jun/2015:12:54:30 +0000] "GET /`+hostileType+` HTTP/1.1" 200 10 "-" "curl/8.5.0"`)
	seedView(t, srv.URL(), weblogDef(t, "weblog-paths"), lines)
	env := endpointEnv(srv.URL())
	for _, args := range [][]string{{"show", "--view", "weblog-paths"}, {"show", "--view", "weblog-paths", "--chart"}, {"show", "--view", "weblog-paths", "-o", "json"}} {
		r := runStdoutTTY(t, env, args...)
		if r.code != 0 {
			t.Fatalf("spk %v: code %d\n%s", args, r.code, r.stderr)
		}
		requireNoControls(t, strings.Join(args, " "), r.stdout)
		want := "/" + hostileShown[:20]
		if args[len(args)-1] == "json" {
			want = `/\u001b[2J\u001b[31mEVIL\u001b]0;pwned\u0007`
		}
		if !strings.Contains(r.stdout, want) {
			t.Errorf("spk %v does not show %s:\n%s", args, want, r.stdout)
		}
	}
	r := runStdoutTTY(t, env, "show", "--view", "weblog-paths", "-o", "csv")
	requireNoControls(t, "show --view -o csv on a terminal", r.stdout)
	if r = run(t, env, "show", "--view", "weblog-paths", "-o", "csv"); !strings.Contains(r.stdout, "/"+hostileType) {
		t.Errorf("show --view -o csv to a pipe does not hold the path as stored:\n%q", r.stdout)
	}
}
