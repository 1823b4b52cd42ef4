package dynamodb

import (
	"cmp"
	"encoding/json"
	"slices"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

// A write consumes capacity on the table and on every secondary index whose
// entries it changes: putting or removing an entry is one index write of
// the entry's size, moving an entry to another index key is two (the old
// entry removed, the new one put), and rewriting an entry in place is one
// of the larger size; a write that leaves an index's entry as it was costs
// that index nothing. ReturnConsumedCapacity TOTAL sums them all; INDEXES
// breaks the sum down.

// indexUnits is the capacity consumed on each secondary index, by name.
type indexUnits struct{ gsi, lsi map[string]float64 }

func (u *indexUnits) add(global bool, name string, units float64) {
	m := &u.lsi
	if global {
		m = &u.gsi
	}
	if *m == nil {
		*m = map[string]float64{}
	}
	(*m)[name] += units
}

func (u *indexUnits) total() float64 {
	n := 0.0
	for _, v := range u.gsi {
		n += v
	}
	for _, v := range u.lsi {
		n += v
	}
	return n
}

// merge adds another write's index units, scaled (a transaction writes
// twice).
func (u *indexUnits) merge(o indexUnits, scale float64) {
	for k, v := range o.gsi {
		u.add(true, k, v*scale)
	}
	for k, v := range o.lsi {
		u.add(false, k, v*scale)
	}
}

// indexEntry is the item as an index holds it, or nil when the item is not
// in the index (it lacks one of the index's key attributes).
func indexEntry(m *tableMeta, ix *indexMeta, it attr.Item) attr.Item {
	if it == nil {
		return nil
	}
	for _, k := range ix.KeySchema {
		if _, ok := it[k.AttributeName]; !ok {
			return nil
		}
	}
	if ix.Projection.ProjectionType == "ALL" {
		return it
	}
	out := attr.Item{}
	keep := func(name string) {
		if v, ok := it[name]; ok {
			out[name] = v
		}
	}
	for _, k := range m.KeySchema {
		keep(k.AttributeName)
	}
	for _, k := range ix.KeySchema {
		keep(k.AttributeName)
	}
	for _, a := range ix.Projection.NonKeyAttributes {
		keep(a)
	}
	return out
}

// indexWriteUnits is what a write from old to new (either nil) consumes on
// the table's secondary indexes.
func indexWriteUnits(m *tableMeta, old, new attr.Item) indexUnits {
	var u indexUnits
	for _, group := range []struct {
		ixs    []indexMeta
		global bool
	}{{m.GSIs, true}, {m.LSIs, false}} {
		for i := range group.ixs {
			ix := &group.ixs[i]
			if ix.IndexStatus == "DELETING" {
				continue
			}
			o, n := indexEntry(m, ix, old), indexEntry(m, ix, new)
			var units float64
			switch {
			case o == nil && n == nil:
				continue
			case o == nil:
				units = writeUnits(n)
			case n == nil:
				units = writeUnits(o)
			case !sameIndexKey(ix, o, n):
				units = writeUnits(o) + writeUnits(n)
			case attr.EqualItems(o, n):
				continue
			default:
				units = writeUnits(o, n)
			}
			u.add(group.global, ix.IndexName, units)
		}
	}
	return u
}

func sameIndexKey(ix *indexMeta, a, b attr.Item) bool {
	for _, k := range ix.KeySchema {
		if !attr.Equal(a[k.AttributeName], b[k.AttributeName]) {
			return false
		}
	}
	return true
}

// capacityOf renders ConsumedCapacity for one table: the total and, for
// INDEXES, the table's and each index's share.
func capacityOf(rc *string, table string, tableUnits float64, ix indexUnits) map[string]any {
	if rc == nil || *rc == "NONE" {
		return nil
	}
	c := map[string]any{"TableName": table, "CapacityUnits": tableUnits + ix.total()}
	if *rc != "INDEXES" {
		return c
	}
	c["Table"] = map[string]any{"CapacityUnits": tableUnits}
	for _, g := range []struct {
		key   string
		units map[string]float64
	}{{"GlobalSecondaryIndexes", ix.gsi}, {"LocalSecondaryIndexes", ix.lsi}} {
		if len(g.units) == 0 {
			continue
		}
		out := map[string]any{}
		for name, u := range g.units {
			out[name] = map[string]any{"CapacityUnits": u}
		}
		c[g.key] = out
	}
	return c
}

// writeCapacity is a single-item write's ConsumedCapacity; table is the
// table as the request named it, which DynamoDB echoes (its name or ARN).
func writeCapacity(rc *string, table string, m *tableMeta, old, new attr.Item) map[string]any {
	if rc == nil || *rc == "NONE" {
		return nil
	}
	return capacityOf(rc, table, writeUnits(old, new), indexWriteUnits(m, old, new))
}

// tableCapacity is what a request of several items consumed, by table as
// the request named it (its name or ARN, which ConsumedCapacity echoes), in
// the order the request first named each: TransactWriteItems documents its
// ConsumedCapacity "ordered according to the ordering of the TransactItems
// request parameter", and the others follow their requests the same way.
// The zero value is ready to use.
type tableCapacity struct {
	by    map[string]*consumed
	order []string
}

type consumed struct {
	table float64
	ix    indexUnits
}

// add counts units on table and ix on its indexes, both scaled (a
// transaction reads and writes twice).
func (tc *tableCapacity) add(table string, units float64, ix indexUnits, scale float64) {
	c := tc.of(table)
	c.table += units * scale
	c.ix.merge(ix, scale)
}

// addTable counts units on a table alone.
func (tc *tableCapacity) addTable(table string, units float64) { tc.of(table).table += units }

func (tc *tableCapacity) of(table string) *consumed {
	if tc.by[table] == nil {
		if tc.by == nil {
			tc.by = map[string]*consumed{}
		}
		tc.by[table] = &consumed{}
		tc.order = append(tc.order, table)
	}
	return tc.by[table]
}

// render is ConsumedCapacity, a table at a time in the request's order. A
// transaction also names the kind of its units (kind: ReadCapacityUnits or
// WriteCapacityUnits) beside each CapacityUnits.
func (tc tableCapacity) render(rc *string, kind string) []map[string]any {
	if rc == nil || *rc == "NONE" || len(tc.order) == 0 {
		return nil
	}
	var out []map[string]any
	for _, name := range tc.order {
		c := capacityOf(rc, name, tc.by[name].table, tc.by[name].ix)
		if kind != "" {
			nameUnits(c, kind)
		}
		out = append(out, c)
	}
	return out
}

// nameUnits repeats each CapacityUnits of a rendered ConsumedCapacity
// under kind.
func nameUnits(c map[string]any, kind string) {
	c[kind] = c["CapacityUnits"]
	if t, ok := c["Table"].(map[string]any); ok {
		t[kind] = t["CapacityUnits"]
	}
	for _, group := range []string{"GlobalSecondaryIndexes", "LocalSecondaryIndexes"} {
		if ixs, ok := c[group].(map[string]any); ok {
			for _, ix := range ixs {
				ix := ix.(map[string]any)
				ix[kind] = ix["CapacityUnits"]
			}
		}
	}
}

// savedUnits is a table's part of a tableCapacity as a token's memo keeps
// it: a map by table name, which every spk since capacity was saved reads,
// with each table's place in the request (an spk before the order was
// kept ignores it).
type savedUnits struct {
	Order int                `json:"o,omitempty"`
	Table float64            `json:"t"`
	GSI   map[string]float64 `json:"g,omitempty"`
	LSI   map[string]float64 `json:"l,omitempty"`
}

// memo is tc as a token keeps it, for a replay to report.
func (tc tableCapacity) memo() []byte {
	out := make(map[string]savedUnits, len(tc.order))
	for i, name := range tc.order {
		c := tc.by[name]
		out[name] = savedUnits{Order: i, Table: c.table, GSI: c.ix.gsi, LSI: c.ix.lsi}
	}
	b, _ := json.Marshal(out)
	return b
}

// replayedCapacity is the capacity a transaction's first run saved (empty
// for a token saved before capacity was), which a replay reports as read
// units: DynamoDB documents that a retry with the same ClientRequestToken
// returns "the number of read capacity units consumed in reading the item".
// Tables come in the request's order; a memo saved before the order was
// kept (every place 0) lists them by name.
func replayedCapacity(memo []byte) tableCapacity {
	var saved map[string]savedUnits
	if json.Unmarshal(memo, &saved) != nil {
		return tableCapacity{}
	}
	names := attr.SortedKeys(saved)
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(saved[a].Order, saved[b].Order) })
	var tc tableCapacity
	for _, name := range names {
		u := saved[name]
		c := tc.of(name)
		c.table, c.ix = u.Table, indexUnits{gsi: u.GSI, lsi: u.LSI}
	}
	return tc
}
