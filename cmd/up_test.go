package cmd

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/spk-cli/spk/internal/peertest"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/results"
)

// TestUpNonTTYJSON runs spk up without a terminal: it starts the embedded
// endpoint in-process on a free port, runs for a few seconds, and the counts
// in the table equal what was sent.
func TestUpNonTTYJSON(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	addr := closedPort(t)
	env := map[string]string{"SPK_LOCAL_ADDR": addr, "XDG_STATE_HOME": t.TempDir()}
	r := run(t, env, "up", "--in-memory", "--duration", "3s", "--rate", "200", "--output", "json")
	if r.code != 0 {
		t.Fatalf("code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	var result struct {
		Type                           string
		Sent, Counted, Rejected, Total int64
		Rows, Buckets                  int
		CaughtUp                       bool `json:"caught_up"`
	}
	steps := map[int]string{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		switch line["type"] {
		case "step":
			steps[int(line["step"].(float64))] = line["state"].(string)
		case "result":
			if err := json.Unmarshal(sc.Bytes(), &result); err != nil {
				t.Fatal(err)
			}
		}
	}
	for step, want := range map[int]string{2: "done", 3: "done", 4: "done", 5: "done", 6: "skipped", 7: "done", 8: "done", 9: "done"} {
		if steps[step] != want {
			t.Errorf("step %d ended %q, want %q", step, steps[step], want)
		}
	}
	if result.Type != "result" || result.Sent < 100 || result.Counted != result.Sent || result.Total != result.Sent || result.Rejected != 0 || !result.CaughtUp || result.Rows < 1 {
		t.Fatalf("result %+v: want sent = counted = table total, nothing rejected\n%s", result, r.stdout)
	}
}

// TestUpPlainUsesARunningEndpoint runs spk up against an endpoint that is
// already running, then checks the table from outside.
func TestUpPlainUsesARunningEndpoint(t *testing.T) {
	srv := startLocal(t)
	addr := strings.TrimPrefix(srv.URL(), "http://")
	env := map[string]string{"SPK_LOCAL_ADDR": addr, "XDG_STATE_HOME": t.TempDir()}
	r := run(t, env, "up", "--no-tui", "--duration", "2s", "--rate", "100", "--table", "counts")
	if r.code != 0 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		"✓ step 2: endpoint and credentials: using the endpoint already running at " + srv.URL(),
		"- step 6: build Spark with Kinesis support: not needed",
		"✓ step 7: count events (spk run):",
		"spk up: ", "Look further:",
		// The table spk up used, so that these reach what it made.
		"spk show --table counts ", "spk status --table counts ", "spk teardown --table counts ",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stderr)
		}
	}
	rows, err := results.Read(context.Background(), dynamoClient(srv.URL()), results.Query{Table: "counts", Consistent: true})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, row := range rows {
		total += row.Count
	}
	if !strings.Contains(r.stderr, "(total count "+itoa(total)+")") {
		t.Fatalf("table total %d does not match the summary:\n%s", total, r.stderr)
	}
	// The lease table exists and is tagged, so teardown removes all three.
	if r = run(t, env, "teardown", "--yes", "--table", "counts"); r.code != 0 || !hasRow(r.stdout, "lease table", "StreamingCountsApp", "deleted") {
		t.Fatalf("teardown after up: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := dynamoClient(srv.URL()).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("counts")}); err == nil {
		t.Fatal("the aggregate table survived teardown")
	}
}

func TestUpTeardownOnExit(t *testing.T) {
	srv := startLocal(t)
	addr := strings.TrimPrefix(srv.URL(), "http://")
	env := map[string]string{"SPK_LOCAL_ADDR": addr, "XDG_STATE_HOME": t.TempDir()}
	r := run(t, env, "up", "--no-tui", "--duration", "1s", "--teardown")
	if r.code != 0 || !strings.Contains(r.stderr, "Teardown:") || strings.Count(r.stderr, " deleted") != 3 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	if st := statusOf(t, endpointEnv(srv.URL())); st.Stream.Exists || st.Table.Exists || st.LeaseTable.Exists {
		t.Fatalf("left behind: %+v", st)
	}
}

func TestUpRefusesAWSWithoutConfirmation(t *testing.T) {
	env, _, _ := awsFiles(t)
	if r := runWithInput(t, env, testSecret, false, "create-profile", "some-account", "--access-key-id", "AKIAIOSFODNN7EXAMPLE", "--secret-stdin"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	env["AWS_PROFILE"] = "some-account"
	r := run(t, env, "up")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "These cost money") || !strings.Contains(r.stderr, "spk: up: not creating AWS resources without confirmation") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	// What the configuration adds is billed too, and named: a view's table
	// from spk.yaml, an enhanced fan-out consumer.
	conf := filepath.Join(t.TempDir(), "spk.yaml")
	views := "views:\n  - name: default\n    group_by: [type]\n    window: {size: 1m}\n    metrics: [count]\n  - name: hourly\n    group_by: [type]\n    window: {size: 1h}\n    metrics: [count]\n"
	if err := os.WriteFile(conf, []byte(views), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, env, "up", "--config", conf, "--retrieval", "fanout")
	for _, want := range []string{"DynamoDB table my-table-hourly (on-demand, a view's rows)", "an enhanced fan-out consumer StreamingCountsApp of the stream"} {
		if r.code != ExitUsage || !strings.Contains(r.stderr, want) {
			t.Errorf("the warning lacks %q: code %d\n%s", want, r.code, r.stderr)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestUpStoppedDuringSetUpSaysSo: a run refused during set-up (here a
// table of another stream) counted nothing and read nothing: the summary
// says so instead of "the table holds 0 rows", and suggests no teardown,
// which would delete the other stream's table.
func TestUpStoppedDuringSetUpSaysSo(t *testing.T) {
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	if r := run(t, env, "up", "--no-tui", "--duration", "1s", "--stream", "s5", "--table", "tab5", "--app", "App5"); r.code != 0 {
		t.Fatalf("first up: code %d\n%s", r.code, r.stderr)
	}
	r := run(t, env, "up", "--no-tui", "--duration", "1s", "--stream", "s6", "--table", "tab5", "--app", "App6")
	if r.code == 0 || !strings.Contains(r.stderr, "could not read the table: not read: the run stopped before its stream and tables were ready") ||
		strings.Contains(r.stderr, "spk teardown") || strings.Contains(r.stderr, "holds 0 rows") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	// What this run made before it stopped is named, each with the command
	// that deletes it alone; the other stream's table is not among them.
	st := statusOf(t, endpointEnv(srv.URL(), "SPK_STREAM_NAME", "s6", "SPK_TABLE_NAME", "tab5", "SPK_APP", "App6"))
	if st.Stream.Exists != strings.Contains(r.stderr, "  stream s6: delete it with spk aws --app App6 --stream s6 --table tab5 kinesis delete-stream --enforce-consumer-deletion --stream-name s6\n") ||
		st.LeaseTable.Exists != strings.Contains(r.stderr, "  table App6: delete it with spk aws --app App6 --stream s6 --table tab5 dynamodb delete-table --table-name App6\n") ||
		strings.Contains(r.stderr, "table tab5: delete") || strings.Contains(r.stderr, "AWS bills") {
		t.Fatalf("stream s6 exists %v, lease table App6 %v; the summary says:\n%s", st.Stream.Exists, st.LeaseTable.Exists, r.stderr)
	}
}

// TestUpRefusesAnotherProgramAtTheEmbeddedAddress: something else holding
// spk local's address (a web server here) is not taken for it.
func TestUpRefusesAnotherProgramAtTheEmbeddedAddress(t *testing.T) {
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	addr := strings.TrimPrefix(other.URL, "http://")
	r := run(t, map[string]string{"SPK_LOCAL_ADDR": addr}, "up", "--no-tui", "--in-memory", "--duration", "1s")
	if r.code == 0 || !strings.Contains(r.stderr, "http://"+addr+" answers, but not as spk local: another program holds the embedded endpoint's address; stop it, or give spk up another --addr") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
}

// TestUpTellsAStalledEndpointFromAnotherProgram: an endpoint at spk
// local's address that takes connections but does not answer (a spk
// local stopped with Ctrl-Z, or hung) is told as such, not as another
// program holding the address.
func TestUpTellsAStalledEndpointFromAnotherProgram(t *testing.T) {
	addr := strings.TrimPrefix(peertest.Silent(t), "http://") // accepts every connection, answers nothing
	r := run(t, map[string]string{"SPK_LOCAL_ADDR": addr}, "up", "--no-tui", "--in-memory", "--duration", "1s")
	if r.code == 0 || !strings.Contains(r.stderr, "http://"+addr+" takes connections but does not answer spk local's health check") || strings.Contains(r.stderr, "another program") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
}

// TestUpTellsAnotherProtocolFromAStall: a program at spk local's address
// that answers in another protocol (an SSH banner) or closes at once is
// another program, not a stalled spk local.
func TestUpTellsAnotherProtocolFromAStall(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n")
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	r := run(t, map[string]string{"SPK_LOCAL_ADDR": addr}, "up", "--no-tui", "--in-memory", "--duration", "1s")
	if r.code == 0 || !strings.Contains(r.stderr, "http://"+addr+" answers, but not as spk local: another program holds the embedded endpoint's address") {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
}

// TestUpSaysTheEndpointIsAnotherRuns: an endpoint another spk up started
// stops when that run ends; a second run using it is told so, and how to
// share one.
func TestUpSaysTheEndpointIsAnotherRuns(t *testing.T) {
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, StartedBy: "spk up",
		CreateDelay: 150 * time.Millisecond, DeleteDelay: 150 * time.Millisecond, UpdateDelay: 150 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	env := map[string]string{"SPK_LOCAL_ADDR": strings.TrimPrefix(srv.URL(), "http://"), "XDG_STATE_HOME": t.TempDir()}
	r := run(t, env, "up", "--no-tui", "--duration", "1s", "--rate", "50")
	want := "✓ step 2: endpoint and credentials: using the endpoint another spk up (pid " + strconv.Itoa(os.Getpid()) + ") started at " + srv.URL() +
		": it stops when that run ends; for an endpoint runs share, start spk local"
	if r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("code %d, want %q in:\n%s", r.code, want, r.stderr)
	}
}
