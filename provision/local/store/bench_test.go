package store

import (
	"encoding/binary"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBatchDurable measures concurrent durable writers sharing
// commits, as the endpoint's services do: the writes per fdatasync it
// reports is the group commit at work.
func BenchmarkBatchDurable(b *testing.B) {
	db, bucket := openBench(b, b.TempDir(), false)
	var syncNanos atomic.Int64
	if db.wal != nil {
		db.wal.sync = func(f *os.File) error {
			t := time.Now()
			err := fdatasync(f)
			syncNanos.Add(int64(time.Since(t)))
			return err
		}
	}
	value := make([]byte, 200)
	var next atomic.Uint64
	start := db.Stats()
	b.SetParallelism(4) // 8 writers on 2 cores, as bench/dynamodb's clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := binary.BigEndian.AppendUint64(nil, next.Add(1)%60)
			if err := db.Batch(func(tx *Tx) error { return tx.Bucket(bucket).Put(key, value) }); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	end := db.Stats()
	if syncs := end.LogSyncs - start.LogSyncs; syncs > 0 {
		b.ReportMetric(float64(b.N)/float64(syncs), "writes/fdatasync")
		b.ReportMetric(float64(syncNanos.Load())/float64(syncs)/1e3, "µs/fdatasync")
	}
}

// BenchmarkUpdateInMemory is one small write transaction on an in-memory
// store: what bbolt's commit costs when nothing is synced.
func BenchmarkUpdateInMemory(b *testing.B) {
	db, bucket := openBench(b, "", true)
	value := make([]byte, 200)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		key := []byte{byte(i % 60)}
		err := db.Update(func(tx *Tx) error { return tx.Bucket(bucket).Put(key, value) })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// openBench opens a store (closed when the benchmark ends) with one empty
// bucket, and returns the bucket's name.
func openBench(b *testing.B, dir string, inMemory bool) (*DB, []byte) {
	db, err := Open(dir, inMemory)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	bucket := []byte("bench")
	if err := db.Update(func(tx *Tx) error { _, err := tx.CreateBucketIfNotExists(bucket); return err }); err != nil {
		b.Fatal(err)
	}
	return db, bucket
}
