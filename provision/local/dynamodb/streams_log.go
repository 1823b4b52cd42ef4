package dynamodb

import (
	"bytes"
	"encoding/binary"

	"github.com/spk-cli/spk/provision/local/store"
)

// Every stream's records share one top-level bucket, keyed by the stream's
// number and the record's sequence number. A write then dirties the record
// log's pages next to its item's, instead of a chain of nested buckets
// (streams, the stream, its records) whose every level bbolt rewrites on
// commit: each durable write pays for fewer pages. Sequence numbers come
// from the log's own sequence, shared by all streams, so they increase
// along every shard; a shard's range may hold numbers of other streams,
// which its reads skip.

var (
	streamRecordsBucket = []byte("dynamodb/stream-records")
	streamIDKey         = []byte("id")
)

// appendFill is how full the log's pages are split: records arrive in
// key order, so a split leaves the left page full instead of half empty,
// and a commit has fewer pages to write.
const appendFill = 1.0

// recordLog is one stream's records in the shared log.
type recordLog struct {
	b      *store.Bucket
	prefix []byte // the stream's number, 8 bytes
}

// Sequence is the last sequence number given to any record.
func (l *recordLog) Sequence() uint64 { return l.b.Sequence() }

// NextSequence takes the next sequence number; it rolls back with the
// transaction.
func (l *recordLog) NextSequence() (uint64, error) { return l.b.NextSequence() }

// Put stores the record with sequence number seq.
func (l *recordLog) Put(seq uint64, v []byte) error { return l.b.Put(l.key(seq), v) }

func (l *recordLog) key(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, 16), l.prefix...), seq)
}

// Cursor walks the stream's records in sequence order; its keys are the
// 8-byte sequence numbers.
func (l *recordLog) Cursor() *recordCursor { return &recordCursor{l: l, c: l.b.Cursor()} }

// Delete removes the record with sequence number seq.
func (l *recordLog) Delete(seq uint64) error { return l.b.Delete(l.key(seq)) }

// drop removes at most budget of the stream's records, oldest first: how
// many, and whether none is left.
func (l *recordLog) drop(budget int) (n int, done bool, err error) {
	var seqs []uint64
	c := l.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(seqs) == budget {
			break
		}
		seqs = append(seqs, binary.BigEndian.Uint64(k))
	}
	for _, seq := range seqs {
		if err := l.Delete(seq); err != nil {
			return 0, false, err
		}
	}
	if len(seqs) < budget {
		return len(seqs), true, nil
	}
	k, _ := l.Cursor().First()
	return len(seqs), k == nil, nil
}

type recordCursor struct {
	l *recordLog
	c *store.Cursor
}

func (rc *recordCursor) strip(k, v []byte) ([]byte, []byte) {
	if k == nil || !bytes.HasPrefix(k, rc.l.prefix) {
		return nil, nil
	}
	return k[len(rc.l.prefix):], v
}

// First moves to the stream's oldest record.
func (rc *recordCursor) First() ([]byte, []byte) { return rc.strip(rc.c.Seek(rc.l.prefix)) }

// Seek moves to the first record whose sequence key is at least seq.
func (rc *recordCursor) Seek(seq []byte) ([]byte, []byte) {
	return rc.strip(rc.c.Seek(append(append(make([]byte, 0, 16), rc.l.prefix...), seq...)))
}

// Next moves to the stream's next record.
func (rc *recordCursor) Next() ([]byte, []byte) { return rc.strip(rc.c.Next()) }

// newRecordLog numbers a new stream, whose bucket is root, and returns its
// record log.
func newRecordLog(tx *store.Tx, root *store.Bucket) (*recordLog, error) {
	b, err := tx.CreateBucketIfNotExists(streamRecordsBucket)
	if err != nil {
		return nil, err
	}
	top := tx.Bucket(streamsBucket)
	n, err := top.NextSequence()
	if err != nil {
		return nil, err
	}
	id := binary.BigEndian.AppendUint64(nil, n)
	if err := root.Put(streamIDKey, id); err != nil {
		return nil, err
	}
	b.SetFillPercent(appendFill)
	return &recordLog{b: b, prefix: id}, nil
}

// openRecordLog returns the record log of the stream whose bucket is root.
func openRecordLog(tx *store.Tx, root *store.Bucket) *recordLog {
	id := root.Get(streamIDKey)
	b := tx.Bucket(streamRecordsBucket)
	if id == nil || b == nil {
		return nil
	}
	b.SetFillPercent(appendFill)
	return &recordLog{b: b, prefix: id}
}
