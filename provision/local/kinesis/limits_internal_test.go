package kinesis

import (
	"testing"
	"time"
)

// TestLargeRecordsAverageAMebibyteASecond: a shard takes a record of up to
// 10 MiB when it has a full second of write capacity, and then none until
// the record's size has been earned back at 1 MiB/s, as AWS's shards
// average; records of a usual size pass as before.
func TestLargeRecordsAverageAMebibyteASecond(t *testing.T) {
	sh := &shardMeta{}
	l := sh.limiter()
	now := time.Unix(1_700_000_000, 0)
	if !l.allowWrite(now, 8<<20) {
		t.Fatal("a rested shard refused an 8 MiB record")
	}
	for _, s := range []int{1, 3, 6} {
		if l.allowWrite(now.Add(time.Duration(s)*time.Second), 1<<10) {
			t.Fatalf("%d s after 8 MiB the shard took another KiB", s)
		}
	}
	if !l.allowWrite(now.Add(7*time.Second+10*time.Millisecond), 1<<10) {
		t.Fatal("7 s after 8 MiB the shard still refused a KiB")
	}
	for i := range 1000 {
		if !l.allowWrite(now.Add(20*time.Second), 1<<10) {
			t.Fatalf("a rested shard refused KiB record %d of 1000", i)
		}
	}
	if l.allowWrite(now.Add(20*time.Second), 1<<10) {
		t.Fatal("a shard took a 1001st record in a second")
	}
}
