package kpl

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
)

// publishedVector is the aggregated record the reference Python aggregator
// (awslabs/kinesis-aggregation) produces for the user records
// (pk1, data1, ehk1) and (pk2, data2, ehk2); the Erlang port of that library
// checks its output against the same bytes.
var publishedVector = append(append([]byte{}, Magic...),
	10, 3, 112, 107, 49, 10, 3, 112, 107, 50, 18, 4, 101, 104, 107,
	49, 18, 4, 101, 104, 107, 50, 26, 11, 8, 0, 16, 0, 26, 5, 100, 97, 116, 97, 49, 26, 11, 8,
	1, 16, 1, 26, 5, 100, 97, 116, 97, 50, 244, 41, 93, 155, 173, 190, 58, 30, 240, 223, 216,
	8, 26, 205, 86, 4)

var publishedRecords = []Record{
	{PartitionKey: "pk1", ExplicitHashKey: "ehk1", Data: []byte("data1")},
	{PartitionKey: "pk2", ExplicitHashKey: "ehk2", Data: []byte("data2")},
}

// withDigest frames a protobuf message built by hand from the published schema.
func withDigest(msg []byte) []byte {
	sum := md5.Sum(msg)
	out := append(append([]byte{}, Magic...), msg...)
	return append(out, sum[:]...)
}

func TestAggregatorMatchesPublishedVector(t *testing.T) {
	var a Aggregator
	for _, r := range publishedRecords {
		if err := a.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	wantSize := len(publishedVector) + len("pk1")
	if a.Size() != wantSize {
		t.Errorf("Size() = %d before flush, want %d", a.Size(), wantSize)
	}
	agg, ok := a.Flush()
	if !ok {
		t.Fatal("Flush reported nothing to flush")
	}
	if !bytes.Equal(agg.Data, publishedVector) {
		t.Errorf("encoded\n%x\nwant\n%x", agg.Data, publishedVector)
	}
	if agg.PartitionKey != "pk1" || agg.ExplicitHashKey != "ehk1" || agg.Count != 2 {
		t.Errorf("aggregated keys = %q/%q count %d, want pk1/ehk1 count 2", agg.PartitionKey, agg.ExplicitHashKey, agg.Count)
	}
	if a.Count() != 0 || a.Size() != 0 {
		t.Errorf("aggregator not reset after flush: count %d size %d", a.Count(), a.Size())
	}
	if _, ok := a.Flush(); ok {
		t.Error("second Flush returned a record")
	}
}

func TestDeaggregateVectors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []Record
	}{
		{name: "published python aggregator output", data: publishedVector, want: publishedRecords},
		{
			// pk table ["a","b"], records a/"x", b/"y", a/"z", no explicit hash keys.
			name: "shared partition keys without explicit hash keys",
			data: withDigest([]byte{
				0x0a, 1, 'a', 0x0a, 1, 'b',
				0x1a, 5, 0x08, 0, 0x1a, 1, 'x',
				0x1a, 5, 0x08, 1, 0x1a, 1, 'y',
				0x1a, 5, 0x08, 0, 0x1a, 1, 'z',
			}),
			want: []Record{
				{PartitionKey: "a", Data: []byte("x")},
				{PartitionKey: "b", Data: []byte("y")},
				{PartitionKey: "a", Data: []byte("z")},
			},
		},
		{
			// A record with a tag {key:"k", value:"v"} and an unknown field 9; both skipped.
			name: "tags and unknown fields skipped",
			data: withDigest([]byte{
				0x0a, 1, 'p',
				0x1a, 15, 0x08, 0, 0x1a, 1, 'd', 0x22, 6, 0x0a, 1, 'k', 0x12, 1, 'v', 0x48, 7,
				0x48, 1,
			}),
			want: []Record{{PartitionKey: "p", Data: []byte("d")}},
		},
		{
			name: "empty data",
			data: withDigest([]byte{0x0a, 1, 'p', 0x1a, 4, 0x08, 0, 0x1a, 0}),
			want: []Record{{PartitionKey: "p", Data: []byte{}}},
		},
		{
			name: "no records",
			data: withDigest([]byte{0x0a, 1, 'p'}),
			want: []Record{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, aggregated, err := Deaggregate(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if !aggregated {
				t.Fatal("aggregated = false")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestDeaggregatePlainRecords(t *testing.T) {
	good := append([]byte{}, publishedVector...)
	badDigest := append([]byte{}, publishedVector...)
	badDigest[len(badDigest)-1] ^= 0xff
	flippedBody := append([]byte{}, publishedVector...)
	flippedBody[10] ^= 0x01
	tests := []struct {
		name string
		data []byte
	}{
		{name: "json event", data: []byte(`{"timestamp": "2015-06-05T12:54:43.064528", "type": "Green", "id": "x"}`)},
		{name: "empty", data: []byte{}},
		{name: "magic only", data: append([]byte{}, Magic...)},
		{name: "magic and digest of empty message", data: withDigest(nil)},
		{name: "bad digest", data: badDigest},
		{name: "corrupted body", data: flippedBody},
		{name: "truncated", data: good[:len(good)-1]},
		{name: "wrong magic", data: append([]byte{0xF3, 0x89, 0x9A, 0xC3}, good[4:]...)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, aggregated, err := Deaggregate(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if aggregated {
				t.Fatal("aggregated = true")
			}
			if len(got) != 1 || !bytes.Equal(got[0].Data, tc.data) || got[0].PartitionKey != "" {
				t.Errorf("got %+v, want the input as one record without keys", got)
			}
		})
	}
}

func TestDeaggregateMalformed(t *testing.T) {
	tests := []struct {
		name    string
		msg     []byte
		wantErr string
	}{
		{name: "truncated varint", msg: []byte{0x0a, 0x80}, wantErr: "unexpected EOF"},
		{name: "length beyond end", msg: []byte{0x0a, 9, 'a'}, wantErr: "unexpected EOF"},
		{name: "partition key index out of range",
			msg:     []byte{0x0a, 1, 'p', 0x1a, 5, 0x08, 1, 0x1a, 1, 'x'},
			wantErr: "record 0: partition key index 1 out of range (table has 1)"},
		{name: "explicit hash key index out of range",
			msg:     []byte{0x0a, 1, 'p', 0x1a, 7, 0x08, 0, 0x10, 0, 0x1a, 1, 'x'},
			wantErr: "record 0: explicit hash key index 0 out of range (table has 0)"},
		{name: "missing partition key index",
			msg:     []byte{0x0a, 1, 'p', 0x1a, 3, 0x1a, 1, 'x'},
			wantErr: "record 0: missing required partition_key_index"},
		{name: "missing data",
			msg:     []byte{0x0a, 1, 'p', 0x1a, 2, 0x08, 0},
			wantErr: "record 0: missing required data"},
		{name: "record body truncated",
			msg:     []byte{0x0a, 1, 'p', 0x1a, 3, 0x08, 0, 0x1a},
			wantErr: "record 0: unexpected EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, aggregated, err := Deaggregate(withDigest(tc.msg))
			if err == nil {
				t.Fatalf("no error; records %+v", got)
			}
			if !aggregated {
				t.Error("aggregated = false for a record with magic and a valid digest")
			}
			if got != nil {
				t.Errorf("records = %+v on error, want nil", got)
			}
			want := "kpl: malformed aggregated record: " + tc.wantErr
			if err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	var records []Record
	for i := range 1000 {
		r := Record{PartitionKey: fmt.Sprintf("key-%d", i%37), Data: []byte(fmt.Sprintf(`{"n": %d}`, i))}
		if i%5 == 0 {
			r.ExplicitHashKey = fmt.Sprint(i % 3)
		}
		records = append(records, r)
	}
	aggs, err := Aggregate(records, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if len(aggs) < 2 {
		t.Fatalf("expected several aggregated records at a 4 KiB limit, got %d", len(aggs))
	}
	var got []Record
	total := 0
	for i, agg := range aggs {
		if size := len(agg.Data) + len(agg.PartitionKey); size > 4096 {
			t.Errorf("aggregated record %d is %d bytes, limit 4096", i, size)
		}
		recs, aggregated, err := Deaggregate(agg.Data)
		if err != nil || !aggregated {
			t.Fatalf("aggregated record %d: aggregated=%v err=%v", i, aggregated, err)
		}
		if agg.PartitionKey != recs[0].PartitionKey || agg.ExplicitHashKey != recs[0].ExplicitHashKey {
			t.Errorf("aggregated record %d keys %q/%q, want its first record's %q/%q", i,
				agg.PartitionKey, agg.ExplicitHashKey, recs[0].PartitionKey, recs[0].ExplicitHashKey)
		}
		total += agg.Count
		got = append(got, recs...)
	}
	if total != len(records) {
		t.Errorf("counts sum to %d, want %d", total, len(records))
	}
	if !reflect.DeepEqual(got, records) {
		t.Error("de-aggregated records differ from the input")
	}
}

func TestAggregatorFillsToLimit(t *testing.T) {
	a := Aggregator{} // default limit: 1 MiB
	data := bytes.Repeat([]byte("e"), 100)
	added := 0
	for {
		before := a.Size()
		err := a.Add(Record{PartitionKey: fmt.Sprintf("%036d", added), Data: data})
		if errors.Is(err, ErrFull) {
			if a.Size() != before {
				t.Fatalf("size changed on ErrFull: %d -> %d", before, a.Size())
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		added++
	}
	size := a.Size()
	agg, _ := a.Flush()
	if got := len(agg.Data) + len(agg.PartitionKey); got != size {
		t.Errorf("flushed record is %d bytes, Size() predicted %d", got, size)
	}
	if size > MaxRecordSize || size < MaxRecordSize-200 {
		t.Errorf("full record is %d bytes, want within 200 bytes below %d", size, MaxRecordSize)
	}
	if agg.Count != added {
		t.Errorf("Count = %d, want %d", agg.Count, added)
	}
}

func TestAggregatorRejects(t *testing.T) {
	tests := []struct {
		name    string
		record  Record
		wantErr string
	}{
		{name: "too large alone", record: Record{PartitionKey: "k", Data: make([]byte, MaxRecordSize)},
			wantErr: "record too large to aggregate: 1048576 bytes of data, limit 1048576"},
		{name: "empty partition key", record: Record{Data: []byte("x")},
			wantErr: "kpl: record has an empty partition key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var a Aggregator
			err := a.Add(tc.record)
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			if a.Count() != 0 || a.Size() != 0 {
				t.Errorf("aggregator changed: count %d size %d", a.Count(), a.Size())
			}
		})
	}
}

func TestHashKey(t *testing.T) {
	// md5("a") = 0cc175b9c0f1b6a831c399e269772661 (RFC 1321 test suite).
	md5a, _ := new(big.Int).SetString("0cc175b9c0f1b6a831c399e269772661", 16)
	tests := []struct {
		name, pk, ehk string
		want          *big.Int
		wantErr       string
	}{
		{name: "md5 of partition key", pk: "a", want: md5a},
		{name: "explicit hash key wins", pk: "a", ehk: "42", want: big.NewInt(42)},
		{name: "top of range", pk: "a", ehk: maxHashKey.String(), want: maxHashKey},
		{name: "above range", pk: "a", ehk: new(big.Int).Add(maxHashKey, big.NewInt(1)).String(),
			wantErr: "is not a decimal in [0, 2^128-1]"},
		{name: "not a number", pk: "a", ehk: "ehk1", wantErr: `kpl: explicit hash key "ehk1" is not a decimal in [0, 2^128-1]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HashKey(tc.pk, tc.ehk)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Cmp(tc.want) != 0 {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func FuzzDeaggregate(f *testing.F) {
	f.Add(publishedVector)
	f.Add(withDigest([]byte{0x0a, 1, 'p', 0x1a, 5, 0x08, 0, 0x1a, 1, 'x'}))
	f.Add([]byte(`{"type": "Red"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDeaggregate(t, data)
		// Random bytes almost never carry a valid digest; frame them so the
		// protobuf parser is exercised too.
		checkDeaggregate(t, withDigest(data))
	})
}

func checkDeaggregate(t *testing.T, data []byte) {
	t.Helper()
	recs, aggregated, err := Deaggregate(data)
	if err != nil {
		if !aggregated {
			t.Fatal("error for a record not seen as aggregated")
		}
		return
	}
	if !aggregated {
		if len(recs) != 1 || !bytes.Equal(recs[0].Data, data) {
			t.Fatal("plain record not returned as is")
		}
		return
	}
	// Whatever parsed must survive re-aggregation unchanged.
	var a Aggregator
	for _, r := range recs {
		if r.PartitionKey == "" {
			return // valid protobuf, but the aggregator refuses empty keys
		}
		if err := a.Add(r); err != nil {
			return
		}
	}
	agg, ok := a.Flush()
	if !ok {
		return
	}
	again, aggregated, err := Deaggregate(agg.Data)
	if err != nil || !aggregated || !reflect.DeepEqual(normalize(again), normalize(recs)) {
		t.Fatalf("re-aggregation changed records: %v %v\n%+v\n%+v", aggregated, err, again, recs)
	}
}

func normalize(rs []Record) []Record {
	out := make([]Record, len(rs))
	for i, r := range rs {
		out[i] = Record{PartitionKey: r.PartitionKey, ExplicitHashKey: r.ExplicitHashKey, Data: append([]byte{}, r.Data...)}
	}
	return out
}
