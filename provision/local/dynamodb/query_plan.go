package dynamodb

import (
	"bytes"
	"hash/fnv"
	"sort"

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
	consistent bool // ConsistentRead, for ConsumedCapacity
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
	if p.limit > 0 && r.scanned >= p.limit || r.size >= maxPage {
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
	if p.key != nil && p.index == nil && !attr.Equal(k[p.t.hash.Name], p.key.hash) {
		return validation("The provided starting key is invalid: Exclusive start key must be in the same partition as the query key")
	}
	return nil
}

// lastKey is the LastEvaluatedKey for an item.
func (p *readPlan) lastKey(it attr.Item) attr.Item {
	out := attr.Item{}
	for _, d := range p.keyNames() {
		out[d.Name] = it[d.Name]
	}
	return out
}

// project applies the index projection and then the requested paths.
func (p *readPlan) project(it attr.Item) attr.Item {
	if p.index != nil && p.index.Projection.ProjectionType != "ALL" {
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
	if p.index != nil {
		// An index read reads the index's entries, not the items.
		r.size += indexEntry(&p.m, p.index, it).Size()
	} else {
		r.size += it.Size()
	}
	if p.filter == nil || p.filter.Eval(it) {
		if p.count {
			r.items = append(r.items, nil)
		} else {
			r.items = append(r.items, p.project(it))
		}
	}
	if p.limit > 0 && r.scanned >= p.limit || r.size >= maxPage {
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
		return r, p.runIndex(b, r)
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
	var k, v []byte
	switch {
	case p.forward && startKey != nil:
		k, v = c.Seek(startKey)
		if k != nil && bytes.Equal(k, startKey) {
			k, v = c.Next()
		}
	case p.forward:
		k, v = c.Seek(append(append([]byte{}, prefix...), p.key.rngLower()...))
	case startKey != nil:
		if k, _ = c.Seek(startKey); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	default:
		end := prefixEnd(prefix)
		if end == nil {
			k, v = c.Last()
		} else if k, _ = c.Seek(end); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	step := c.Next
	if !p.forward {
		step = c.Prev
	}
	for ; k != nil; k, v = step() {
		if !bytes.HasPrefix(k, prefix) {
			break
		}
		if p.key != nil && p.key.rng != nil {
			enc := k[len(prefix):]
			if !p.key.rng.match(enc) {
				if p.forward && p.key.rng.beyond(enc) {
					break
				}
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

// indexRow is an item's position in an index: its index key, then, as
// DynamoDB orders items whose index keys are equal, the table's partition
// key and sort key.
type indexRow struct {
	hash, rng        []byte
	tableHash, table []byte
	item             attr.Item
}

func compareRows(a, b *indexRow) int {
	if c := bytes.Compare(a.hash, b.hash); c != 0 {
		return c
	}
	if c := bytes.Compare(a.rng, b.rng); c != 0 {
		return c
	}
	if c := bytes.Compare(a.tableHash, b.tableHash); c != 0 {
		return c
	}
	return bytes.Compare(a.table, b.table)
}

func (p *readPlan) rowOf(it attr.Item) (*indexRow, bool) {
	h, ok := it[p.ihash.Name]
	if !ok || h.Kind != p.ihash.Kind {
		return nil, false
	}
	row := &indexRow{hash: partitionPrefix(h), item: it, tableHash: attr.AppendOrdered(nil, it[p.t.hash.Name])}
	if p.t.rng.Name != "" {
		row.table = attr.AppendOrdered(nil, it[p.t.rng.Name])
	}
	if p.irng.Name != "" {
		r, ok := it[p.irng.Name]
		if !ok || r.Kind != p.irng.Kind {
			return nil, false
		}
		row.rng = attr.AppendOrdered(nil, r)
	}
	return row, true
}

// runIndex reads an index by sorting the rows it holds; indexes are not
// materialised, which keeps writes cheap.
func (p *readPlan) runIndex(b *store.Bucket, r *readResult) error {
	var rows []*indexRow
	c := b.Cursor()
	var prefix []byte
	if p.key != nil && p.ihash.Name == p.t.hash.Name {
		prefix = partitionPrefix(p.key.hash) // a local index: one partition
	}
	var want []byte
	if p.key != nil {
		want = partitionPrefix(p.key.hash)
	}
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		it, err := attr.DecodeItem(v)
		if err != nil {
			return err
		}
		row, ok := p.rowOf(it)
		if !ok {
			continue
		}
		if p.key != nil && (!bytes.Equal(row.hash, want) || !p.key.rng.match(row.rng)) {
			continue
		}
		if p.segments > 1 && segmentOf(row.hash, p.segments) != p.segment {
			continue
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return compareRows(rows[i], rows[j]) < 0 })
	if !p.forward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	start := 0
	if p.startKey != nil {
		esk, ok := p.rowOf(p.startKey)
		if ok {
			start = sort.Search(len(rows), func(i int) bool {
				c := compareRows(rows[i], esk)
				if p.forward {
					return c > 0
				}
				return c < 0
			})
		}
	}
	for _, row := range rows[start:] {
		if !p.visit(r, row.item) {
			break
		}
	}
	return nil
}
