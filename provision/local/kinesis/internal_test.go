package kinesis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/spk-cli/spk/provision/local/store"
)

type boltTx = store.Tx

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func decodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
}

func (s *Service) mustCall(t *testing.T, op, body string, v any) {
	t.Helper()
	rec := s.call(op, body)
	if rec.Code != 200 {
		t.Fatalf("%s: %d %s", op, rec.Code, rec.Body)
	}
	if v != nil {
		decodeJSON(t, rec.Body.Bytes(), v)
	}
}

func (s *Service) iteratorFor(t *testing.T, shard, typ, extra string) string {
	t.Helper()
	var out struct{ ShardIterator string }
	s.mustCall(t, "GetShardIterator", `{"StreamName":"events","ShardId":"`+shard+`","ShardIteratorType":"`+typ+`"`+extra+`}`, &out)
	return out.ShardIterator
}

type recordsOut struct {
	Records []struct {
		SequenceNumber string
		Data           []byte
	}
	NextShardIterator  *string
	MillisBehindLatest int64
}

func TestAtTimestampFindsFirstRecordAtOrAfter(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	s := newTestService(t, clock.now)
	base := clock.now()
	// Records at base+0s … base+9s on shard 0.
	for i := 0; i < 10; i++ {
		s.mustCall(t, "PutRecord", fmt.Sprintf(`{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"%s"}`, b64(fmt.Sprint(i))), nil)
		clock.advance(time.Second)
	}
	cases := []struct {
		name  string
		at    time.Time
		first string // "" when none
	}{
		{"before all", base.Add(-time.Hour), "0"},
		{"exactly the first", base, "0"},
		{"between", base.Add(3500 * time.Millisecond), "4"},
		{"exactly one", base.Add(7 * time.Second), "7"},
		{"after all", base.Add(9500 * time.Millisecond), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it := s.iteratorFor(t, "shardId-000000000000", "AT_TIMESTAMP", fmt.Sprintf(`,"Timestamp":%.3f`, float64(c.at.UnixMilli())/1000))
			var out recordsOut
			s.mustCall(t, "GetRecords", `{"ShardIterator":"`+it+`","Limit":1}`, &out)
			got := ""
			if len(out.Records) > 0 {
				got = string(out.Records[0].Data)
			}
			if got != c.first {
				t.Fatalf("first record %q, want %q", got, c.first)
			}
		})
	}
}

func b64(s string) string {
	b, _ := json.Marshal([]byte(s))
	return strings.Trim(string(b), `"`)
}

func TestEnforceLimits(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	s := newTestService(t, clock.now)
	s.env.EnforceLimits = true
	it := s.iteratorFor(t, "shardId-000000000000", "TRIM_HORIZON", "")
	t.Run("reads", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			s.mustCall(t, "GetRecords", `{"ShardIterator":"`+it+`"}`, nil)
		}
		rec := s.call("GetRecords", `{"ShardIterator":"`+it+`"}`)
		want := `{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded for shard shardId-000000000000 in stream events under account 000000000000."}`
		if rec.Code != 400 || rec.Body.String() != want {
			t.Fatalf("6th read in a second: %d %s", rec.Code, rec.Body)
		}
		clock.advance(time.Second)
		s.mustCall(t, "GetRecords", `{"ShardIterator":"`+s.iteratorFor(t, "shardId-000000000000", "TRIM_HORIZON", "")+`"}`, nil)
	})
	t.Run("read bytes", func(t *testing.T) {
		// Shard 1's records, 1 MiB each with the key: a read of 10 MiB
		// from a rested shard (2 MiB of credit), then none for 4 s (AWS:
		// "subsequent calls made within the next 5 seconds throw"), then
		// the next 2 MiB, then none until that is paid off.
		big := b64(strings.Repeat("x", maxRecordBytes-1))
		for range 12 {
			s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"340282366920938463463374607431768211455","Data":"`+big+`"}`, nil)
			clock.advance(time.Second) // within the shard's write limit
		}
		var out recordsOut
		s.mustCall(t, "GetRecords", `{"ShardIterator":"`+s.iteratorFor(t, "shardId-000000000001", "TRIM_HORIZON", "")+`"}`, &out)
		if len(out.Records) != 10 {
			t.Fatalf("first read: %d records, want 10 MiB's", len(out.Records))
		}
		refused := func(when string) {
			t.Helper()
			rec := s.call("GetRecords", `{"ShardIterator":"`+*out.NextShardIterator+`"}`)
			if body := rec.Body.String(); rec.Code != 400 || !strings.Contains(body, "ProvisionedThroughputExceededException") {
				t.Fatalf("%s: %d %.200s", when, rec.Code, body)
			}
		}
		refused("at once after 10 MiB")
		clock.advance(3900 * time.Millisecond)
		refused("3.9 s after 10 MiB")
		clock.advance(200 * time.Millisecond)
		s.mustCall(t, "GetRecords", `{"ShardIterator":"`+*out.NextShardIterator+`"}`, &out)
		if len(out.Records) != 2 {
			t.Fatalf("second read: %d records, want the last 2", len(out.Records))
		}
		clock.advance(800 * time.Millisecond)
		refused("0.8 s after 2 MiB")
		clock.advance(200 * time.Millisecond)
		s.mustCall(t, "GetRecords", `{"ShardIterator":"`+*out.NextShardIterator+`"}`, &out)
	})
	t.Run("writes per record", func(t *testing.T) {
		batch := func() string {
			var b strings.Builder
			b.WriteString(`{"StreamName":"events","Records":[`)
			for i := 0; i < 500; i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`{"PartitionKey":"p","ExplicitHashKey":"0","Data":"eA=="}`)
			}
			b.WriteString(`]}`)
			return b.String()
		}()
		var counts []int
		for i := 0; i < 3; i++ {
			var out struct{ FailedRecordCount int }
			s.mustCall(t, "PutRecords", batch, &out)
			counts = append(counts, out.FailedRecordCount)
		}
		if fmt.Sprint(counts) != "[0 0 500]" {
			t.Fatalf("failed records per 500-record call within one second = %v, want [0 0 500]", counts)
		}
		// Another shard has its own budget.
		var out struct{ FailedRecordCount int }
		s.mustCall(t, "PutRecords", strings.ReplaceAll(batch, `"ExplicitHashKey":"0"`, `"ExplicitHashKey":"340282366920938463463374607431768211455"`), &out)
		if out.FailedRecordCount != 0 {
			t.Fatalf("shard 1 throttled by shard 0's traffic: %d failed", out.FailedRecordCount)
		}
		clock.advance(time.Second)
		s.mustCall(t, "PutRecords", batch, &out)
		if out.FailedRecordCount != 0 {
			t.Fatalf("after a second: %d failed", out.FailedRecordCount)
		}
		rec := s.call("PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+b64(strings.Repeat("x", 1<<20-1))+`"}`)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "ProvisionedThroughputExceededException") {
			t.Fatalf("1 MiB more within the second: %d %s", rec.Code, rec.Body)
		}
	})
}

func TestRetentionTrimming(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	s := newTestService(t, clock.now)
	for i := 0; i < 3; i++ {
		s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"b2xk"}`, nil)
	}
	clock.advance(23 * time.Hour)
	var fresh struct{ SequenceNumber string }
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"ZnJlc2g="}`, &fresh)
	clock.advance(2 * time.Hour) // the first three are now 25 h old
	s.trimAll()
	var out recordsOut
	s.mustCall(t, "GetRecords", `{"ShardIterator":"`+s.iteratorFor(t, "shardId-000000000000", "TRIM_HORIZON", "")+`"}`, &out)
	if len(out.Records) != 1 || out.Records[0].SequenceNumber != fresh.SequenceNumber {
		t.Fatalf("after trimming: %d records", len(out.Records))
	}
	st := s.lookup("events")
	if got := st.meta.Shards[0].TrimmedTo; got != 3 {
		t.Fatalf("TrimmedTo = %d, want 3", got)
	}
	// A new record still gets a higher sequence number after a reload.
	streams, err := func() (map[string]*stream, error) {
		var m map[string]*stream
		err := s.env.DB.View(func(tx *boltTx) error { var err error; m, err = loadStreams(tx); return err })
		return m, err
	}()
	if err != nil {
		t.Fatal(err)
	}
	if next := streams["events"].meta.Shards[0].next; next != 4 {
		t.Fatalf("counter after reload = %d, want 4", next)
	}
}

func TestMillisBehindLatestOnLaggingReader(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	s := newTestService(t, clock.now)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"MQ=="}`, nil)
	clock.advance(90 * time.Second)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"Mg=="}`, nil)
	var out recordsOut
	s.mustCall(t, "GetRecords", `{"ShardIterator":"`+s.iteratorFor(t, "shardId-000000000000", "TRIM_HORIZON", "")+`","Limit":1}`, &out)
	if out.MillisBehindLatest != 90_000 {
		t.Fatalf("MillisBehindLatest = %d, want 90000", out.MillisBehindLatest)
	}
	s.mustCall(t, "GetRecords", `{"ShardIterator":"`+*out.NextShardIterator+`"}`, &out)
	if out.MillisBehindLatest != 0 || len(out.Records) != 1 {
		t.Fatalf("caught up: %d records, MillisBehindLatest %d", len(out.Records), out.MillisBehindLatest)
	}
}

func TestGetRecordsStaysUnder10MiB(t *testing.T) {
	s := newTestService(t, nil)
	big := b64(strings.Repeat("x", maxRecordBytes-1)) // the key is the last byte
	for i := 0; i < 12; i++ {
		s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+big+`"}`, nil)
	}
	var out recordsOut
	s.mustCall(t, "GetRecords", `{"ShardIterator":"`+s.iteratorFor(t, "shardId-000000000000", "TRIM_HORIZON", "")+`"}`, &out)
	size := 0
	for _, r := range out.Records {
		size += len(r.Data)
	}
	if size > maxGetRecordsBytes || len(out.Records) == 0 || len(out.Records) == 12 {
		t.Fatalf("one response held %d records, %d bytes of data", len(out.Records), size)
	}
	first := len(out.Records)
	s.mustCall(t, "GetRecords", `{"ShardIterator":"`+*out.NextShardIterator+`"}`, &out)
	if first+len(out.Records) != 12 {
		t.Fatalf("the rest: %d records after %d, want 12 in all", len(out.Records), first)
	}
}

func TestCBORTimestamp(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	s := newTestService(t, clock.now)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"MQ=="}`, nil)
	clock.advance(10 * time.Second)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"Mg=="}`, nil)
	javaMillis := cbor.Tag{Number: 1, Content: int64(1_700_000_005_000)} // what the Java SDKs send
	for _, ts := range []any{time.Unix(1_700_000_005, 0), 1_700_000_005.0, int64(1_700_000_005), javaMillis} {
		body, err := cbor.Marshal(map[string]any{"StreamName": "events", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": ts})
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := cbor.EncOptions{Time: cbor.TimeUnix, TimeTag: cbor.EncTagRequired}.EncMode()
		if _, ok := ts.(time.Time); ok {
			body, _ = enc.Marshal(map[string]any{"StreamName": "events", "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": ts})
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentCBOR)
		s.ServeOp(rec, req, "GetShardIterator", body)
		var it struct{ ShardIterator string }
		if rec.Code != 200 || cbor.Unmarshal(rec.Body.Bytes(), &it) != nil {
			t.Fatalf("CBOR GetShardIterator with %T: %d %x", ts, rec.Code, rec.Body.Bytes())
		}
		var out recordsOut
		s.mustCall(t, "GetRecords", `{"ShardIterator":"`+it.ShardIterator+`"}`, &out)
		if len(out.Records) != 1 || string(out.Records[0].Data) != "2" {
			t.Fatalf("AT_TIMESTAMP via CBOR %T: %d records", ts, len(out.Records))
		}
	}
}
