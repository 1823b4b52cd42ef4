package store

import (
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Tx, Bucket and Cursor wrap bbolt's types with explicit methods rather
// than embedding them, so that a write method not wrapped here is a compile
// error in the services instead of a write that never reaches the log. In a
// write transaction of a durable store every mutation is also appended to
// the transaction's redo record (see record.go); views and in-memory stores
// carry no recorder.

// Tx is a read or write transaction.
type Tx struct {
	tx  *bolt.Tx
	rec *recorder // nil when nothing is logged
}

// Bucket returns the top-level bucket name, or nil if there is none.
func (tx *Tx) Bucket(name []byte) *Bucket {
	b := tx.tx.Bucket(name)
	if b == nil {
		return nil
	}
	return tx.wrap(b, nil, name)
}

// CreateBucket creates a top-level bucket; it fails if one exists.
func (tx *Tx) CreateBucket(name []byte) (*Bucket, error) {
	b, err := tx.tx.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	nb := tx.wrap(b, nil, name)
	tx.rec.bucketOp(opCreateBucket, nb.path)
	return nb, nil
}

// CreateBucketIfNotExists creates a top-level bucket unless it exists.
func (tx *Tx) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	b, err := tx.tx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	nb := tx.wrap(b, nil, name)
	tx.rec.bucketOp(opCreateBucket, nb.path)
	return nb, nil
}

// DeleteBucket deletes a top-level bucket and all it holds.
func (tx *Tx) DeleteBucket(name []byte) error {
	if err := tx.tx.DeleteBucket(name); err != nil {
		return err
	}
	if tx.rec != nil {
		tx.rec.bucketOp(opDeleteBucket, appendSegment(nil, name))
	}
	return nil
}

// OnCommit runs fn after the transaction committed.
func (tx *Tx) OnCommit(fn func()) { tx.tx.OnCommit(fn) }

// Writable reports whether this is a write transaction.
func (tx *Tx) Writable() bool { return tx.tx.Writable() }

func (tx *Tx) wrap(b *bolt.Bucket, parent []byte, name []byte) *Bucket {
	nb := &Bucket{b: b, tx: tx}
	if tx.rec != nil {
		nb.path = appendSegment(append([]byte(nil), parent...), name)
	}
	return nb
}

// Bucket is a bucket seen through a transaction.
type Bucket struct {
	b    *bolt.Bucket
	tx   *Tx
	path []byte // encoded path from the root; only kept when recording
}

// Get returns the value of key, or nil.
func (b *Bucket) Get(key []byte) []byte { return b.b.Get(key) }

// Put sets key to value.
func (b *Bucket) Put(key, value []byte) error {
	if err := b.b.Put(key, value); err != nil {
		return err
	}
	b.tx.rec.put(b.path, key, value)
	return nil
}

// Delete removes key; a missing key is not an error.
func (b *Bucket) Delete(key []byte) error {
	if err := b.b.Delete(key); err != nil {
		return err
	}
	b.tx.rec.del(b.path, key)
	return nil
}

// Bucket returns the nested bucket name, or nil.
func (b *Bucket) Bucket(name []byte) *Bucket {
	nb := b.b.Bucket(name)
	if nb == nil {
		return nil
	}
	return b.tx.wrap(nb, b.path, name)
}

// CreateBucket creates a nested bucket; it fails if one exists.
func (b *Bucket) CreateBucket(name []byte) (*Bucket, error) {
	nb, err := b.b.CreateBucket(name)
	if err != nil {
		return nil, err
	}
	w := b.tx.wrap(nb, b.path, name)
	b.tx.rec.bucketOp(opCreateBucket, w.path)
	return w, nil
}

// CreateBucketIfNotExists creates a nested bucket unless it exists.
func (b *Bucket) CreateBucketIfNotExists(name []byte) (*Bucket, error) {
	nb, err := b.b.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, err
	}
	w := b.tx.wrap(nb, b.path, name)
	b.tx.rec.bucketOp(opCreateBucket, w.path)
	return w, nil
}

// DeleteBucket deletes a nested bucket and all it holds.
func (b *Bucket) DeleteBucket(name []byte) error {
	if err := b.b.DeleteBucket(name); err != nil {
		return err
	}
	if b.tx.rec != nil {
		b.tx.rec.bucketOp(opDeleteBucket, appendSegment(append([]byte(nil), b.path...), name))
	}
	return nil
}

// Sequence returns the bucket's sequence number.
func (b *Bucket) Sequence() uint64 { return b.b.Sequence() }

// SetSequence sets the bucket's sequence number.
func (b *Bucket) SetSequence(v uint64) error {
	if err := b.b.SetSequence(v); err != nil {
		return err
	}
	b.tx.rec.setSequence(b.path, v)
	return nil
}

// NextSequence increments the bucket's sequence number and returns it. The
// log holds the resulting value, a blind write.
func (b *Bucket) NextSequence() (uint64, error) {
	v, err := b.b.NextSequence()
	if err != nil {
		return 0, err
	}
	b.tx.rec.setSequence(b.path, v)
	return v, nil
}

// SetFillPercent sets how full bbolt packs this bucket's pages when it
// splits them in this transaction. It changes the layout, not the content,
// so it is not logged.
func (b *Bucket) SetFillPercent(f float64) { b.b.FillPercent = f }

// ForEach calls fn for every key (nested buckets have a nil value).
func (b *Bucket) ForEach(fn func(k, v []byte) error) error { return b.b.ForEach(fn) }

// ForEachBucket calls fn for every nested bucket's name.
func (b *Bucket) ForEachBucket(fn func(k []byte) error) error { return b.b.ForEachBucket(fn) }

// Stats returns bbolt's statistics of the bucket.
func (b *Bucket) Stats() bolt.BucketStats { return b.b.Stats() }

// Cursor returns a cursor over the bucket.
func (b *Bucket) Cursor() *Cursor { return &Cursor{c: b.b.Cursor(), b: b} }

// Cursor walks a bucket in key order.
type Cursor struct {
	c   *bolt.Cursor
	b   *Bucket
	key []byte // the key the cursor is on, for Delete's log entry
}

func (c *Cursor) at(k, v []byte) ([]byte, []byte) {
	c.key = k
	return k, v
}

// First moves to the first key.
func (c *Cursor) First() ([]byte, []byte) { return c.at(c.c.First()) }

// Last moves to the last key.
func (c *Cursor) Last() ([]byte, []byte) { return c.at(c.c.Last()) }

// Next moves to the next key.
func (c *Cursor) Next() ([]byte, []byte) { return c.at(c.c.Next()) }

// Prev moves to the previous key.
func (c *Cursor) Prev() ([]byte, []byte) { return c.at(c.c.Prev()) }

// Seek moves to key, or the first key after it.
func (c *Cursor) Seek(seek []byte) ([]byte, []byte) { return c.at(c.c.Seek(seek)) }

// Bucket returns the bucket the cursor walks.
func (c *Cursor) Bucket() *Bucket { return c.b }

// Delete removes the key the cursor is on. The entry is recorded before
// the delete, while the key's bytes are surely still valid, and dropped
// again if bbolt refuses.
func (c *Cursor) Delete() error {
	mark := c.b.tx.rec.mark()
	if c.key != nil {
		c.b.tx.rec.del(c.b.path, c.key)
	}
	if err := c.c.Delete(); err != nil {
		c.b.tx.rec.undo(mark)
		return err
	}
	return nil
}

// ErrBucketNotFound and friends are bbolt's errors, re-exported so the
// services need not import bbolt.
var (
	ErrBucketNotFound = bolterrors.ErrBucketNotFound
	ErrBucketExists   = bolterrors.ErrBucketExists
)
