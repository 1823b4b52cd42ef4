package local_test

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	local "github.com/spk-cli/spk/provision/local"
)

// fuzzTargets are operations that answer at once (no event streams, no
// waits), so a fuzzed request cannot hold the fuzzer.
var fuzzTargets = []string{
	"Kinesis_20131202.ListStreams", "Kinesis_20131202.PutRecord", "Kinesis_20131202.PutRecords",
	"Kinesis_20131202.DescribeStreamSummary", "DynamoDB_20120810.ListTables", "DynamoDB_20120810.PutItem",
	"DynamoDB_20120810.GetItem", "DynamoDB_20120810.Query", "DynamoDBStreams_20120810.ListStreams",
	"Nope_2020.Do", "",
}

// FuzzRequest feeds the endpoint's request path (authentication from the
// headers, the size and budget checks, the body read, dispatch) arbitrary
// targets, Authorization headers, declared lengths and bodies, on a keyless
// and a keyed endpoint. It never panics; every refusal is a JSON error with
// a __type; every DynamoDB answer carries the CRC-32 of its body.
func FuzzRequest(f *testing.F) {
	f.Add(uint8(0), false, fakeAuth, int64(2), []byte("{}"))
	f.Add(uint8(1), false, fakeAuth, int64(-1), []byte(`{"StreamName":"s","PartitionKey":"p","Data":"AA=="}`))
	f.Add(uint8(4), false, fakeAuth, int64(2), []byte("{}"))
	f.Add(uint8(5), false, "", int64(1<<30), []byte("{"))
	f.Add(uint8(6), true, "AWS4-HMAC-SHA256 Credential=AKIDHARDEN/20261126/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", int64(2), []byte("{}"))
	f.Add(uint8(9), true, fakeAuth, int64(0), []byte(nil))
	keyless := start(f, func(o *local.Options) { o.MaxRequestBytes = 4096 })
	withKeys := start(f, func(o *local.Options) {
		o.MaxRequestBytes = 4096
		o.AccessKey, o.SecretKey = testKey, testSecret
		o.Now = func() time.Time { return fixedNow }
	})
	f.Fuzz(func(t *testing.T, target uint8, keyed bool, auth string, contentLength int64, body []byte) {
		srv := keyless
		if keyed {
			srv = withKeys
		}
		tgt := fuzzTargets[int(target)%len(fuzzTargets)]
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("X-Amz-Target", tgt)
		r.Header.Set("X-Amz-Date", "20261126T063000Z")
		if auth != "" && !strings.ContainsAny(auth, "\r\n") {
			r.Header.Set("Authorization", auth)
		}
		switch {
		case contentLength < 0:
			r.ContentLength = -1
			r.Body = io.NopCloser(bytes.NewReader(body)) // length unknown, as if chunked
		case contentLength != int64(len(body)):
			r.ContentLength = contentLength % (8 << 10) // a lie, within reason
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		res := w.Result()
		got := w.Body.Bytes()
		if strings.HasPrefix(tgt, "DynamoDB") {
			want := strconv.FormatUint(uint64(crc32.ChecksumIEEE(got)), 10)
			if c := res.Header.Get("X-Amz-Crc32"); c != want {
				t.Fatalf("%s answered %d with X-Amz-Crc32 %q, want %q", tgt, res.StatusCode, c, want)
			}
		}
		if res.StatusCode != http.StatusOK {
			var e struct {
				Type string `json:"__type"`
			}
			if err := json.Unmarshal(got, &e); err != nil || e.Type == "" {
				t.Fatalf("%s answered %d with %q", tgt, res.StatusCode, got)
			}
		}
	})
}
