package local_test

import (
	"bufio"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	local "github.com/spk-cli/spk/provision/local"
)

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape reads GET /metrics, unsigned, into its samples.
func scrape(t *testing.T, srv *local.Server) []sample {
	t.Helper()
	resp, body := get(t, http.MethodGet, srv.URL()+local.MetricsPath)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var out []sample
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		head, val, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("bad metrics line %q", line)
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			t.Fatalf("bad value in %q: %v", line, err)
		}
		s := sample{name: head, labels: map[string]string{}, value: v}
		if name, rest, ok := strings.Cut(head, "{"); ok {
			s.name = name
			for _, pair := range strings.Split(strings.TrimSuffix(rest, "}"), ",") {
				k, v, _ := strings.Cut(pair, "=")
				s.labels[k] = strings.Trim(v, `"`)
			}
		}
		out = append(out, s)
	}
	return out
}

// value is the sample with that name and labels; missing counts as 0.
func value(samples []sample, name string, labels ...string) float64 {
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, s := range samples {
		if s.name == name && maps.Equal(s.labels, want) {
			return s.value
		}
	}
	return 0
}

// api sends one unsigned-endpoint API request and returns its status.
func api(t *testing.T, srv *local.Server, target, body string) int {
	t.Helper()
	ct := "application/x-amz-json-1.1"
	if strings.HasPrefix(target, "DynamoDB") {
		ct = "application/x-amz-json-1.0"
	}
	resp, b := post(t, srv.URL(), map[string]string{"X-Amz-Target": target, "Content-Type": ct, "Authorization": fakeAuth}, []byte(body))
	if testing.Verbose() {
		t.Logf("%s: %d %s", target, resp.StatusCode, b)
	}
	if resp.StatusCode >= 500 {
		t.Fatalf("%s: %d %s", target, resp.StatusCode, b)
	}
	return resp.StatusCode
}

func TestMetricsCountRequests(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.CreateDelay = -1 })
	send := func(n int, target, body string, status int) {
		for range n {
			if got := api(t, srv, target, body); got != status {
				t.Fatalf("%s %s answered %d, want %d", target, body, got, status)
			}
		}
	}
	send(1, "Kinesis_20131202.CreateStream", `{"StreamName":"m","ShardCount":2}`, 200)
	send(3, "Kinesis_20131202.ListStreams", `{}`, 200)
	send(2, "Kinesis_20131202.DescribeStream", `{"StreamName":"nope"}`, 400)
	send(1, "Kinesis_20131202.NoSuchOp", `{}`, 400)
	send(1, "DynamoDB_20120810.CreateTable", `{"TableName":"tab","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`, 200)
	for i := range 4 {
		send(1, "DynamoDB_20120810.PutItem", fmt.Sprintf(`{"TableName":"tab","Item":{"pk":{"S":"k%d"}}}`, i), 200)
	}
	send(2, "DynamoDB_20120810.GetItem", `{"TableName":"missing","Key":{"pk":{"S":"k"}}}`, 400)
	send(1, "DynamoDBStreams_20120810.ListStreams", `{}`, 200)

	m := scrape(t, srv)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"spk_local_requests_total", []string{"service", "kinesis", "operation", "CreateStream", "code", "2xx"}, 1},
		{"spk_local_requests_total", []string{"service", "kinesis", "operation", "ListStreams", "code", "2xx"}, 3},
		{"spk_local_requests_total", []string{"service", "kinesis", "operation", "DescribeStream", "code", "4xx"}, 2},
		{"spk_local_requests_total", []string{"service", "kinesis", "operation", "unknown", "code", "4xx"}, 1},
		{"spk_local_requests_total", []string{"service", "dynamodb", "operation", "PutItem", "code", "2xx"}, 4},
		{"spk_local_requests_total", []string{"service", "dynamodb", "operation", "GetItem", "code", "4xx"}, 2},
		{"spk_local_requests_total", []string{"service", "dynamodbstreams", "operation", "ListStreams", "code", "2xx"}, 1},
		{"spk_local_request_errors_total", []string{"service", "kinesis", "operation", "DescribeStream", "error_type", "ResourceNotFoundException"}, 2},
		{"spk_local_request_errors_total", []string{"service", "kinesis", "operation", "unknown", "error_type", "UnknownOperationException"}, 1},
		{"spk_local_request_errors_total", []string{"service", "dynamodb", "operation", "GetItem", "error_type", "ResourceNotFoundException"}, 2},
		{"spk_local_request_duration_seconds_count", []string{"service", "kinesis", "operation", "ListStreams"}, 3},
		{"spk_local_request_duration_seconds_count", []string{"service", "dynamodb", "operation", "PutItem"}, 4},
		{"spk_local_requests_in_flight", nil, 0},
		{"spk_local_kinesis_streams", nil, 1},
		{"spk_local_kinesis_open_shards", nil, 2},
		{"spk_local_dynamodb_tables", nil, 1},
		{"spk_local_dynamodb_items", nil, 4},
	} {
		if got := value(m, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	var total float64
	for _, s := range m {
		if s.name == "spk_local_requests_total" {
			total += s.value
		}
	}
	if total != 15 {
		t.Errorf("requests counted %v, want the 15 sent (scrapes are not API requests)", total)
	}
	if value(m, "spk_local_store_bytes") <= 0 {
		t.Errorf("spk_local_store_bytes missing or zero")
	}
}

func TestMetricsCountThrottledAndInFlight(t *testing.T) {
	open := start(t, func(o *local.Options) { o.MaxConcurrentRequests, o.SlotWait = 1, -1 })
	finish := holdSlot(t, open.Addr(), 10)
	if got := api(t, open, "Kinesis_20131202.ListStreams", "{}"); got != 400 {
		t.Fatalf("past the bound: %d, want 400", got)
	}
	if got := api(t, open, "DynamoDB_20120810.ListTables", "{}"); got != 400 {
		t.Fatalf("past the bound: %d, want 400", got)
	}
	m := scrape(t, open)
	if got := value(m, "spk_local_requests_in_flight"); got != 1 {
		t.Errorf("in flight while a slot is held: %v, want 1", got)
	}
	for _, svc := range []string{"kinesis", "dynamodb"} {
		if got := value(m, "spk_local_throttled_requests_total", "service", svc); got != 1 {
			t.Errorf("%s throttled: %v, want 1", svc, got)
		}
	}
	if got := value(m, "spk_local_request_errors_total", "service", "dynamodb", "operation", "ListTables", "error_type", "ThrottlingException"); got != 1 {
		t.Errorf("dynamodb ThrottlingException errors: %v, want 1", got)
	}
	if status := finish(); status != 200 {
		t.Fatalf("the held request answered %d", status)
	}
	m = scrape(t, open)
	if got := value(m, "spk_local_requests_in_flight"); got != 0 {
		t.Errorf("in flight once answered: %v, want 0", got)
	}

	// Metrics need no signature on a keyed endpoint either.
	resp, _ := get(t, http.MethodGet, keyed(t, nil).URL()+local.MetricsPath)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics on a keyed endpoint: %d", resp.StatusCode)
	}
}

func TestMetricsCountDurableCommitsAndLogSyncs(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.CreateDelay, o.InMemory, o.DataDir = -1, false, t.TempDir() })
	if got := api(t, srv, "DynamoDB_20120810.CreateTable", `{"TableName":"tab","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`); got != 200 {
		t.Fatalf("CreateTable: %d", got)
	}
	// The table turns ACTIVE in a commit of its own, after CreateTable
	// returned: the first PutItem that succeeds comes after it.
	deadline := time.Now().Add(30 * time.Second)
	for api(t, srv, "DynamoDB_20120810.PutItem", `{"TableName":"tab","Item":{"pk":{"S":"first"}}}`) != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the table never became ACTIVE")
		}
		time.Sleep(5 * time.Millisecond)
	}
	before := scrape(t, srv)
	for i := range 5 {
		if got := api(t, srv, "DynamoDB_20120810.PutItem", fmt.Sprintf(`{"TableName":"tab","Item":{"pk":{"S":"k%d"}}}`, i)); got != 200 {
			t.Fatalf("PutItem: %d", got)
		}
	}
	after := scrape(t, srv)
	// One client, one write at a time: each PutItem is a commit group of
	// its own, synced once in the log.
	for _, name := range []string{"spk_local_store_log_syncs_total", "spk_local_store_commits_total"} {
		if got := value(after, name) - value(before, name); got != 5 {
			t.Errorf("%s grew by %v over 5 PutItems, want 5", name, got)
		}
	}
	if value(after, "spk_local_store_checkpoints_total") < 1 {
		t.Errorf("spk_local_store_checkpoints_total = %v, want the one made at start", value(after, "spk_local_store_checkpoints_total"))
	}
}
