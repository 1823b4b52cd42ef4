package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// A redo record is the list of a write transaction's mutations, each a
// blind write: it states the result (this key now holds this value, this
// bucket exists, this sequence is n), never an operation on the old value.
// Replaying blind writes in order onto any state at or before the one the
// record was made from therefore ends in the same state, so replaying a
// record twice, or one already in the store, is harmless.
//
// Encoding: one byte of op, the bucket path (each name as uvarint length
// and bytes, ended by a zero length: bbolt has no empty bucket names), then
// the op's arguments as uvarint-length-prefixed bytes or a uvarint.

const (
	opPut          = 1 // path, key, value
	opDelete       = 2 // path, key
	opCreateBucket = 3 // path (created if missing, with its parents' existing)
	opDeleteBucket = 4 // path (a missing bucket is fine)
	opSetSequence  = 5 // path, n
)

// recorder collects the entries of one write transaction. Its methods do
// nothing on a nil recorder, so views and in-memory stores pay nothing.
type recorder struct {
	buf []byte
	n   int // entries recorded
}

func appendSegment(path, name []byte) []byte {
	path = binary.AppendUvarint(path, uint64(len(name)))
	return append(path, name...)
}

func (r *recorder) begin(op byte, path []byte) {
	r.buf = append(r.buf, op)
	r.buf = append(r.buf, path...)
	r.buf = append(r.buf, 0)
	r.n++
}

func (r *recorder) bytes(b []byte) {
	r.buf = binary.AppendUvarint(r.buf, uint64(len(b)))
	r.buf = append(r.buf, b...)
}

func (r *recorder) put(path, key, value []byte) {
	if r == nil {
		return
	}
	r.begin(opPut, path)
	r.bytes(key)
	r.bytes(value)
}

func (r *recorder) del(path, key []byte) {
	if r == nil {
		return
	}
	r.begin(opDelete, path)
	r.bytes(key)
}

func (r *recorder) bucketOp(op byte, path []byte) {
	if r == nil {
		return
	}
	r.begin(op, path)
}

func (r *recorder) setSequence(path []byte, v uint64) {
	if r == nil {
		return
	}
	r.begin(opSetSequence, path)
	r.buf = binary.AppendUvarint(r.buf, v)
}

type recMark struct{ len, n int }

func (r *recorder) mark() recMark {
	if r == nil {
		return recMark{}
	}
	return recMark{len(r.buf), r.n}
}

func (r *recorder) undo(m recMark) {
	if r == nil {
		return
	}
	r.buf, r.n = r.buf[:m.len], m.n
}

func (r *recorder) reset() { r.buf, r.n = r.buf[:0], 0 }

var errCorruptRecord = errors.New("corrupt redo record")

// errNewerRecord is a whole record (its checksum holds) with an operation
// this spk does not know: written by a newer one.
var errNewerRecord = errors.New("a redo record of a newer format")

// decoder reads a record's entries back.
type decoder struct{ b []byte }

func (d *decoder) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		return 0, errCorruptRecord
	}
	d.b = d.b[n:]
	return v, nil
}

func (d *decoder) bytes() ([]byte, error) {
	n, err := d.uvarint()
	if err != nil || n > uint64(len(d.b)) {
		return nil, errCorruptRecord
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v, nil
}

// path reads a bucket path as its names.
func (d *decoder) path() ([][]byte, error) {
	var names [][]byte
	for {
		name, err := d.bytes()
		if err != nil {
			return nil, err
		}
		if len(name) == 0 {
			if len(names) == 0 {
				return nil, errCorruptRecord
			}
			return names, nil
		}
		names = append(names, name)
	}
}

// bucketAt returns the bucket at path, creating it (and only it) when
// create is set, or nil when it or a parent is missing.
func bucketAt(tx *bolt.Tx, path [][]byte, create bool) (*bolt.Bucket, error) {
	if len(path) == 1 {
		if create {
			return tx.CreateBucketIfNotExists(path[0])
		}
		return tx.Bucket(path[0]), nil
	}
	b := tx.Bucket(path[0])
	for _, name := range path[1 : len(path)-1] {
		if b == nil {
			return nil, nil
		}
		b = b.Bucket(name)
	}
	if b == nil {
		return nil, nil
	}
	last := path[len(path)-1]
	if create {
		return b.CreateBucketIfNotExists(last)
	}
	return b.Bucket(last), nil
}

// replay applies a record's entries to tx in order.
func replay(tx *bolt.Tx, rec []byte) error {
	d := decoder{b: rec}
	for len(d.b) > 0 {
		op := d.b[0]
		d.b = d.b[1:]
		path, err := d.path()
		if err != nil {
			return err
		}
		switch op {
		case opPut, opDelete, opSetSequence:
			b, err := bucketAt(tx, path, false)
			if err != nil {
				return err
			}
			if b == nil {
				return fmt.Errorf("%w: bucket %q is missing", errCorruptRecord, path)
			}
			switch op {
			case opPut:
				k, err := d.bytes()
				if err != nil {
					return err
				}
				v, err := d.bytes()
				if err != nil {
					return err
				}
				err = b.Put(k, v)
				if err != nil {
					return err
				}
			case opDelete:
				k, err := d.bytes()
				if err != nil {
					return err
				}
				if err := b.Delete(k); err != nil {
					return err
				}
			case opSetSequence:
				v, err := d.uvarint()
				if err != nil {
					return err
				}
				if err := b.SetSequence(v); err != nil {
					return err
				}
			}
		case opCreateBucket:
			b, err := bucketAt(tx, path, true)
			if err != nil {
				return err
			}
			if b == nil {
				return fmt.Errorf("%w: the parent of bucket %q is missing", errCorruptRecord, path)
			}
		case opDeleteBucket:
			var err error
			if len(path) == 1 {
				err = tx.DeleteBucket(path[0])
			} else if parent, perr := bucketAt(tx, path[:len(path)-1], false); perr != nil {
				err = perr
			} else if parent != nil {
				err = parent.DeleteBucket(path[len(path)-1])
			}
			if err != nil && !errors.Is(err, bolterrors.ErrBucketNotFound) {
				return err
			}
		default:
			// The record's checksum held: a newer spk's operation.
			return fmt.Errorf("%w: op %d", errNewerRecord, op)
		}
	}
	return nil
}
