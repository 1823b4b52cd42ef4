package kinesis

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The hand-written JSON of the hot paths must equal what encoding/json
// writes for the same response.
func TestFastPathsMatchEncodingJSON(t *testing.T) {
	s := newTestService(t, nil)
	body := `{"StreamName":"events","Records":[{"PartitionKey":"plain","Data":"aGVsbG8="},{"PartitionKey":"ünï \"q\" \\ \u0001","Data":""},{"PartitionKey":"x","ExplicitHashKey":"0","Data":"AAEC"}]}`
	fast := s.call("PutRecords", body)
	if fast.Code != 200 {
		t.Fatalf("PutRecords: %d %s", fast.Code, fast.Body)
	}
	var put putRecordsOutput
	if err := json.Unmarshal(fast.Body.Bytes(), &put); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(put)
	if !bytes.Equal(fast.Body.Bytes(), want) {
		t.Fatalf("PutRecords JSON\n got %s\nwant %s", fast.Body, want)
	}
	for _, shard := range []string{"shardId-000000000000", "shardId-000000000001"} {
		it := s.call("GetShardIterator", `{"StreamName":"events","ShardId":"`+shard+`","ShardIteratorType":"TRIM_HORIZON"}`)
		var iter struct{ ShardIterator string }
		json.Unmarshal(it.Body.Bytes(), &iter)
		got := s.call("GetRecords", `{"ShardIterator":"`+iter.ShardIterator+`"}`)
		var out getRecordsOutput
		if err := json.Unmarshal(got.Body.Bytes(), &out); err != nil {
			t.Fatalf("GetRecords %s: %v", got.Body, err)
		}
		want, _ := json.Marshal(out)
		if !bytes.Equal(got.Body.Bytes(), want) {
			t.Fatalf("GetRecords JSON\n got %s\nwant %s", got.Body, want)
		}
		if shard == "shardId-000000000000" && !strings.Contains(got.Body.String(), `"Data":"AAEC"`) {
			t.Fatalf("record with ExplicitHashKey 0 missing from shard 0: %s", got.Body)
		}
	}
}

// recordsJSONSize must bound appendRecordsJSON's output for the longest
// record parts (the largest counter, an arrival time with milliseconds,
// encryption), or the answer is copied to a buffer twice its size.
func TestRecordsJSONSizeBoundsTheAnswer(t *testing.T) {
	r := &getRecordsResult{created: 1_764_160_000_123, shard: 999_999}
	for i := range 1000 {
		r.records = append(r.records, record{
			counter:   ^uint64(0) - uint64(i),
			arrivalMs: 9_999_999_999_999 - int64(i),
			pk:        []byte(strings.Repeat("k", i%256)),
			data:      bytes.Repeat([]byte{0xfb}, i%7),
			encrypted: true,
		})
	}
	size := recordsJSONSize(r)
	out := appendRecordsJSON(make([]byte, 0, size), r)
	if len(out) > size {
		t.Fatalf("appendRecordsJSON wrote %d bytes, recordsJSONSize said at most %d", len(out), size)
	}
	if !json.Valid(out) {
		t.Fatalf("appendRecordsJSON wrote invalid JSON: %.200s", out)
	}
}
