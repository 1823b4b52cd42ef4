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

// plainlyValid is a shortcut past validateEntry: whatever it passes,
// validateEntry must find nothing wrong with.
func TestPlainlyValidEntriesPassValidation(t *testing.T) {
	hash := "123"
	keys := []string{"", "k", strings.Repeat("k", 256), strings.Repeat("k", 257),
		strings.Repeat("é", 128), strings.Repeat("é", 129), strings.Repeat("😀", 64), strings.Repeat("😀", 65),
		"\xff\xfe", strings.Repeat("\xff", 256)}
	const limit = 1 << 10
	datas := [][]byte{nil, {}, make([]byte, limit), make([]byte, limit+1)}
	passed := 0
	for _, pk := range keys {
		for _, data := range datas {
			for _, explicit := range []*string{nil, &hash} {
				for _, missing := range []bool{false, true} {
					e := putEntry{PartitionKey: pk, ExplicitHashKey: explicit, Data: data, pkMissing: missing}
					if !plainlyValid(&e, limit) {
						continue
					}
					passed++
					var v validation
					validateEntry(&v, &e, e.Data != nil, "records.1.member.", limit)
					if len(v) != 0 {
						t.Errorf("plainlyValid passed key of %d bytes, data of %d bytes, but validation says %v", len(pk), len(data), v)
					}
				}
			}
		}
	}
	if passed == 0 {
		t.Fatal("plainlyValid passed no entry at all")
	}
}

// appendSeq writes what formatSeq's Sprintf writes, for the smallest and
// largest parts and for parts wider than their field.
func TestAppendSeqMatchesFormatSeq(t *testing.T) {
	for _, c := range []struct {
		created int64
		shard   int
		counter uint64
	}{
		{0, 0, 0}, {1, 1, 1}, {1_764_160_000_123, 42, 1_000_000_007},
		{99_999_999_999_999, 999_999, ^uint64(0)}, {123_456_789_012_345, 1_234_567, 10},
	} {
		want := formatSeq(c.created, c.shard, c.counter)
		if got := string(appendSeq([]byte("x"), c.created, c.shard, c.counter)); got != "x"+want {
			t.Errorf("appendSeq(%d, %d, %d) = %s, want x%s", c.created, c.shard, c.counter, got, want)
		}
	}
}
