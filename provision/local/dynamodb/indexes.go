package dynamodb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// Secondary indexes are materialised: every index of a table keeps one
// entry per item it holds, in DynamoDB's order, so reading an index costs
// what reading the table does. (Sorting the whole table for each index
// read made a Query of ten items cost 100 ms in a table of 50 000.)
//
// The definitions are keyed by table ID, then index name; each index's
// entries are a top-level bucket of their own (fewer pages to rewrite per
// commit than a bucket nested two deep):
//
//	dynamodb/index-defs/<table ID>:             index name → the keys an entry is made of (JSON)
//	dynamodb/index-entries/<table ID>/<index name>: entry key → the item's storage key
//
// An entry key is the index's partition key as the table's storage keys
// begin (length-prefixed), then the index's sort key, the table's partition
// key and the table's sort key, each order-encoded and escaped so that the
// concatenation sorts as the tuple does: DynamoDB orders items whose index
// keys are equal by the table's keys. An item lacking an index key
// attribute, or holding one of another type, has no entry.
//
// The definitions live in the store beside the entries, not in the table's
// meta in memory, so that a write transaction maintains exactly the
// indexes that exist in the state it commits onto.
var indexDefsBucket = []byte("dynamodb/index-defs")

const indexEntriesPrefix = "dynamodb/index-entries/"

// entriesBucketName is the name of the top-level bucket of an index's entries.
func entriesBucketName(tableID string, index []byte) []byte {
	return append([]byte(indexEntriesPrefix+tableID+"/"), index...)
}

// indexKeys is what an index entry is made of.
type indexKeys struct {
	Hash, Range           keyDef // Range.Name is "" when the index has no sort key
	TableHash, TableRange keyDef // TableRange.Name is "" for a hash-only table
	// Expiry, for the expiry list (expiryIndex), is the TTL attribute: the
	// entries are ordered by the time it holds, so the TTL sweeper reads
	// what has expired instead of every item, every second.
	Expiry string `json:",omitempty"`
}

// expiryIndex is the name the expiry list of a table with TTL enabled is
// kept under; no index name can hold a zero byte.
const expiryIndex = "\x00expiry"

func indexKeysOf(m *tableMeta, ix *indexMeta) indexKeys {
	h, r := keysOf(ix.KeySchema, m.AttributeDefinitions)
	th, tr := keysOf(m.KeySchema, m.AttributeDefinitions)
	return indexKeys{Hash: h, Range: r, TableHash: th, TableRange: tr}
}

// entryKey is the entry key of it, or nil when it has no entry: an item
// without the index's keys, or with one the index cannot hold (an empty or
// oversized string or binary, written before the index was made).
func (d *indexKeys) entryKey(it attr.Item) []byte {
	if !d.holds(it) {
		return nil
	}
	return d.heldEntryKey(it)
}

// holds reports whether the index can hold the keys of it (see indexableKey).
func (d *indexKeys) holds(it attr.Item) bool {
	return d.Expiry != "" || indexableKey(it[d.Hash.Name], "HASH") && (d.Range.Name == "" || indexableKey(it[d.Range.Name], "RANGE"))
}

// heldEntryKey is entryKey without the checks of what an index can hold:
// the key an entry of it may be stored under by a build that did not make
// them, to be deleted.
func (d *indexKeys) heldEntryKey(it attr.Item) []byte {
	var k []byte
	if d.Expiry != "" {
		// Only a number is a TTL (isExpired); the entry begins with it.
		v, ok := it[d.Expiry]
		if !ok || v.Kind != attr.N {
			return nil
		}
		k = appendEscaped(nil, attr.AppendOrdered(nil, v))
		return d.appendTableKey(k, it)
	}
	h, ok := it[d.Hash.Name]
	if !ok || h.Kind != d.Hash.Kind {
		return nil
	}
	k = partitionPrefix(h)
	if d.Range.Name != "" {
		r, ok := it[d.Range.Name]
		if !ok || r.Kind != d.Range.Kind {
			return nil
		}
		k = appendEscaped(k, attr.AppendOrdered(nil, r))
	}
	return d.appendTableKey(k, it)
}

// appendTableKey appends the table's keys of it, escaped.
func (d *indexKeys) appendTableKey(k []byte, it attr.Item) []byte {
	k = appendEscaped(k, attr.AppendOrdered(nil, it[d.TableHash.Name]))
	if d.TableRange.Name != "" {
		k = appendEscaped(k, attr.AppendOrdered(nil, it[d.TableRange.Name]))
	}
	return k
}

// appendEscaped appends b so that concatenations sort component by
// component: each 0x00 becomes 0x00 0xff, and 0x00 0x01 ends it.
func appendEscaped(dst, b []byte) []byte {
	for _, c := range b {
		if c == 0 {
			dst = append(dst, 0, 0xff)
		} else {
			dst = append(dst, c)
		}
	}
	return append(dst, 0, 1)
}

// appendEscapedBound appends b escaped without its end: a seek key at or
// before every entry whose component is b or sorts after it.
func appendEscapedBound(dst, b []byte) []byte {
	dst = appendEscaped(dst, b)
	return dst[:len(dst)-2]
}

// entryPartition splits an entry key into its partition part (as
// partitionPrefix has it) and the rest.
func entryPartition(k []byte) (part, rest []byte) {
	if len(k) < 2 {
		return nil, nil
	}
	n := 2 + (int(k[0])<<8 | int(k[1]))
	if n > len(k) {
		return nil, nil
	}
	return k[:n], k[n:]
}

// unescapeFirst decodes the first escaped component of k into dst.
func unescapeFirst(dst, k []byte) []byte {
	for i := 0; i < len(k); i++ {
		if k[i] != 0 {
			dst = append(dst, k[i])
			continue
		}
		if i+1 < len(k) && k[i+1] == 0xff {
			dst = append(dst, 0)
			i++
			continue
		}
		break
	}
	return dst
}

// indexDefs caches decoded definitions by their stored bytes: they are
// read on every write to a table with indexes. A plain map, so a lookup
// by the stored bytes allocates nothing.
var indexDefs = struct {
	sync.RWMutex
	m map[string]*indexKeys
}{m: map[string]*indexKeys{}}

func decodeIndexKeys(v []byte) (*indexKeys, error) {
	indexDefs.RLock()
	d, ok := indexDefs.m[string(v)]
	indexDefs.RUnlock()
	if ok {
		return d, nil
	}
	d = new(indexKeys)
	if err := json.Unmarshal(v, d); err != nil {
		return nil, fmt.Errorf("dynamodb: stored index definition: %w", err)
	}
	indexDefs.Lock()
	indexDefs.m[string(v)] = d
	indexDefs.Unlock()
	return d, nil
}

// updateIndexes moves the entries of the item at key from old to next
// (either nil) in every index of t.
func updateIndexes(tx *store.Tx, t *table, key []byte, old, next attr.Item) error {
	if !t.indexed.Load() {
		return nil
	}
	defs := tx.Bucket(indexDefsBucket)
	if defs == nil {
		return nil
	}
	td := defs.Bucket([]byte(t.id))
	if td == nil {
		return nil
	}
	return td.ForEach(func(name, v []byte) error {
		d, err := decodeIndexKeys(v)
		if err != nil {
			return err
		}
		// was is the key old's entry may be stored under, even one an
		// older build made for a key the index cannot hold: it goes too.
		eb := tx.Bucket(entriesBucketName(t.id, name))
		var was, now []byte
		wasIn := false
		if old != nil {
			// Counted when the index holds it, or when an older build
			// stored it all the same (counted on open from the entries).
			was = d.heldEntryKey(old)
			wasIn = was != nil && (d.holds(old) || eb != nil && eb.Get(was) != nil)
		}
		if next != nil {
			now = d.entryKey(next)
		}
		if string(name) != expiryIndex && (wasIn || now != nil) {
			if st := t.stats.get(name, v); st != nil {
				st.countChange(tx, old, next, wasIn, now != nil)
			}
		}
		if bytes.Equal(was, now) {
			return nil
		}
		if eb == nil {
			return fmt.Errorf("dynamodb: index %s of table %s has no entries", name, t.id)
		}
		if was != nil {
			if err := eb.Delete(was); err != nil {
				return err
			}
		}
		if now != nil {
			return eb.Put(now, key)
		}
		return nil
	})
}

// expiredKeys returns the storage keys of at most max of t's items whose
// TTL is at or after floor and before now, in the order they expired, from
// the expiry list; ok is false when t has none (TTL was disabled
// meanwhile).
func expiredKeys(tx *store.Tx, t *table, floor, now int64, max int) (keys [][]byte, ok bool) {
	eb := indexEntries(tx, t, expiryIndex)
	if eb == nil {
		return nil, false
	}
	limit := attr.AppendOrdered(nil, attr.NumValue(strconv.FormatInt(now, 10)))
	start := appendEscapedBound(nil, attr.AppendOrdered(nil, attr.NumValue(strconv.FormatInt(floor, 10))))
	c := eb.Cursor()
	var enc []byte
	for k, v := c.Seek(start); k != nil && len(keys) < max; k, v = c.Next() {
		if enc = unescapeFirst(enc[:0], k); bytes.Compare(enc, limit) >= 0 {
			break
		}
		keys = append(keys, bytes.Clone(v))
	}
	return keys, true
}

// syncIndexes makes t's stored indexes those of m (none when m is nil):
// an index m has and the store lacks is built from the items, one the
// store has and m lacks is removed.
func syncIndexes(tx *store.Tx, t *table, m *tableMeta) error {
	want := map[string][]byte{}
	metas := map[string]*indexMeta{}
	if m != nil {
		for _, list := range [][]indexMeta{m.GSIs, m.LSIs} {
			for i := range list {
				b, err := json.Marshal(indexKeysOf(m, &list[i]))
				if err != nil {
					return err
				}
				want[list[i].IndexName] = b
				metas[list[i].IndexName] = &list[i]
			}
		}
		if m.TTLStatus == "ENABLED" {
			th, tr := keysOf(m.KeySchema, m.AttributeDefinitions)
			b, err := json.Marshal(indexKeys{Expiry: m.TTLAttribute, TableHash: th, TableRange: tr})
			if err != nil {
				return err
			}
			want[expiryIndex] = b
		}
	}
	defs, err := tx.CreateBucketIfNotExists(indexDefsBucket)
	if err != nil {
		return err
	}
	id := []byte(t.id)
	td := defs.Bucket(id)
	if len(want) > 0 || td != nil {
		// Set before this transaction commits, so every write committed
		// after it maintains the indexes. Never cleared: if this
		// transaction rolled back, the indexes it removed would remain.
		t.indexed.Store(true)
	}
	if td == nil {
		if len(want) == 0 {
			return nil
		}
		if td, err = defs.CreateBucket(id); err != nil {
			return err
		}
	}
	// Drop what is stale: an index gone from m, or one re-created under
	// the same name with other keys.
	var stale [][]byte
	td.ForEach(func(name, v []byte) error {
		if w, ok := want[string(name)]; !ok || !bytes.Equal(w, v) {
			stale = append(stale, bytes.Clone(name))
		}
		return nil
	})
	for _, name := range stale {
		if err := td.Delete(name); err != nil {
			return err
		}
		if eb := entriesBucketName(t.id, name); tx.Bucket(eb) != nil {
			if err := tx.DeleteBucket(eb); err != nil {
				return err
			}
		}
	}
	if len(want) == 0 {
		return defs.DeleteBucket(id)
	}
	for name, def := range want {
		var st *indexStat
		if name != expiryIndex {
			st = newIndexStat(m, metas[name], def)
		}
		if td.Get([]byte(name)) != nil {
			// Built before: counted already, or counted now when the
			// store has just been opened.
			if st == nil || t.stats.get([]byte(name), def) != nil {
				continue
			}
			if err := countIndex(tx, t, name, st); err != nil {
				return err
			}
		} else if err := buildIndex(tx, t, td, []byte(name), def, st); err != nil {
			return err
		}
		if st != nil {
			t.stats.add(name, st)
		}
	}
	return nil
}

// buildIndex creates an index's entries from the items t holds, counting
// them into st unless it is nil.
func buildIndex(tx *store.Tx, t *table, td *store.Bucket, name, def []byte, st *indexStat) error {
	d, err := decodeIndexKeys(def)
	if err != nil {
		return err
	}
	if err := td.Put(name, def); err != nil {
		return err
	}
	eb, err := tx.CreateBucket(entriesBucketName(t.id, name))
	if err != nil {
		return err
	}
	items := tx.Bucket(t.bucket)
	if items == nil {
		return nil
	}
	return items.ForEach(func(k, v []byte) error {
		it, err := attr.DecodeItem(v)
		if err != nil {
			return err
		}
		ek := d.entryKey(it)
		if ek == nil {
			return nil
		}
		if st != nil {
			st.count.Add(1)
			st.size.Add(st.sizeOf(it))
		}
		return eb.Put(ek, bytes.Clone(k))
	})
}

// dropUnholdableEntries removes t's index entries whose item no longer
// has them under entryKey: those an spk from before the index key limits
// made for an empty or oversized key, which reads would return and paging
// could not go past. The counts are made from the entries afterwards.
func dropUnholdableEntries(tx *store.Tx, t *table) error {
	defs := tx.Bucket(indexDefsBucket)
	items := tx.Bucket(t.bucket)
	if defs == nil || items == nil {
		return nil
	}
	td := defs.Bucket([]byte(t.id))
	if td == nil {
		return nil
	}
	return td.ForEach(func(name, v []byte) error {
		if string(name) == expiryIndex {
			return nil
		}
		d, err := decodeIndexKeys(v)
		if err != nil {
			return err
		}
		eb := tx.Bucket(entriesBucketName(t.id, name))
		if eb == nil {
			return nil
		}
		var stale [][]byte
		if err := eb.ForEach(func(ek, key []byte) error {
			it, err := readItem(items, key)
			if err != nil {
				return err
			}
			if it == nil || !bytes.Equal(d.entryKey(it), ek) {
				stale = append(stale, bytes.Clone(ek))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, ek := range stale {
			if err := eb.Delete(ek); err != nil {
				return err
			}
		}
		return nil
	})
}

// indexEntries is the entries bucket of a table's index, or nil.
func indexEntries(tx *store.Tx, t *table, name string) *store.Bucket {
	return tx.Bucket(entriesBucketName(t.id, []byte(name)))
}
