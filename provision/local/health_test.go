package local_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	local "github.com/spk-cli/spk/provision/local"
)

// get sends an unsigned GET (or HEAD) and returns the answer and its body.
func get(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// decodeObject decodes a JSON object and checks its keys are exactly want.
func decodeObject(t *testing.T, body string, want ...string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, body)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v: %s", keys, want, body)
	}
	return m
}

var allRunning = map[string]any{"kinesis": "running", "dynamodb": "running", "dynamodbstreams": "running"}

func TestHealthOnKeyedEndpointWithoutSignature(t *testing.T) {
	dir := t.TempDir()
	srv := keyed(t, func(o *local.Options) { o.InMemory, o.DataDir, o.StartedBy = false, dir, "spk local" })

	resp, body := get(t, http.MethodGet, srv.URL()+local.HealthPath)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %d %q %s", local.HealthPath, resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	m := decodeObject(t, body, "services", "version", "uptime_seconds", "started_by", "pid", "storage", "data_dir", "store")
	if !reflect.DeepEqual(m["services"], allRunning) {
		t.Fatalf("services %v", m["services"])
	}
	if v, ok := m["version"].(string); !ok || v == "" {
		t.Fatalf("version %#v, want a non-empty string", m["version"])
	}
	if u, ok := m["uptime_seconds"].(float64); !ok || u < 0 {
		t.Fatalf("uptime_seconds %#v, want a number >= 0", m["uptime_seconds"])
	}
	if m["started_by"] != "spk local" || m["pid"] != float64(os.Getpid()) {
		t.Fatalf("started_by %v, pid %v; want spk local, %d", m["started_by"], m["pid"], os.Getpid())
	}
	if m["storage"] != "durable" || m["data_dir"] != dir || m["store"] != "ok" {
		t.Fatalf("storage %v, data_dir %v, store %v; want durable, %s, ok", m["storage"], m["data_dir"], m["store"], dir)
	}
	if strings.Contains(body, testSecret) || strings.Contains(body, testKey) {
		t.Fatalf("health reveals the keys: %s", body)
	}

	// HEAD: the same status and headers, no body.
	head, hbody := get(t, http.MethodHead, srv.URL()+local.HealthPath)
	if head.StatusCode != 200 || hbody != "" || head.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("HEAD %s: %d %q %q", local.HealthPath, head.StatusCode, head.Header.Get("Content-Type"), hbody)
	}

	// The API itself still wants a signature.
	resp, body = post(t, srv.URL(), map[string]string{"X-Amz-Target": "Kinesis_20131202.ListStreams", "Content-Type": "application/x-amz-json-1.1"}, []byte("{}"))
	if resp.StatusCode != 403 {
		t.Fatalf("unsigned API request: %d %s", resp.StatusCode, body)
	}
}

func TestHealthInMemory(t *testing.T) {
	srv := start(t, nil)
	_, body := get(t, http.MethodGet, srv.URL()+local.HealthPath)
	m := decodeObject(t, body, "services", "version", "uptime_seconds", "pid", "storage", "store")
	if m["storage"] != "memory" {
		t.Fatalf("storage %v, want memory", m["storage"])
	}
}

func TestLocalStackHealth(t *testing.T) {
	srv := keyed(t, nil)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		resp, body := get(t, method, srv.URL()+local.LocalStackHealthPath)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("%s %s: %d %q %s", method, local.LocalStackHealthPath, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if method == http.MethodHead {
			if body != "" {
				t.Fatalf("HEAD answered a body: %q", body)
			}
			continue
		}
		m := decodeObject(t, body, "services", "edition", "version")
		if !reflect.DeepEqual(m["services"], allRunning) || m["edition"] != "spk" {
			t.Fatalf("services %v, edition %v", m["services"], m["edition"])
		}
		if v, ok := m["version"].(string); !ok || v == "" {
			t.Fatalf("version %#v, want a non-empty string", m["version"])
		}
	}
}

func TestGetRootPointsAtHealth(t *testing.T) {
	srv := keyed(t, nil)
	resp, body := get(t, http.MethodGet, srv.URL()+"/")
	want := "spk local: Kinesis, DynamoDB and DynamoDB Streams. AWS API requests are POSTs to /; health: GET /_spk/health; metrics: GET /metrics\n"
	if resp.StatusCode != 200 || body != want || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("GET /: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	// A GET that is an API request is still refused as one.
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/", nil)
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET / with X-Amz-Target: %d, want 405", r2.StatusCode)
	}
}
