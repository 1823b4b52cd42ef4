package kinesis

import (
	"testing"
	"time"
)

func TestParseShardID(t *testing.T) {
	cases := map[string]int{
		"0": 0, "1": 1, "shardId-000000000001": 1, "shardId-1": 1, "anything-1": 1,
		"a-b-12": 12, "-7": 7, "000000000000000000042": 42, "2147483647": 2147483647,
	}
	for in, want := range cases {
		if got, ok := parseShardID(in); !ok || got != want {
			t.Errorf("parseShardID(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "shardId-", "1-x", "2147483648", "shardId-99999999999999999999", "1.5", "+1"} {
		if got, ok := parseShardID(in); ok {
			t.Errorf("parseShardID(%q) = %d, want no shard", in, got)
		}
	}
}

func TestDecodeJSONTruncatesIntegers(t *testing.T) {
	cases := map[string]int64{`1.9`: 1, `-1.5`: -2, `1e3`: 1000, `1e20`: 2147483647}
	for num, want := range cases {
		var in listStreamsInput
		if err := decodeJSONBody([]byte(`{"Limit":`+num+`}`), &in); err != nil || in.Limit == nil || *in.Limit != want {
			t.Errorf("Limit %s: got %v, %v; want %d", num, in.Limit, err, want)
		}
	}
}

func TestIntRangeCapsAtJavaInt(t *testing.T) {
	n := int64(3000000000)
	var v validation
	v.intRange(&n, "limit", 1, 10000)
	want := "1 validation error detected: Value '2147483647' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000"
	if n != 2147483647 || v.err() == nil || v.err().Message != want {
		t.Fatalf("3000000000 read as %d, error %v; want 2147483647 and %q", n, v.err(), want)
	}
}

func TestBlobError(t *testing.T) {
	cases := map[string]string{
		"eA==": "", "": "", "eA=": "'eA=' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
		"e=A=": "'e=A=' can not be converted to a Blob: Invalid Base64 character: '='",
		"eB==": "'eB==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected",
	}
	for in, want := range cases {
		if got := blobError(in); got != want {
			t.Errorf("blobError(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestShardFilterKeepsAShardClosedAtTheTimestamp: AT_TIMESTAMP and
// FROM_TIMESTAMP list the shards whose end is "greater than or equal to"
// the timestamp (API_ShardFilter), so a parent closed at that very
// millisecond is listed beside its children.
func TestShardFilterKeepsAShardClosedAtTheTimestamp(t *testing.T) {
	parent := &shardMeta{CreatedMs: 1000, ClosedMs: 5000, Parent: -1}
	child := &shardMeta{CreatedMs: 5000, Parent: 0}
	at := func(typ string, ms int64) *shardFilter {
		ts := epochTime{time.UnixMilli(ms)}
		return &shardFilter{Type: &typ, Timestamp: &ts}
	}
	for _, c := range []struct {
		typ           string
		ms            int64
		parent, child bool
	}{
		{"AT_TIMESTAMP", 4999, true, false},
		{"AT_TIMESTAMP", 5000, true, true},
		{"AT_TIMESTAMP", 5001, false, true},
		{"FROM_TIMESTAMP", 5000, true, true},
		{"FROM_TIMESTAMP", 5001, false, true},
	} {
		f := at(c.typ, c.ms)
		if got := filterMatches(f, parent, 0); got != c.parent {
			t.Errorf("%s at %d lists the parent: %v, want %v", c.typ, c.ms, got, c.parent)
		}
		if got := filterMatches(f, child, 0); got != c.child {
			t.Errorf("%s at %d lists the child: %v, want %v", c.typ, c.ms, got, c.child)
		}
	}
}

// TestTrimHorizonFiltersFollowRetention: AT_TRIM_HORIZON lists the shards
// open at the trim horizon and FROM_TRIM_HORIZON every shard within the
// retention period (API_ShardFilter), so once retention has passed a
// split, the parent is no longer listed.
func TestTrimHorizonFiltersFollowRetention(t *testing.T) {
	parent := &shardMeta{CreatedMs: 1000, ClosedMs: 5000, Parent: -1}
	child := &shardMeta{CreatedMs: 5000, Parent: 0}
	for _, c := range []struct {
		typ           string
		horizon       int64
		parent, child bool
	}{
		{"AT_TRIM_HORIZON", 0, true, false}, // a stream younger than its retention
		{"AT_TRIM_HORIZON", 4000, true, false},
		{"AT_TRIM_HORIZON", 5000, true, true},
		{"AT_TRIM_HORIZON", 6000, false, true},
		{"FROM_TRIM_HORIZON", 0, true, true},
		{"FROM_TRIM_HORIZON", 6000, false, true},
	} {
		f := &shardFilter{Type: &c.typ}
		if got := filterMatches(f, parent, c.horizon); got != c.parent {
			t.Errorf("%s with the horizon at %d lists the parent: %v, want %v", c.typ, c.horizon, got, c.parent)
		}
		if got := filterMatches(f, child, c.horizon); got != c.child {
			t.Errorf("%s with the horizon at %d lists the child: %v, want %v", c.typ, c.horizon, got, c.child)
		}
	}
}
