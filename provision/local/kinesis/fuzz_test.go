package kinesis

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// newTestService runs the service over an in-memory store with one ACTIVE
// two-shard stream named "events".
func newTestService(t testing.TB, now func() time.Time) *Service {
	t.Helper()
	db, err := store.Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	if now == nil {
		now = time.Now
	}
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", Now: now, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); db.Close() })
	rec := s.call("CreateStream", `{"StreamName":"events","ShardCount":2}`)
	if rec.Code != 200 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.call("DescribeStreamSummary", `{"StreamName":"events"}`).Body.String(), `"ACTIVE"`) {
		if time.Now().After(deadline) {
			t.Fatal("stream never became ACTIVE")
		}
		time.Sleep(time.Millisecond) // polling interval
	}
	return s
}

func (s *Service) call(op, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	req.Header.Set("Content-Type", contentJSON)
	s.ServeOp(rec, req, op, []byte(body))
	return rec
}

func operationNames() []string {
	var ops []string
	for op := range operations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// FuzzServeOp feeds arbitrary bodies to every operation: none may panic
// (ServeOp does not recover; the server does) or answer 500, and every
// answer is a JSON object, or empty for a success without output.
func FuzzServeOp(f *testing.F) {
	seeds := []string{
		``, `{}`, `null`, `[]`, `{"StreamName":"events"}`, `{"StreamName":""}`, `{"StreamName":5}`,
		`{"StreamName":"events","PartitionKey":"p","Data":"aGVsbG8="}`,
		`{"StreamName":"events","PartitionKey":"p","Data":"!!"}`,
		`{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"-1","Data":""}`,
		`{"StreamName":"events","Records":[{"PartitionKey":"p","Data":"eA=="},{"PartitionKey":"","Data":null}]}`,
		`{"StreamName":"events","ShardId":"shardId-000000000001","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"49000000000000000000000000000000000000000000000000000001"}`,
		`{"StreamName":"events","ShardId":"1","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1e300}`,
		`{"ShardIterator":"AAAA","Limit":-1}`,
		`{"StreamName":"events","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"1"}`,
		`{"StreamName":"events","ShardToMerge":"0","AdjacentShardToMerge":"1"}`,
		`{"StreamName":"events","TargetShardCount":3,"ScalingType":"UNIFORM_SCALING"}`,
		`{"NextToken":"eyJzIjoiZXZlbnRzIn0","MaxResults":1}`,
		`{"StreamName":"events","ShardFilter":{"Type":"AT_TIMESTAMP"}}`,
		`{"StreamName":"events","Tags":{"":"x"}}`,
		`{"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/events","RetentionPeriodHours":9999999999}`,
	}
	ops := operationNames()
	for i, body := range seeds {
		f.Add(uint8(i), body)
	}
	s := newTestService(f, nil)
	f.Fuzz(func(t *testing.T, opIndex uint8, body string) {
		op := ops[int(opIndex)%len(ops)]
		if op == "DeleteStream" {
			op = "DescribeStream" // keep the stream for later inputs
		}
		rec := s.call(op, body)
		if rec.Code == http.StatusInternalServerError {
			t.Fatalf("%s %q: 500 %s", op, body, rec.Body)
		}
		if rec.Code == http.StatusOK && rec.Body.Len() == 0 {
			return // an operation without output (CreateStream, AddTagsToStream, …)
		}
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %q: answer %q is not a JSON object: %v", op, body, rec.Body, err)
		}
		if rec.Code != 200 && v["__type"] == nil {
			t.Fatalf("%s %q: error without __type: %s", op, body, rec.Body)
		}
	})
}

// FuzzIterator: no input decodes as an iterator unless it was issued.
func FuzzIterator(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	valid := encodeIterator(key, iterator{streamCreatedMs: 1, issuedMs: 2, nonce: 3, shard: 4, pos: 5, stream: "events"})
	f.Add(valid)
	f.Add(`"` + valid + `"`)
	f.Add("")
	f.Add("AAAA")
	f.Add(valid[:len(valid)-4] + "AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		it, err := decodeIterator(key, s)
		if err == nil && strings.Trim(s, `"`) != valid {
			t.Fatalf("forged iterator %q accepted: %+v", s, it)
		}
	})
}

// FuzzPutRecordsDecoder holds the fast PutRecords decoder to
// encoding/json: whatever it accepts, encoding/json decodes the same way.
func FuzzPutRecordsDecoder(f *testing.F) {
	for _, seed := range []string{
		`{"StreamName":"events","Records":[{"PartitionKey":"p","Data":"aGVsbG8="}]}`,
		` { "Records" : [ { "Data" : "" , "PartitionKey" : "ü", "ExplicitHashKey":"12" } ] , "StreamARN":"arn" } `,
		`{"StreamName":"a","StreamName":"b","Records":[]}`,
		`{"Records":[{"Data":"eA==","PartitionKey":"a"},{"Data":"eA=","PartitionKey":"b"}]}`,
		`{"Records":[{"Data":null,"PartitionKey":"a"}]}`,
		`{"streamname":"x"}`,
		`{"StreamName":"a\"b"}`,
		`{"StreamName":"a"}x`,
		"{\"StreamName\":\"\xff\"}",
		`{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast putRecordsInput
		if !decodePutRecordsFast(body, &fast) {
			return
		}
		var slow putRecordsInput
		if err := json.Unmarshal(body, &slow); err != nil {
			t.Fatalf("fast decoder accepted %q, encoding/json refused: %v", body, err)
		}
		a, _ := json.Marshal(fast)
		b, _ := json.Marshal(slow)
		if string(a) != string(b) {
			t.Fatalf("%q decoded differently:\nfast %s\njson %s", body, a, b)
		}
	})
}
