package generate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
)

// TestTemplateEdgesReachTheStream: events a template renders empty are
// sent (Kinesis takes empty data; a nil one the SDK refused, and the run
// retried it for ever), a template's own trailing newline is kept (only
// the file's last line ending goes), and a partition key is cut to 256
// UTF-16 units, as Kinesis counts them.
func TestTemplateEdgesReachTheStream(t *testing.T) {
	t.Parallel() // its own stream
	ep := startEndpoint(t)
	c := ep.client(nil)
	dir := t.TempDir()
	emoji := strings.Repeat("😀", 130) // 260 UTF-16 units
	for name, tc := range map[string]struct {
		text, key string
		want      []string
	}{
		"empty first":          {text: "{{if eq (seq) 0}}{{else}}x{{end}}\n", want: []string{"", "x", "x"}},
		"a newline of its own": {text: "y\n\n", want: []string{"y\n", "y\n", "y\n"}},
		"a long key":           {text: `{"u":"` + emoji + `"}` + "\n", key: "field:u", want: slices.Repeat([]string{`{"u":"` + emoji + `"}`}, 3)},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".tmpl")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			stream := newStreamName(t)
			createStream(t, c, stream, 1)
			sum, err := Run(context.Background(), c, Options{StreamName: stream, Template: path, Count: 3, Batch: 3, PartitionKey: tc.key}, &bytes.Buffer{})
			if err != nil || sum.Acknowledged != 3 {
				t.Fatalf("run: %+v %v, want 3 acknowledged", sum, err)
			}
			var got []string
			for _, r := range drainStream(t, c, stream) {
				got = append(got, string(r.data))
				if tc.key != "" && r.partitionKey != strings.Repeat("😀", 128) {
					t.Errorf("partition key of %d bytes, want 128 emoji (256 UTF-16 units)", len(r.partitionKey))
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("records %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTerminalErrors(t *testing.T) {
	for _, c := range []struct {
		name     string
		err      error
		terminal bool
	}{
		{"the stream's KMS key is throttled", &types.KMSThrottlingException{Message: new(string)}, false},
		{"a request the SDK would not send", sdkRefused(), true},
		{"a missing stream", &types.ResourceNotFoundException{}, true},
		{"transport trouble", errors.New("connection reset"), false},
		{"refused credentials", &smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}, true},
		{"a bad signature", &smithy.GenericAPIError{Code: "InvalidSignatureException", Message: "The request signature we calculated does not match"}, true},
		{"expired credentials", &smithy.GenericAPIError{Code: "ExpiredTokenException", Message: "The security token included in the request is expired"}, true},
		{"a stall", &stalledError{after: time.Minute, err: errors.New("connection refused")}, true},
	} {
		if got := terminal(c.err); got != c.terminal {
			t.Errorf("%s: terminal %v, want %v", c.name, got, c.terminal)
		}
	}
}

func TestFixedKeyLengthIsCountedInUTF16Units(t *testing.T) {
	if _, err := parsePartitionKey("fixed:" + strings.Repeat("😀", 129)); err == nil {
		t.Fatal("a fixed key of 258 UTF-16 units was taken")
	}
	if _, err := parsePartitionKey("fixed:" + strings.Repeat("😀", 128)); err != nil {
		t.Fatalf("a fixed key of 256 UTF-16 units: %v", err)
	}
	if _, err := newWeighted([]string{"Red=Inf", "Green=1"}, true); err == nil {
		t.Fatal("an infinite weight was taken")
	}
}

// sdkRefused is the error the SDK returns for a request its own checks
// refuse before sending it.
func sdkRefused() error {
	params := smithy.InvalidParamsError{Context: "PutRecordsInput"}
	params.Add(smithy.NewErrParamRequired("Records[0].Data"))
	return &smithy.OperationError{ServiceID: "Kinesis", OperationName: "PutRecords", Err: params}
}

// TestArgumentsOfEveryEventDoNotGrowTheCache: template arguments that change
// with every event are parsed each time, not kept without bound.
func TestArgumentsOfEveryEventDoNotGrowTheCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.tmpl")
	if err := os.WriteFile(path, []byte(`{"o":"{{choice (printf "order-%d" seq) "none=3"}}"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := NewGenerator(Options{Template: path})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 * maxWeightedCache {
		if _, err := g.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(g.cache); n > maxWeightedCache {
		t.Fatalf("%d argument lists kept, want at most %d", n, maxWeightedCache)
	}
}

// TestATemplateFailingMidRunSendsWhatCameBefore: a template that fails to
// render at some event stops the run there, and the events rendered before
// it are sent; they were failed with it, as after a missing stream.
func TestATemplateFailingMidRunSendsWhatCameBefore(t *testing.T) {
	t.Parallel() // its own stream
	ep := startEndpoint(t)
	c := ep.client(nil)
	path := filepath.Join(t.TempDir(), "mid.tmpl")
	if err := os.WriteFile(path, []byte(`{"n": {{seq}}{{if eq (seq) 7}}{{.Nope}}{{end}}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stream := newStreamName(t)
	createStream(t, c, stream, 1)
	sum, err := Run(context.Background(), c, Options{StreamName: stream, Template: path, Count: 20, Batch: 5}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "generate events: ") || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("run: %v, want the template's error", err)
	}
	if sum.Generated != 7 || sum.Acknowledged != 7 || sum.Failed != 0 {
		t.Fatalf("summary %+v, want the 7 events before the failing one generated and acknowledged", sum)
	}
	if got := len(drainStream(t, c, stream)); got != 7 {
		t.Fatalf("%d records in the stream, want 7", got)
	}
}
