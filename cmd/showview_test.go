package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/examples"
	"github.com/spk-cli/spk/stream/accesslog"
	"github.com/spk-cli/spk/stream/view"
)

// accessLines are a few minutes of an access log, fixed.
func accessLines() []string {
	ips := []string{"203.0.113.9", "198.51.100.23", "203.0.113.9", "192.0.2.77"}
	paths := []string{"/", "/index.html", "/", "/static/app.js", "/cart"}
	statuses := []int{200, 200, 404, 200, 304, 200, 503}
	var out []string
	for i := range 40 {
		size := strconv.Itoa(300 + (i*4271)%60000)
		if statuses[i%len(statuses)] == 304 {
			size = "-"
		}
		out = append(out, fmt.Sprintf(`%s - - [05/Jun/2015:12:%02d:%02d +0000] "GET %s HTTP/1.1" %d %s "-" "curl/8.5.0"`,
			ips[i%len(ips)], 54+i/15, i%60, paths[i%len(paths)], statuses[i%len(statuses)], size))
	}
	return out
}

// seedView creates the view's table and writes its rows from lines with the
// view's codec, as spk run writes them (with a watermark show must not print).
func seedView(t *testing.T, url string, def view.Definition, lines []string) {
	t.Helper()
	if r := run(t, endpointEnv(url), "create-table", def.Table); r.code != 0 {
		t.Fatal(r.stderr)
	}
	v, err := view.Compile(def)
	if err != nil {
		t.Fatal(err)
	}
	accs := map[[2]string]*view.Acc{}
	for _, l := range lines {
		e, err := accesslog.Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := v.Keys(e, e.Time())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			id := [2]string{k.Start, k.Group}
			if accs[id] == nil {
				accs[id] = v.NewAcc()
			}
			if err := accs[id].Observe(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	db := dynamoClient(url)
	for id, acc := range accs {
		item, err := acc.Item()
		if err != nil {
			t.Fatal(err)
		}
		item["BucketStart"] = &dtypes.AttributeValueMemberS{Value: id[0]}
		item["EventType"] = &dtypes.AttributeValueMemberS{Value: id[1]}
		item["CreatedAt"] = &dtypes.AttributeValueMemberS{Value: id[0][:19] + ".120Z"}
		item["UpdatedAt"] = &dtypes.AttributeValueMemberS{Value: id[0][:17] + "59.870Z"}
		item["spk_wm_shardId-000000000000"] = &dtypes.AttributeValueMemberS{Value: "056000"}
		item["spk_ver"] = &dtypes.AttributeValueMemberN{Value: "3"}
		if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(def.Table), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
}

func weblogDef(t *testing.T, name string) view.Definition {
	for _, d := range examples.Weblog("my-table") {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no view %s", name)
	return view.Definition{}
}

func TestShowViewGolden(t *testing.T) {
	srv := startLocal(t)
	lines := accessLines()
	for _, name := range []string{"weblog-status", "weblog-bytes", "weblog-paths", "weblog-ips"} {
		seedView(t, srv.URL(), weblogDef(t, name), lines)
	}
	env := endpointEnv(srv.URL())
	cases := []struct {
		name string
		args []string
	}{
		{"status_table", []string{"show", "--view", "weblog-status"}},
		{"status_chart", []string{"show", "--view", "weblog-status", "--chart"}},
		{"status_filtered", []string{"show", "--view", "weblog-status", "--type", "503", "--since", "2015-06-05T12:55"}},
		{"bytes_table", []string{"show", "--view", "weblog-bytes"}},
		{"bytes_json", []string{"show", "--view", "weblog-bytes", "-o", "json"}},
		{"bytes_csv", []string{"show", "--view", "weblog-bytes", "-o", "csv"}},
		{"bytes_chart", []string{"show", "--view", "weblog-bytes", "--chart"}},
		{"paths_table", []string{"show", "--view", "weblog-paths", "--limit", "2"}},
		{"ips_min_count", []string{"show", "--view", "weblog-ips", "--min-count", "4"}},
		{"ips_json", []string{"show", "--view", "weblog-ips", "--min-count", "4", "-o", "json"}},
		{"ips_chart", []string{"show", "--view", "weblog-ips", "--min-count", "4", "--chart"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, env, c.args...)
			if r.code != 0 {
				t.Fatalf("code %d\n%s", r.code, r.stderr)
			}
			if strings.Contains(r.stdout, "spk_") {
				t.Fatal("bookkeeping attributes leaked into the output")
			}
			golden := filepath.Join("testdata", "show", "view_"+c.name+".golden")
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

	// The JSON against a recount of the lines by hand.
	r := run(t, env, "show", "--view", "weblog-bytes", "-o", "json")
	var got []struct {
		BucketStart string
		Metrics     map[string]json.Number
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	type agg struct{ n, sum, lo, hi int64 }
	want := map[string]*agg{}
	for _, l := range lines {
		f := strings.Fields(l)
		b := "2015-06-05T12:" + f[3][16:18] + ":00.000"
		size, _ := strconv.ParseInt(strings.TrimPrefix(f[9], "-"), 10, 64)
		a := want[b]
		if a == nil {
			a = &agg{lo: size, hi: size}
			want[b] = a
		}
		a.n++
		a.sum += size
		a.lo, a.hi = min(a.lo, size), max(a.hi, size)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for _, g := range got {
		w := want[g.BucketStart]
		m := g.Metrics
		if m["count"].String() != fmt.Sprint(w.n) || m["sum:bytes"].String() != fmt.Sprint(w.sum) ||
			m["min:bytes"].String() != fmt.Sprint(w.lo) || m["max:bytes"].String() != fmt.Sprint(w.hi) {
			t.Errorf("%s: %v, want %+v", g.BucketStart, m, *w)
		}
	}
}

// TestShowDefaultView: --view default is the tutorial's output, byte for byte.
func TestShowDefaultView(t *testing.T) {
	srv := startLocal(t)
	seedCounts(t, srv.URL())
	env := endpointEnv(srv.URL())
	for _, args := range [][]string{{}, {"-o", "json"}, {"-o", "csv"}, {"--chart"}} {
		plain := run(t, env, append([]string{"show"}, args...)...)
		named := run(t, env, append([]string{"show", "--view", "default"}, args...)...)
		if plain.code != 0 || named.code != 0 || plain.stdout != named.stdout {
			t.Errorf("show %v: --view default differs:\n%s\n%s%s", args, plain.stdout, named.stdout, named.stderr)
		}
	}
}

func TestShowViewErrors(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"show", "--view", "nope"}, ExitUsage,
			`spk: show: view "nope" is not known: use --view with one of default, weblog-status, weblog-bytes, weblog-paths, weblog-ips` + "\n"},
		{[]string{"show", "--min-count", "3"}, ExitUsage,
			"spk: show: --min-count filters top lists, which the tutorial's counts have none of: add --view with a view that has a top metric, such as --view weblog-ips\n"},
		{[]string{"show", "--view", "weblog-ips", "-o", "xml"}, ExitUsage, `spk: invalid value "xml" for --output: expected table, json or csv`},
		{[]string{"show", "--view", "weblog-ips"}, ExitFailure,
			"hint: table my-table-weblog-ips of view weblog-ips does not exist yet: run the view with spk run, or spk up --example weblog for the weblog views\n"},
	} {
		r := run(t, env, c.args...)
		ok := strings.Contains(r.stderr, c.want)
		if strings.HasSuffix(c.want, "\n") && c.code == ExitUsage {
			ok = r.stderr == c.want
		}
		if r.code != c.code || !ok || r.stdout != "" {
			t.Errorf("%v: code %d, stdout %q\n%s", c.args, r.code, r.stdout, r.stderr)
		}
	}
	tables, err := dynamoClient(srv.URL()).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 0 {
		t.Fatalf("show created tables: %v %v", tables.TableNames, err)
	}
}

// TestShowViewsAsSpkRunNamesTheirTables: spk show --view reads the table spk
// run writes: a lone configured view writes the run's table, whatever the
// built-in examples are called; and a default view given other metrics is
// shown as the view it is, not as the tutorial's counts.
func TestShowViewsAsSpkRunNamesTheirTables(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	lines := accessLines()

	lone := t.TempDir()
	yaml := "views:\n  - name: big\n    group_by: [path]\n    window: {size: 1m}\n    metrics: [count, max:bytes]\n"
	if err := os.WriteFile(filepath.Join(lone, "spk.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	big := view.Definition{Name: "big", Table: "my-table", GroupBy: []string{"path"}, Window: view.Window{Size: time.Minute}, Metrics: []string{"count", "max:bytes"}}
	seedView(t, srv.URL(), big, lines)
	r := runIn(t, lone, env, "show", "--view", "big", "-o", "csv")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "BucketStart,path,count,max:bytes,") {
		t.Fatalf("a lone view: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	custom := map[string]string{"SPK_RUN_GROUP_BY": "status", "SPK_RUN_METRICS": "count,avg:bytes", "SPK_TABLE_NAME": "custom-counts"}
	for k, v := range env {
		custom[k] = v
	}
	def := view.Definition{Name: "default", Table: "custom-counts", GroupBy: []string{"status"}, Window: view.Window{Size: time.Minute}, Metrics: []string{"count", "avg:bytes"}}
	seedView(t, srv.URL(), def, lines)
	r = run(t, custom, "show", "--view", "default", "-o", "csv")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "BucketStart,status,count,avg:bytes,") {
		t.Fatalf("a default view of other metrics: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Without --view, spk show shows what the same settings make spk run
	// write, not the tutorial's counts.
	if r2 := run(t, custom, "show", "-o", "csv"); r2.code != 0 || r2.stdout != r.stdout {
		t.Fatalf("without --view: code %d\n%s%s\nwant the view's rows:\n%s", r2.code, r2.stdout, r2.stderr, r.stdout)
	}
}

// TestShowViewAfterAMetricWasAdded: rows a view wrote before a metric was
// added to it lack that metric; spk show --view still shows the table, with
// the metric empty in those rows, where it refused the table as not the
// view's.
func TestShowViewAfterAMetricWasAdded(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	dir := t.TempDir()
	yaml := "views:\n  - name: grown\n    table: grown-rows\n    group_by: [path]\n    window: {size: 1m}\n    metrics: [count, sum:bytes]\n"
	if err := os.WriteFile(filepath.Join(dir, "spk.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	// The rows as the view wrote them when it only counted.
	before := view.Definition{Name: "grown", Table: "grown-rows", GroupBy: []string{"path"}, Window: view.Window{Size: time.Minute}, Metrics: []string{"count"}}
	seedView(t, srv.URL(), before, accessLines())
	r := runIn(t, dir, env, "show", "--view", "grown", "-o", "csv")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "BucketStart,path,count,sum:bytes,CreatedAt,UpdatedAt\n") || !strings.Contains(r.stdout, "2015-06-05T12:54:00.000,/,") {
		t.Fatalf("show --view after a metric was added: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The sum of what the row saw while it was not summed: nothing.
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n")[1:] {
		if cells := strings.Split(line, ","); len(cells) != 6 || cells[3] != "0" {
			t.Fatalf("a row written before sum:bytes was added: %q", line)
		}
	}

	// In the tutorial's own table, rows of Count alone are the tutorial's
	// counts as much as such a view's: refused, with the hint to show them
	// without --view.
	seedCounts(t, srv.URL())
	shared := t.TempDir()
	yaml = "views:\n  - name: perpath\n    group_by: [path]\n    window: {size: 1m}\n    metrics: [count, sum:bytes]\n"
	if err := os.WriteFile(filepath.Join(shared, "spk.yaml"), []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runIn(t, shared, env, "show", "--view", "perpath", "-o", "csv")
	want := "spk: show: table my-table does not hold view perpath: its rows lack bytes_sum, which view perpath writes\n" +
		"hint: it holds the tutorial's counts: show them without --view, or give --view the view that wrote them; a view that writes into the tutorial's table should have its own (table: in spk.yaml)\n"
	if r.code != ExitUsage || r.stderr != want || r.stdout != "" {
		t.Fatalf("the tutorial's counts read as a view: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// The same view's row written since it gained sum:bytes settles it,
	// wherever it lies past the rows spk show samples first (30 earlier
	// rows of Count alone here, more than the sample).
	for i := range 30 {
		if _, err := dynamoClient(srv.URL()).PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("my-table"), Item: map[string]dtypes.AttributeValue{
			"BucketStart": &dtypes.AttributeValueMemberS{Value: fmt.Sprintf("2015-06-05T10:%02d:00.000", i)}, "EventType": &dtypes.AttributeValueMemberS{Value: "/"},
			"Count": &dtypes.AttributeValueMemberN{Value: "1"},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dynamoClient(srv.URL()).PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("my-table"), Item: map[string]dtypes.AttributeValue{
		"BucketStart": &dtypes.AttributeValueMemberS{Value: "2015-06-05T13:10:00.000"}, "EventType": &dtypes.AttributeValueMemberS{Value: "/"},
		"Count": &dtypes.AttributeValueMemberN{Value: "2"}, "bytes_sum": &dtypes.AttributeValueMemberN{Value: "300"},
	}}); err != nil {
		t.Fatal(err)
	}
	r = runIn(t, shared, env, "show", "--view", "perpath", "-o", "csv")
	if r.code != 0 || !strings.Contains(r.stdout, "2015-06-05T13:10:00.000,/,2,300") {
		t.Fatalf("a lone view that gained a metric in the tutorial's table: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
