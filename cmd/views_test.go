package cmd

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/provision/local"
)

func tableNames(t *testing.T, url string) []string {
	t.Helper()
	out, err := dynamoClient(url).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	return out.TableNames
}

// TestRunViewErrors: a bad view is one line naming it, exit 2, and nothing
// is created, whether it comes from flags or from spk.yaml.
func TestRunViewErrors(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	for _, c := range []struct {
		args []string
		yaml string
		want string
	}{
		{[]string{"--metric", "avg"}, "", `spk: run: view "default": metric "avg": name a field, as in avg:bytes`},
		{[]string{"--metric", "count", "--metric", "top:path:0"}, "", `spk: run: view "default": metric "top:path:0"`},
		{[]string{"--window", "5m", "--slide", "2m"}, "", `spk: run: view "default": window: size 5m0s is not a multiple of slide 2m0s: use a slide that divides the size, such as size 5m and slide 1m`},
		{[]string{"--where", "status >="}, "", `spk: run: view "default": where: column 10: expected a value after ">=", such as 500, 'GET' or true, found end of filter`},
		{[]string{"--group-by", "a..b"}, "", `spk: run: view "default": group_by: field "a..b" has an empty name between dots`},
		{[]string{"--format", "xml"}, "", `spk: invalid value "xml" for --format: expected json or accesslog`},
		{nil, "views:\n  - name: default\n    window: {size: 1m}\n    metrics: [count]\n  - name: errors\n    window: {size: 1m}\n    metrics: [max]\n",
			`spk: run: view "errors": metric "max": name a field, as in max:bytes`},
		{nil, "views:\n  - name: a\n    window: {size: 1m}\n    metrics: [count]\n  - name: a\n    window: {size: 1m}\n    metrics: [count]\n",
			`spk: run: view "a": another view has this name: give each view its own`},
		{nil, "views:\n  - name: a\n    window: {size: 1m}\n    metric: [count]\n",
			`unknown key "metric"`},
		{[]string{"--metric", "count"}, "views:\n  - name: a\n    window: {size: 1m}\n    metrics: [count]\n",
			`spk: run: --metric define one view, but `},
	} {
		dir := t.TempDir()
		args := append([]string{"run", "--until-caught-up"}, c.args...)
		if c.yaml != "" {
			if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r := runIn(t, dir, env, args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
			t.Errorf("%v %q: code %d\n%s", c.args, c.yaml, r.code, r.stderr)
		}
	}
	if got := tableNames(t, srv.URL()); len(got) != 0 {
		t.Fatalf("refused runs created tables %v", got)
	}
}

// TestRunViewsFromYAML runs the views of a spk.yaml over generated events:
// each view writes its own table, and the sliding view holds every event in
// each of its windows.
func TestRunViewsFromYAML(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	dir := t.TempDir()
	const spkYAML = `views:
  - name: default
    group_by: [type]
    window: {size: 1m}
    metrics: [count]
  - name: sliding
    window: {size: 3m, slide: 1m}
    metrics: [count, distinct:id, top:type:2]
  - name: red
    table: red-counts
    where: type = 'Red'
    window: {size: 1m}
    metrics: [count]
`
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(spkYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	// Before the run, spk status shows the views' own tables as missing,
	// and no table of a built-in example.
	r := runIn(t, dir, env, "status")
	if r.code != 0 || !hasRow(r.stdout, "view table", "my-table-sliding", "missing", "view sliding") ||
		!hasRow(r.stdout, "view table", "red-counts", "missing", "view red") || strings.Count(r.stdout, "view table") != 2 {
		t.Fatalf("status before the run: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runIn(t, dir, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runIn(t, dir, env, "generate-events", "--count", "2000", "--seed", "7", "-o", "json"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r = runIn(t, dir, env, "run", "--until-caught-up", "--no-tui")
	if r.code != 0 {
		t.Fatalf("run: %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "into my-table (view default), my-table-sliding (view sliding), red-counts (view red)") {
		t.Errorf("first line does not name the views' tables:\n%s", r.stderr)
	}
	sum := func(table string) (rows int, count int64) {
		out, err := dynamoClient(srv.URL()).Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			n, _ := strconv.ParseInt(it["Count"].(*dtypes.AttributeValueMemberN).Value, 10, 64)
			count += n
		}
		return len(out.Items), count
	}
	_, all := sum("my-table")
	rows, slid := sum("my-table-sliding")
	_, red := sum("red-counts")
	if all != 2000 || slid != 3*2000 || red == 0 || red >= all || rows == 0 {
		t.Fatalf("default %d, sliding %d over %d rows, red %d; want 2000, 6000, some", all, slid, rows, red)
	}
	names := tableNames(t, srv.URL())
	sort.Strings(names)
	if strings.Join(names, " ") != "StreamingCountsApp my-table my-table-sliding red-counts" {
		t.Fatalf("tables %v", names)
	}
	var st provision.Status
	r = runIn(t, dir, env, "status", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 0 {
		t.Fatalf("status: code %d err %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if len(st.Views) != 2 || st.Views[0].View != "sliding" || st.Views[0].Name != "my-table-sliding" || st.Views[0].ItemCount != int64(rows) ||
		st.Views[1].View != "red" || st.Views[1].Name != "red-counts" || st.Views[1].Status != "ACTIVE" {
		t.Fatalf("status of the views' tables: %+v", st.Views)
	}
	// Teardown removes the views' tables with the others.
	r = runIn(t, dir, env, "teardown", "--yes")
	if r.code != 0 || !hasRow(r.stdout, "aggregate table", "my-table-sliding", "deleted") || !hasRow(r.stdout, "aggregate table", "red-counts", "deleted") {
		t.Fatalf("teardown: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// redView is spk.yaml's views: with one view, of the red events into a
// table of its own.
const redView = `views:
  - name: red
    table: red-counts
    where: type = 'Red'
    window: {size: 1m}
    metrics: [count]
`

// ownTablesViews is a stream of n events and an spk.yaml whose views all
// write tables of their own (red-counts, all-counts), on a fresh endpoint.
func ownTablesViews(t *testing.T, n int) (srv *local.Server, env map[string]string, dir string) {
	t.Helper()
	srv = startLocal(t)
	env = endpointEnv(srv.URL())
	dir = t.TempDir()
	const spkYAML = redView + `  - name: everything
    table: all-counts
    window: {size: 1m}
    metrics: [count, distinct:id]
`
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(spkYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runIn(t, dir, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runIn(t, dir, env, "generate-events", "--count", strconv.Itoa(n), "--seed", "3", "-o", "json"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	return srv, env, dir
}

// TestRunViewsOfTheirOwnLeaveTheAggregateTable: views that all write
// tables of their own make no aggregate table, which nothing would write
// (and which another stream's run may count into).
func TestRunViewsOfTheirOwnLeaveTheAggregateTable(t *testing.T) {
	t.Parallel() // waits on processes, not the CPU; changes no process-wide state
	srv, env, dir := ownTablesViews(t, 500)
	r := runIn(t, dir, env, "run", "--until-caught-up", "--no-tui")
	if r.code != 0 || !strings.Contains(r.stderr, "into red-counts (view red), all-counts (view everything)") {
		t.Fatalf("run: %d\n%s", r.code, r.stderr)
	}
	names := tableNames(t, srv.URL())
	sort.Strings(names)
	if strings.Join(names, " ") != "StreamingCountsApp all-counts red-counts" {
		t.Fatalf("tables %v, want the leases' and the views' alone", names)
	}
	out, err := dynamoClient(srv.URL()).Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("all-counts")})
	if err != nil {
		t.Fatal(err)
	}
	var all int64
	for _, it := range out.Items {
		n, _ := strconv.ParseInt(it["Count"].(*dtypes.AttributeValueMemberN).Value, 10, 64)
		all += n
	}
	if all != 500 {
		t.Fatalf("all-counts holds %d events, want 500", all)
	}
	// spk status says why the aggregate table is missing.
	if r := runIn(t, dir, env, "status"); r.code != 0 || !hasRow(r.stdout, "aggregate table", "my-table", "missing", "not needed: the views write tables of their own") {
		t.Fatalf("status: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// spk show without --view names the views' tables, where it said to
	// create the aggregate table, which nothing writes.
	r = runIn(t, dir, env, "show")
	want := "spk: show: spk.yaml's views write red-counts (view red), all-counts (view everything), and none the aggregate table my-table\n" +
		"hint: show one with --view NAME (Tab completes the names), or name a table of the tutorial's counts with --table\n"
	if r.code != ExitUsage || r.stderr != want || r.stdout != "" {
		t.Fatalf("show without --view: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A table named is read as the tutorial's counts: here the aggregate
	// table, which does not exist.
	if r := runIn(t, dir, env, "show", "--table", "my-table"); r.code != ExitFailure ||
		!strings.HasSuffix(r.stderr, "\nhint: table my-table does not exist yet: create it with spk create-table, or run spk up\n") {
		t.Fatalf("show --table my-table: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// spk.yaml's table.name only names the aggregate table: the views'
	// tables are still pointed at.
	yaml, _ := os.ReadFile(filepath.Join(dir, "spk.yaml"))
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), append(yaml, "table:\n  name: tutorial-counts\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runIn(t, dir, env, "show"); r.code != ExitUsage || !strings.Contains(r.stderr, "and none the aggregate table tutorial-counts\n") {
		t.Fatalf("show with table.name in spk.yaml: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runIn(t, dir, env, "show", "--view", "red", "-o", "csv"); r.code != 0 || !strings.HasPrefix(r.stdout, "BucketStart,count,") {
		t.Fatalf("show --view red: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestShowReadsTheDefaultViewsOwnTable: the tutorial's view given a table
// of its own is shown from it, with --view default or without.
func TestShowReadsTheDefaultViewsOwnTable(t *testing.T) {
	t.Parallel() // waits on a verb, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	dir := t.TempDir()
	const spkYAML = `views:
  - name: default
    table: mine
    group_by: [type]
    window: {size: 1m}
    metrics: [count]
`
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(spkYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	// Before the run: the hint says how that table is made.
	if r := runIn(t, dir, env, "show"); r.code != ExitFailure || !strings.HasSuffix(r.stderr, "\nhint: table mine of view default does not exist yet: run the view with spk run\n") {
		t.Fatalf("show before the run: code %d\n%s", r.code, r.stderr)
	}
	for _, args := range [][]string{{"create-stream"}, {"generate-events", "--count", "200", "--seed", "9", "-o", "json"}, {"run", "--until-caught-up", "--no-tui"}} {
		if r := runIn(t, dir, env, args...); r.code != 0 {
			t.Fatalf("%v: %s", args, r.stderr)
		}
	}
	for _, args := range [][]string{{"show", "-o", "json"}, {"show", "--view", "default", "-o", "json"}} {
		r := runIn(t, dir, env, args...)
		var rows []struct{ Count int64 }
		if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || r.code != 0 {
			t.Fatalf("%v: code %d %v\n%s%s", args, r.code, err, r.stdout, r.stderr)
		}
		var total int64
		for _, row := range rows {
			total += row.Count
		}
		if total != 200 {
			t.Fatalf("%v: the rows count %d events, want 200", args, total)
		}
	}
	// A table named with --table or SPK_TABLE_NAME is the one read.
	for _, e := range []map[string]string{env, endpointEnv(srv.URL(), "SPK_TABLE_NAME", "elsewhere")} {
		args := []string{"show"}
		if e["SPK_TABLE_NAME"] == "" {
			args = append(args, "--table", "elsewhere")
		}
		if r := runIn(t, dir, e, args...); r.code != ExitFailure || !strings.HasSuffix(r.stderr, "\nhint: table elsewhere does not exist yet: create it with spk create-table, or run spk up\n") {
			t.Fatalf("%v: code %d\n%s", args, r.code, r.stderr)
		}
	}
	// spk.yaml's table.name names the aggregate table, not the view's.
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(spkYAML+"table:\n  name: tutorial-counts\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runIn(t, dir, env, "show", "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"Count"`) {
		t.Fatalf("show with table.name in spk.yaml: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// One view of another shape: --table still names the table read.
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(redView), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runIn(t, dir, env, "show", "--table", "mine", "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"Count"`) {
		t.Fatalf("show --table mine beside a view of its own table: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestRunCountsTableChanges counts a DynamoDB table's change records, which
// a Kinesis streaming destination delivers with their time in epoch
// milliseconds, or microseconds when enabled with that precision, by event
// name.
func TestRunCountsTableChanges(t *testing.T) {
	for _, precision := range []dtypes.ApproximateCreationDateTimePrecision{"", dtypes.ApproximateCreationDateTimePrecisionMicrosecond} {
		t.Run("precision "+string(precision), func(t *testing.T) { testRunCountsTableChanges(t, precision) })
	}
}

func testRunCountsTableChanges(t *testing.T, precision dtypes.ApproximateCreationDateTimePrecision) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL(), "SPK_STREAM_NAME", "changes", "SPK_TABLE_NAME", "change-counts")
	if r := run(t, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	db := dynamoClient(srv.URL())
	ctx := context.Background()
	if r := run(t, env, "create-table", "--table", "items"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	kc := kinesis.New(kinesis.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), Credentials: db.Options().Credentials})
	desc, err := kc.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("changes")})
	if err != nil {
		t.Fatal(err)
	}
	enable := &dynamodb.EnableKinesisStreamingDestinationInput{TableName: aws.String("items"), StreamArn: desc.StreamDescriptionSummary.StreamARN}
	if precision != "" {
		enable.EnableKinesisStreamingConfiguration = &dtypes.EnableKinesisStreamingConfiguration{ApproximateCreationDateTimePrecision: precision}
	}
	if _, err := db.EnableKinesisStreamingDestination(ctx, enable); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		out, err := db.DescribeKinesisStreamingDestination(ctx, &dynamodb.DescribeKinesisStreamingDestinationInput{TableName: aws.String("items")})
		if err == nil && len(out.KinesisDataStreamDestinations) == 1 && out.KinesisDataStreamDestinations[0].DestinationStatus == dtypes.DestinationStatusActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("destination never became ACTIVE: %v %v", out, err)
		}
		time.Sleep(20 * time.Millisecond) // polling interval; the deadline bounds it
	}
	// The changes' hour: between the first write's and the scan's (a run
	// across an hour or midnight has either).
	first := time.Now().UTC().Truncate(time.Hour)
	put := func(version string, n int) {
		for i := range n {
			if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("items"), Item: map[string]dtypes.AttributeValue{
				"BucketStart": &dtypes.AttributeValueMemberS{Value: "b" + strconv.Itoa(i)},
				"EventType":   &dtypes.AttributeValueMemberS{Value: "x"},
				"v":           &dtypes.AttributeValueMemberS{Value: version},
			}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	put("1", 30) // 30 INSERTs
	put("2", 12) // 12 MODIFYs
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("items"), Key: map[string]dtypes.AttributeValue{
		"BucketStart": &dtypes.AttributeValueMemberS{Value: "b0"}, "EventType": &dtypes.AttributeValueMemberS{Value: "x"},
	}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"INSERT": 30, "MODIFY": 12, "REMOVE": 1}
	// Delivery to the stream is asynchronous: run until every change is counted.
	for deadline := time.Now().Add(20 * time.Second); ; {
		r := run(t, env, "run", "--until-caught-up", "--no-tui", "--time-field", "dynamodb.ApproximateCreationDateTime", "--group-by", "eventName", "--window", "1h")
		if r.code != 0 {
			t.Fatalf("run: %d\n%s", r.code, r.stderr)
		}
		out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("change-counts")})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, it := range out.Items {
			n, _ := strconv.ParseInt(it["Count"].(*dtypes.AttributeValueMemberN).Value, 10, 64)
			got[it["EventType"].(*dtypes.AttributeValueMemberS).Value] += n
			s := it["BucketStart"].(*dtypes.AttributeValueMemberS).Value
			if at, err := time.Parse("2006-01-02T15:04:05.000", s); err != nil || at.Before(first) || at.After(time.Now().UTC()) || !at.Equal(at.Truncate(time.Hour)) {
				t.Fatalf("bucket %s is not the hour of the changes", s)
			}
		}
		if got["INSERT"] == want["INSERT"] && got["MODIFY"] == want["MODIFY"] && got["REMOVE"] == want["REMOVE"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("counts %v, want %v", got, want)
		}
	}
}

// TestUpNamesTheViewsTables: spk up with spk.yaml's views says step 7
// counts into the views' tables, not into the aggregate table, which the
// views do not write.
func TestUpNamesTheViewsTables(t *testing.T) {
	t.Parallel() // waits on processes, not the CPU; changes no process-wide state
	srv, _, dir := ownTablesViews(t, 10)
	upEnv := map[string]string{"SPK_LOCAL_ADDR": strings.TrimPrefix(srv.URL(), "http://"), "XDG_STATE_HOME": t.TempDir()}
	r := runIn(t, dir, upEnv, "up", "--no-tui", "--duration", "1s", "--rate", "50")
	if r.code != 0 || !strings.Contains(r.stderr, "reading my-stream, counting into red-counts, all-counts") {
		t.Fatalf("up: code %d\n%s", r.code, r.stderr)
	}
	// Its summary points at the views, not at the aggregate table.
	for _, want := range []string{"\n  spk show --view red\n", "\n  spk show --view everything\n", "spk show --view NAME prints a view's"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the summary lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "spk show            the counts") {
		t.Errorf("the summary sends the user to spk show alone, which the views do not write:\n%s", r.stderr)
	}
	// It makes no aggregate table, as spk run makes none: nothing writes it.
	if !strings.Contains(r.stderr, "\n- step 4: create table my-table: not needed: the views write tables of their own\n") ||
		!strings.Contains(r.stderr, "\n✓ step 9: show the counts: red holds 1 row in 1 bucket, everything holds 1 row in 1 bucket\n") ||
		!strings.Contains(r.stderr, "spk teardown        delete the stream, the views' tables and the lease table\n") {
		t.Errorf("spk up's steps and summary:\n%s", r.stderr)
	}
	names := tableNames(t, srv.URL())
	sort.Strings(names)
	if strings.Join(names, " ") != "StreamingCountsApp all-counts red-counts" {
		t.Fatalf("tables %v, want the leases' and the views' alone", names)
	}
}

// TestShowTheViewOfTheAggregateTable: beside other views, the view that
// writes the aggregate table is what spk show prints without --view, in
// its own shape (it was read as the tutorial's counts and refused); a
// spk.yaml whose views do not compile is refused as spk run refuses it.
func TestShowTheViewOfTheAggregateTable(t *testing.T) {
	t.Parallel() // waits on a verb, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	dir := t.TempDir()
	spkYAML := "views:\n  - name: default\n    window: {size: 1m}\n    metrics: [count, distinct:id]\n" + strings.TrimPrefix(redView, "views:\n")
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(spkYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"create-stream"}, {"generate-events", "--count", "100", "--seed", "4", "-o", "json"}, {"run", "--until-caught-up", "--no-tui"}} {
		if r := runIn(t, dir, env, args...); r.code != 0 {
			t.Fatalf("%v: %s", args, r.stderr)
		}
	}
	if r := runIn(t, dir, env, "show", "-o", "csv"); r.code != 0 || !strings.HasPrefix(r.stdout, "BucketStart,count,distinct:id,") {
		t.Fatalf("show: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte("views:\n  - name: default\n    table: mine\n    metrics: [count]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, dir, env, "show")
	if want := "spk: show: view \"default\": window: give a size, such as size: 1m\n"; r.code != ExitUsage || r.stderr != want {
		t.Fatalf("show with a view that does not compile: code %d\n%q\nwant %q", r.code, r.stderr, want)
	}
}

// TestUpSummaryTotalIsACount: spk up's summary gives the table's total
// count only when the table counts; a run that sums alone said "total
// count 0" of events it had counted.
func TestUpSummaryTotalIsACount(t *testing.T) {
	t.Parallel() // waits on processes, not the CPU; changes no process-wide state
	srv := startLocal(t)
	upEnv := map[string]string{"SPK_LOCAL_ADDR": strings.TrimPrefix(srv.URL(), "http://"), "XDG_STATE_HOME": t.TempDir(), "SPK_RUN_METRICS": "sum:bytes"}
	r := runIn(t, t.TempDir(), upEnv, "up", "--no-tui", "--duration", "1s", "--rate", "50")
	if r.code != 0 || !strings.Contains(r.stderr, "\nspk up: ") || strings.Contains(r.stderr, "total count") {
		t.Fatalf("up: code %d\n%s", r.code, r.stderr)
	}
}

// TestStatusAndTeardownRefuseViewsThatNoLongerCompile: a view edited so
// that it no longer compiles still has the table it made. spk status and
// spk teardown refuse such a spk.yaml with the view's error and exit 2, as
// spk run does, rather than leave the table out: teardown then deletes
// nothing, and the stream and every table are still there.
func TestStatusAndTeardownRefuseViewsThatNoLongerCompile(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	dir := t.TempDir()
	views := func(errsSize string) {
		t.Helper()
		yaml := "views:\n  - name: default\n    window: {size: 1m}\n    metrics: [count]\n  - name: errs\n    window: {size: " + errsSize + "}\n    metrics: [count]\n"
		if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	views("5m")
	if r := runIn(t, dir, env, "create-stream"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runIn(t, dir, env, "run", "--until-caught-up", "--no-tui"); r.code != 0 {
		t.Fatalf("run: code %d\n%s", r.code, r.stderr)
	}
	if r := runIn(t, dir, env, "status"); r.code != 0 || !hasRow(r.stdout, "view table", "my-table-errs", "ACTIVE", "view errs") {
		t.Fatalf("status: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	all := "StreamingCountsApp my-table my-table-errs"
	if got := strings.Join(tableNames(t, srv.URL()), " "); got != all {
		t.Fatalf("tables after the run: %s", got)
	}

	views("7m") // divides neither an hour nor a day
	const why = `view "errs": window: bucket size 7m0s divides neither an hour nor a day: use one that does, such as 1m, 5m, 15m, 1h or 6h`
	for _, args := range [][]string{
		{"run", "--until-caught-up"},
		{"status"},
		{"status", "-o", "json"},
		{"teardown", "--yes"},
		{"teardown", "--dry-run", "-o", "json"},
	} {
		r := runIn(t, dir, env, args...)
		want := "spk: " + args[0] + ": " + why + "\n"
		if r.code != ExitUsage || r.stderr != want || r.stdout != "" {
			t.Errorf("spk %s: code %d (want 2), stdout %q, stderr:\n%s\nwant exactly:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr, want)
		}
	}
	if got := strings.Join(tableNames(t, srv.URL()), " "); got != all {
		t.Fatalf("a refused teardown deleted tables: %s left of %s", got, all)
	}
	if streams, _ := resourcesOn(t, srv.URL()); len(streams) != 1 {
		t.Fatalf("a refused teardown deleted the stream: %v", streams)
	}

	views("5m")
	r := runIn(t, dir, env, "teardown", "--yes")
	if r.code != 0 || !hasRow(r.stdout, "aggregate table", "my-table-errs", "deleted") {
		t.Fatalf("teardown: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestTeardownFindsTheTablesOfViewsNoLongerConfigured: a view removed from
// spk.yaml leaves the table it made, which teardown finds by its name
// (<table>-<view>) and the tags spk gave it (this app, this stream), and
// deletes with the rest; tables of another app or stream, untagged ones
// and ones named otherwise are not touched.
func TestTeardownFindsTheTablesOfViewsNoLongerConfigured(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	dir := t.TempDir()
	write := func(yaml string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(yaml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const defaultView = "views:\n  - name: default\n    window: {size: 1m}\n    metrics: [count]\n"
	write(defaultView + "  - name: old\n    window: {size: 1m}\n    metrics: [count]\n")
	for _, args := range [][]string{
		{"create-stream"},
		{"run", "--until-caught-up", "--no-tui"},
		{"create-table", "my-table-other-app", "--app", "OtherApp", "--stream", "my-stream"},
		{"create-table", "my-table-other-stream", "--stream", "other-stream"},
		{"create-table", "my-table-no-stream"},
		{"create-table", "counts-copy", "--stream", "my-stream"},
		// The user's own second table, named as a view's and tagged with
		// the app and the stream, but by create-table: no view.
		{"create-table", "my-table-archive", "--stream", "my-stream"},
	} {
		if r := runIn(t, dir, env, args...); r.code != 0 {
			t.Fatalf("spk %s: code %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	_, err := dynamoClient(srv.URL()).CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("my-table-untagged"),
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("BucketStart"), AttributeType: dtypes.ScalarAttributeTypeS}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("BucketStart"), KeyType: dtypes.KeyTypeHash}},
		BillingMode:          dtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	write(defaultView) // the view old is gone; its table is not

	// spk status lists it, as teardown will delete it, and nothing else.
	r := runIn(t, dir, env, "status")
	if r.code != 0 || !regexp.MustCompile(`(?m)^view table\s+my-table-old\s+ACTIVE\s+view old \(removed from spk.yaml; spk teardown deletes this table\), 0 items, PAY_PER_REQUEST$`).MatchString(r.stdout) ||
		strings.Count(r.stdout, "view table") != 1 {
		t.Fatalf("status: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runIn(t, dir, env, "status", "-o", "json")
	var st struct{ Views []map[string]any }
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || len(st.Views) != 1 ||
		st.Views[0]["view"] != "old" || st.Views[0]["name"] != "my-table-old" || st.Views[0]["removed"] != true || st.Views[0]["exists"] != true {
		t.Fatalf("status -o json: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	const why = "view old is no longer configured, and its table is tagged spk-app=StreamingCountsApp, spk-stream=my-stream"
	r = runIn(t, dir, env, "teardown", "--dry-run")
	if r.code != 0 || !regexp.MustCompile(`(?m)^\s+aggregate table\s+my-table-old\s+will be deleted: `+regexp.QuoteMeta(why)+`\n\s+lease table\s+StreamingCountsApp\s+will be deleted\n`).MatchString(r.stdout) ||
		strings.Contains(r.stdout, "other") || strings.Contains(r.stdout, "no-stream") || strings.Contains(r.stdout, "untagged") || strings.Contains(r.stdout, "counts-copy") ||
		strings.Contains(r.stdout, "archive") {
		t.Fatalf("plan: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runIn(t, dir, env, "teardown", "--yes")
	if r.code != 0 || !hasRow(r.stdout, "aggregate table", "my-table-old", "deleted: "+why) {
		t.Fatalf("teardown: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if got := strings.Join(tableNames(t, srv.URL()), " "); got != "counts-copy my-table-archive my-table-no-stream my-table-other-app my-table-other-stream my-table-untagged" {
		t.Fatalf("tables left: %s", got)
	}
}

// TestAViewOfAnotherShapeIsRefusedOverItsTable: a view's window or group
// fields changed over a table that holds its rows mixed the old rows with
// the new ones (a 1m row read as a 5m window), silently; the table carries
// the shape of the view that wrote it, and a view of another shape is
// refused before anything is counted. A changed where or a metric added
// keeps the shape. The tutorial's table, made by create-table, takes the
// shape of its first run.
func TestAViewOfAnotherShapeIsRefusedOverItsTable(t *testing.T) {
	t.Parallel() // waits on processes, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	dir := t.TempDir()
	write := func(view string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte("views:\n  - name: v\n    table: tbv\n"+view), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	items := func(table string) string {
		t.Helper()
		out, err := dynamoClient(srv.URL()).Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(out.Items)
		return string(b)
	}
	write("    group_by: [type]\n    window: {size: 1m}\n    metrics: [count]\n")
	for _, args := range [][]string{{"create-stream"}, {"generate-events", "--count", "50", "--seed", "5", "-o", "json"}, {"run", "--until-caught-up", "--no-tui"}} {
		if r := runIn(t, dir, env, args...); r.code != 0 {
			t.Fatalf("%v: %s", args, r.stderr)
		}
	}
	before := items("tbv")
	groups := func(fields ...string) string { // the digest of the group fields
		h := sha256.New()
		for _, f := range fields {
			h.Write([]byte(f + "\x00"))
		}
		return fmt.Sprintf("%x", h.Sum(nil)[:6])
	}
	for _, c := range []struct{ view, now string }{
		{"    group_by: [type]\n    window: {size: 5m}\n    metrics: [count]\n", "size=5m0s slide=5m0s group_by=" + groups("type")},
		{"    group_by: [type, id]\n    window: {size: 1m}\n    metrics: [count]\n", "size=1m0s slide=1m0s group_by=" + groups("type", "id")},
		{"    group_by: [type]\n    window: {size: 2m, slide: 1m}\n    metrics: [count]\n", "size=2m0s slide=1m0s group_by=" + groups("type")},
	} {
		write(c.view)
		r := runIn(t, dir, env, "run", "--until-caught-up", "--no-tui")
		want := `spk: run: create aggregate table "tbv": table "tbv" holds rows of a view with another window or other group fields (its spk-view-shape tag says size=1m0s slide=1m0s group_by=` +
			groups("type") + "; the view now says " + c.now + "): the rows written now would be mixed up with them\n"
		if r.code != ExitFailure || !strings.HasPrefix(r.stderr, want) ||
			!strings.Contains(r.stderr, "\nhint: give the view a table of its own (table: in spk.yaml, or --table), or delete table tbv to start it afresh\n") {
			t.Fatalf("run over a table of another shape: code %d\n%s", r.code, r.stderr)
		}
		if after := items("tbv"); after != before {
			t.Fatalf("the refused run changed the table:\n%s\nwas\n%s", after, before)
		}
	}
	// A refusal tags no other table: one made by create-table beside it is
	// left without a shape, for a view of any shape to take.
	if r := runIn(t, dir, env, "create-table", "tbw"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	write("    group_by: [type]\n    window: {size: 5m}\n    metrics: [count]\n  - name: w\n    table: tbw\n    window: {size: 5m}\n    metrics: [count]\n")
	if r := runIn(t, dir, env, "run", "--until-caught-up", "--no-tui"); r.code != ExitFailure || !strings.Contains(r.stderr, `table "tbv" holds rows of a view with another window`) {
		t.Fatalf("run refused over tbv: code %d\n%s", r.code, r.stderr)
	}
	ddb := dynamoClient(srv.URL())
	desc, err := ddb.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("tbw")})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := ddb.ListTagsOfResource(context.Background(), &dynamodb.ListTagsOfResourceInput{ResourceArn: desc.Table.TableArn})
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags.Tags {
		if aws.ToString(tag.Key) == "spk-view-shape" {
			t.Fatalf("the refused run tagged tbw with %s", aws.ToString(tag.Value))
		}
	}

	// The same shape, with a filter and a metric added: counted.
	write("    where: type = 'Red'\n    group_by: [type]\n    window: {size: 1m}\n    metrics: [count, distinct:id]\n")
	if r := runIn(t, dir, env, "generate-events", "--count", "10", "--seed", "6", "-o", "json"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runIn(t, dir, env, "run", "--until-caught-up", "--no-tui"); r.code != 0 {
		t.Fatalf("run with a filter and a metric added: code %d\n%s", r.code, r.stderr)
	}

	// The tutorial's own table, made without a view, takes the shape of
	// the run that first counts into it.
	tut := t.TempDir()
	for _, args := range [][]string{{"create-table", "tut", "--app", "TutApp"}, {"run", "--until-caught-up", "--no-tui", "--table", "tut", "--app", "TutApp"}} {
		if r := runIn(t, tut, env, args...); r.code != 0 {
			t.Fatalf("%v: %s", args, r.stderr)
		}
	}
	r := runIn(t, tut, env, "run", "--until-caught-up", "--no-tui", "--table", "tut", "--app", "TutApp", "--window", "5m")
	if r.code == 0 || !strings.Contains(r.stderr, `table "tut" holds rows of a view with another window or other group fields (its spk-view-shape tag says size=1m0s slide=1m0s group_by=`) {
		t.Fatalf("the tutorial's table under another window: code %d\n%s", r.code, r.stderr)
	}
}
