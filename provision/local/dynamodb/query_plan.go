package dynamodb

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"slices"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
	"github.com/spk-cli/spk/provision/local/store"
)

// readPlan is what a Query or Scan reads and how it pages.
type readPlan struct {
	t          *table
	m          tableMeta
	index      *indexMeta
	ihash      keyDef // the key schema being read (table or index)
	irng       keyDef
	key        *keyQuery // nil for Scan
	filter     *expr.Cond
	paths      []expr.Path
	count      bool
	limit      int
	forward    bool
	startKey   attr.Item
	segment    int
	segments   int
	capacityRC *string
	table      string // as the request named it, which ConsumedCapacity echoes
	consistent bool   // ConsistentRead, for ConsumedCapacity
	// fetch: the read names attributes, or asks for all of them, through a
	// local index, which fetches what it does not project from the table.
	fetch bool
	// entryFilter: the filter sees an index's entries even through a local
	// index, as PartiQL's conditions do.
	entryFilter bool
	// pageRead is what earlier reads of this page read already (PartiQL
	// reading several partitions into one page): the 1 MB is the page's.
	pageRead int
}

type readResult struct {
	items    []attr.Item
	raw      []byte // pageHeadroom bytes, then items already encoded, comma-separated (fast path)
	rawCount int
	scanned  int
	last     attr.Item
	size     int
}

// plain reports whether items are returned exactly as stored, so they can
// be transcoded straight from storage to JSON.
func (p *readPlan) plain() bool {
	return p.filter == nil && p.paths == nil && p.index == nil && !p.count
}

// firstPageBuffer is the starting size of a page's encoded items: most
// pages fit, so the buffer is rarely regrown. The items start after
// pageHeadroom bytes, where the response's opening is written once the
// counts are known; it is longer than that opening can be.
const (
	firstPageBuffer = 16 << 10
	pageHeadroom    = 80
)

// visitStored is visit for the plain case.
func (p *readPlan) visitStored(r *readResult, stored []byte) (bool, error) {
	if r.rawCount > 0 {
		r.raw = append(r.raw, ',')
	} else if r.raw == nil {
		r.raw = make([]byte, pageHeadroom, firstPageBuffer)
	}
	var size int
	var err error
	r.raw, size, err = attr.AppendStoredJSON(r.raw, stored)
	if err != nil {
		return false, err
	}
	r.rawCount++
	r.scanned++
	r.size += size
	if p.limit > 0 && r.scanned >= p.limit || p.pageRead+r.size >= maxPage {
		it, err := attr.DecodeItem(stored)
		if err != nil {
			return false, err
		}
		r.last = p.lastKey(it)
		return false, nil
	}
	return true, nil
}

func (p *readPlan) keyNames() []keyDef {
	ks := []keyDef{p.t.hash}
	if p.t.rng.Name != "" {
		ks = append(ks, p.t.rng)
	}
	if p.index != nil {
		for _, k := range []keyDef{p.ihash, p.irng} {
			if k.Name != "" && k.Name != p.t.hash.Name && k.Name != p.t.rng.Name {
				ks = append(ks, k)
			}
		}
	}
	return ks
}

func (p *readPlan) checkStartKey(k attr.Item) error {
	if msg := attr.InvalidItem(k); msg != "" {
		return validation(msg)
	}
	ks := p.keyNames()
	if len(k) != len(ks) {
		return validation("The provided starting key is invalid: The provided key element does not match the schema")
	}
	for _, d := range ks {
		v, ok := k[d.Name]
		if !ok || v.Kind != d.Kind {
			return validation("The provided starting key is invalid: The provided key element does not match the schema")
		}
	}
	// An empty S or B can be no item's key: taken, it read from the start.
	for _, d := range ks {
		if v := k[d.Name]; isEmptyKey(v) {
			return validation("The provided starting key is invalid: " + emptyKeyError(v, d.Name).(*apiError).Msg)
		}
	}
	if p.key == nil {
		return p.checkStartSegment(k)
	}
	// The key read: the table's, or the index's.
	hashName, rngName := p.t.hash.Name, p.t.rng.Name
	if p.index != nil {
		hashName, rngName = p.ihash.Name, p.irng.Name
	}
	samePartition := attr.Equal(k[hashName], p.key.hash)
	if p.key.rng == nil {
		if !samePartition {
			return validation("The provided starting key is outside query boundaries based on provided conditions")
		}
		return nil
	}
	// With a sort key condition, DynamoDB checks the start key's sort key
	// against it first.
	hash, rng := k[hashName], k[rngName]
	if enc := storageKey(hash, &rng)[len(partitionPrefix(hash)):]; !p.key.rng.match(enc) {
		return validation("The provided starting key does not match the range key predicate")
	}
	if !samePartition {
		return validation("The query can return at most one row and cannot be restarted")
	}
	return nil
}

// lastKey is the LastEvaluatedKey for an item.
// checkStartSegment refuses, in a parallel Scan, a start key of another
// segment than the one read: taken, it would skip items of this segment
// or end it early.
func (p *readPlan) checkStartSegment(k attr.Item) error {
	if p.segments <= 1 {
		return nil
	}
	var seg int
	if p.index == nil {
		seg = segmentOf(hashOfStorageKey(storageKeyOf(p.t, k)), p.segments)
	} else {
		d := indexKeysOf(&p.m, p.index)
		entry := d.heldEntryKey(k)
		if entry == nil {
			return nil
		}
		part, _ := entryPartition(entry)
		seg = segmentOf(part, p.segments)
	}
	if seg != p.segment {
		return validation(fmt.Sprintf("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: %d Segment: %d", p.segments, p.segment))
	}
	return nil
}

func (p *readPlan) lastKey(it attr.Item) attr.Item {
	out := attr.Item{}
	for _, d := range p.keyNames() {
		out[d.Name] = it[d.Name]
	}
	return out
}

// projected reports whether the index's entries hold the attribute.
func (p *readPlan) projected(name string) bool {
	if p.index == nil || p.index.Projection.ProjectionType == "ALL" {
		return true
	}
	for _, d := range p.keyNames() {
		if d.Name == name {
			return true
		}
	}
	return slices.Contains(p.index.Projection.NonKeyAttributes, name)
}

// localIndex reports whether the read goes through a local secondary index.
func (p *readPlan) localIndex() bool { return p.index != nil && !isGSI(&p.m, p.index.IndexName) }

// project applies the index projection and then the requested paths.
func (p *readPlan) project(it attr.Item) attr.Item {
	if p.index != nil && p.index.Projection.ProjectionType != "ALL" && !p.fetch {
		keep := map[string]bool{}
		for _, d := range p.keyNames() {
			keep[d.Name] = true
		}
		for _, a := range p.index.Projection.NonKeyAttributes {
			keep[a] = true
		}
		out := attr.Item{}
		for k, v := range it {
			if keep[k] {
				out[k] = v
			}
		}
		it = out
	}
	if p.paths != nil {
		return expr.Project(it, p.paths)
	}
	return it
}

// visit accumulates one evaluated item; it reports false when the page is
// full.
func (p *readPlan) visit(r *readResult, it attr.Item) bool {
	r.scanned++
	seen := it
	if p.index != nil {
		// An index read reads the index's entries, not the items: a global
		// index's filter sees only what the index projects, so a condition
		// on another attribute finds it missing. A local index fetches the
		// rest from the table for Query and Scan.
		entry := indexEntry(&p.m, p.index, it)
		r.size += entry.Size()
		if p.entryFilter || !p.localIndex() {
			seen = entry
		}
	} else {
		r.size += it.Size()
	}
	if p.filter == nil || p.filter.Eval(seen) {
		if p.count {
			r.items = append(r.items, nil)
		} else {
			r.items = append(r.items, p.project(it))
		}
	}
	if p.limit > 0 && r.scanned >= p.limit || p.pageRead+r.size >= maxPage {
		r.last = p.lastKey(it)
		return false
	}
	return true
}

func (p *readPlan) run(tx *store.Tx) (*readResult, error) {
	b := tx.Bucket(p.t.bucket)
	if b == nil {
		return nil, notFound("Requested resource not found")
	}
	r := &readResult{}
	if p.index != nil {
		return r, p.runIndex(tx, b, r)
	}
	c := b.Cursor()
	var prefix []byte
	if p.key != nil {
		prefix = partitionPrefix(p.key.hash)
	}
	var startKey []byte
	if p.startKey != nil {
		startKey = storageKeyOf(p.t, p.startKey)
	}
	var past []byte
	if p.key != nil {
		// A storage key ends with the sort key: one 0x00 more sorts after it.
		past = p.key.rng.past(prefix, func(dst, v []byte) []byte { return append(dst, v...) }, []byte{0})
	}
	k, v := seekStart(c, p.forward, startKey, prefix, append(append([]byte{}, prefix...), p.key.rngLower()...), past)
	step := c.Next
	if !p.forward {
		step = c.Prev
	}
	for ; k != nil; k, v = step() {
		if !bytes.HasPrefix(k, prefix) {
			break
		}
		if p.key != nil && p.key.rng != nil {
			if read, stop := p.sortKeyStep(k[len(prefix):]); stop {
				break
			} else if !read {
				continue
			}
		}
		if p.segments > 1 && segmentOf(hashOfStorageKey(k), p.segments) != p.segment {
			continue
		}
		if p.plain() {
			more, err := p.visitStored(r, v)
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
			continue
		}
		it, err := attr.DecodeItem(v)
		if err != nil {
			return nil, err
		}
		if !p.visit(r, it) {
			break
		}
	}
	return r, nil
}

// sortKeyStep says whether a Query reads the key whose sort key encodes
// as enc, and whether the read stops there: past every match in the
// read's direction.
func (p *readPlan) sortKeyStep(enc []byte) (read, stop bool) {
	if p.key.rng.match(enc) {
		return true, false
	}
	if p.forward {
		return false, p.key.rng.beyond(enc)
	}
	return false, p.key.rng.before(enc)
}

// seekStart puts c where a read of the keys under prefix begins: just past
// start (the last key read) in the read's direction, else, going forward,
// at the first key at or after first, and going backward at the last key
// before past (nil: before the end of the prefix).
func seekStart(c *store.Cursor, forward bool, start, prefix, first, past []byte) (k, v []byte) {
	switch {
	case forward && start != nil:
		k, v = c.Seek(start)
		if k != nil && bytes.Equal(k, start) {
			k, v = c.Next()
		}
		return k, v
	case forward:
		return c.Seek(first)
	case start != nil:
		if k, _ = c.Seek(start); k == nil {
			return c.Last()
		}
		return c.Prev()
	}
	end := past
	if end == nil {
		end = prefixEnd(prefix)
	}
	if end == nil {
		return c.Last()
	}
	if k, _ = c.Seek(end); k == nil {
		return c.Last()
	}
	return c.Prev()
}

func (q *keyQuery) rngLower() []byte {
	if q == nil {
		return nil
	}
	return q.rng.lower()
}

func prefixEnd(prefix []byte) []byte {
	if len(prefix) == 0 {
		return nil
	}
	end := append([]byte{}, prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func segmentOf(hash []byte, total int) int {
	h := fnv.New32a()
	h.Write(hash)
	return int(h.Sum32() % uint32(total))
}

func storageKeyOf(t *table, it attr.Item) []byte {
	if t.rng.Name == "" {
		return storageKey(it[t.hash.Name], nil)
	}
	r := it[t.rng.Name]
	return storageKey(it[t.hash.Name], &r)
}

// runIndex reads an index's entries (see indexes.go) as run reads the
// table's items: from the partition, or the start key, in either order.
func (p *readPlan) runIndex(tx *store.Tx, items *store.Bucket, r *readResult) error {
	eb := indexEntries(tx, p.t, p.index.IndexName)
	if eb == nil {
		return fmt.Errorf("dynamodb: index %s of table %s has no entries", p.index.IndexName, p.t.id)
	}
	d := indexKeysOf(&p.m, p.index)
	c := eb.Cursor()
	var prefix []byte
	if p.key != nil {
		prefix = partitionPrefix(p.key.hash)
	}
	var start []byte
	if p.startKey != nil {
		// Where an entry of the start key is or would be, even one an
		// older build made for a key the index cannot hold: a read goes on
		// after it, never from the beginning again.
		start = d.heldEntryKey(p.startKey)
	}
	first := append([]byte{}, prefix...)
	if lower := p.key.rngLower(); lower != nil {
		first = appendEscapedBound(first, lower)
	}
	var past []byte
	if p.key != nil {
		// An escaped sort key ends with 0x00 0x01, and one of a larger value
		// continues with 0x00 0xff or a byte above 0x00: 0x00 0x02 is between.
		past = p.key.rng.past(prefix, appendEscapedBound, []byte{0, 2})
	}
	k, v := seekStart(c, p.forward, start, prefix, first, past)
	step := c.Next
	if !p.forward {
		step = c.Prev
	}
	var enc []byte
	for ; k != nil; k, v = step() {
		if !bytes.HasPrefix(k, prefix) {
			break
		}
		part, rest := entryPartition(k)
		if p.key != nil && p.key.rng != nil {
			enc = unescapeFirst(enc[:0], rest)
			if read, stop := p.sortKeyStep(enc); stop {
				break
			} else if !read {
				continue
			}
		}
		if p.segments > 1 && segmentOf(part, p.segments) != p.segment {
			continue
		}
		it, err := readItem(items, v)
		if err != nil {
			return err
		}
		if it == nil {
			return fmt.Errorf("dynamodb: index %s of table %s holds an entry for a missing item", p.index.IndexName, p.t.id)
		}
		if !p.visit(r, it) {
			break
		}
	}
	return nil
}
