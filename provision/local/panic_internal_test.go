package local

import (
	"bytes"
	"context"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/spk-cli/spk/provision/local/service"
)

// panicky is a service with two more operations: Panic panics before
// answering, PanicLate after the answer has begun.
type panicky struct{ service.Handler }

func (p panicky) Has(op string) bool {
	return op == "Panic" || op == "PanicLate" || p.Handler.Has(op)
}

func (p panicky) ServeOp(w http.ResponseWriter, r *http.Request, op string, body []byte) {
	switch op {
	case "Panic":
		panic("test panic in " + p.Name())
	case "PanicLate":
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		panic("late test panic in " + p.Name())
	}
	p.Handler.ServeOp(w, r, op, body)
}

// logLines is a log destination the test can read while the server writes.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logLines) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

func TestPanicAnswersInternalErrorAndServingGoesOn(t *testing.T) {
	var logs logLines
	opts := DefaultOptions()
	opts.Addr, opts.InMemory = "127.0.0.1:0", true
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	opts.wrap = func(h service.Handler) service.Handler { return panicky{h} }
	srv, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	call := func(target, ct string) (*http.Response, string, error) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL(), strings.NewReader("{}"))
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, string(b), err
	}
	cases := []struct {
		prefix, ct, body string
		crc              bool
	}{
		{"Kinesis_20131202", "application/x-amz-json-1.1", `{"__type":"InternalFailure","message":"Internal Service Failure"}`, false},
		{"DynamoDB_20120810", "application/x-amz-json-1.0", `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`, true},
		{"DynamoDBStreams_20120810", "application/x-amz-json-1.0", `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`, true},
	}
	for i, c := range cases {
		resp, body, err := call(c.prefix+".Panic", c.ct)
		if err != nil {
			t.Fatalf("%s.Panic: %v", c.prefix, err)
		}
		if resp.StatusCode != 500 || body != c.body || resp.Header.Get("Content-Type") != c.ct {
			t.Fatalf("%s.Panic: %d %q %s", c.prefix, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if c.crc && resp.Header.Get("X-Amz-Crc32") != strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10) {
			t.Fatalf("%s.Panic: X-Amz-Crc32 %q does not match the body", c.prefix, resp.Header.Get("X-Amz-Crc32"))
		}
		// Logged once, with the stack.
		if n := logs.count(`msg="operation panicked"`); n != i+1 {
			t.Fatalf("after %s.Panic: %d panic logs, want %d", c.prefix, n, i+1)
		}
		if n := logs.count("panic_internal_test.go"); n != i+1 {
			t.Fatalf("after %s.Panic: the stack names the test file %d times, want %d", c.prefix, n, i+1)
		}
	}

	// A CBOR Kinesis request gets its InternalFailure in CBOR.
	resp, body, err := call("Kinesis_20131202.Panic", "application/x-amz-cbor-1.1")
	if err != nil {
		t.Fatal(err)
	}
	var failure map[string]string
	if err := cbor.Unmarshal([]byte(body), &failure); err != nil || resp.StatusCode != 500 ||
		failure["__type"] != "InternalFailure" || failure["message"] != "Internal Service Failure" || len(failure) != 2 {
		t.Fatalf("CBOR Kinesis.Panic: %d %q %v (%v)", resp.StatusCode, resp.Header.Get("Content-Type"), failure, err)
	}

	// A panic once the answer has begun cannot become an error body: the
	// connection is dropped, as net/http drops it for any panicking handler.
	if _, body, err := call("Kinesis_20131202.PanicLate", "application/x-amz-json-1.1"); err == nil {
		t.Fatalf("PanicLate: the answer completed (%q), want a broken connection", body)
	}
	if n := logs.count(`msg="operation panicked"`); n != len(cases)+2 {
		t.Fatalf("after PanicLate: %d panic logs, want %d", n, len(cases)+2)
	}

	// The endpoint keeps serving, on every service.
	for _, target := range []string{"Kinesis_20131202.ListStreams", "DynamoDB_20120810.ListTables", "DynamoDBStreams_20120810.ListStreams"} {
		ct := "application/x-amz-json-1.0"
		if strings.HasPrefix(target, "Kinesis") {
			ct = "application/x-amz-json-1.1"
		}
		resp, body, err := call(target, ct)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s after the panics: %v %v %s", target, err, resp, body)
		}
	}
	// And counts the panics as what the client saw.
	if got := testCount(t, srv, `spk_local_request_errors_total{error_type="InternalFailure",operation="Panic",service="kinesis"}`); got != "2" {
		t.Fatalf("kinesis Panic errors counted %q, want 2 (one JSON, one CBOR)", got)
	}
}

// testCount is the value of one line of GET /metrics.
func testCount(t *testing.T, srv *Server, series string) string {
	t.Helper()
	resp, err := http.Get(srv.URL() + MetricsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), series+" "); ok {
			return v
		}
	}
	return ""
}
