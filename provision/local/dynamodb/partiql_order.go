package dynamodb

import (
	"bytes"
	"slices"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/partiql"
	"github.com/spk-cli/spk/provision/local/store"
)

// ORDER BY orders a SELECT by the key attributes of what it reads (the
// table or the index). DynamoDB requires the WHERE clause to name the
// partitions by equality (or IN, or ORs of equalities) on the partition
// key, so an ordered read is a Query per partition: partitions in the
// order of their key value, each in sort key order.
//
// A SELECT naming several partitions, or sort key values by IN, reads the
// same way without ORDER BY, in ascending key order: a Query per
// partition, or per partition and sort key value. DynamoDB decomposes IN
// into such reads, at most 50 of them, and answers their results in pages
// of at most 10 items.

const (
	msgOrderNoWhere  = "Must have WHERE clause in the statement when using ORDER BY clause."
	msgOrderNoHash   = "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause."
	msgOrderManyHash = "Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause."
)

// checkOrderBy validates an ORDER BY clause against the key schema read,
// in DynamoDB's order of checks.
func checkOrderBy(st *partiql.Select, hash, rng keyDef) error {
	if len(st.OrderBy) == 0 {
		return nil
	}
	if st.Where == nil {
		return validation(msgOrderNoWhere)
	}
	for _, o := range st.OrderBy {
		if o.Name != hash.Name && (rng.Name == "" || o.Name != rng.Name) {
			return validation("Attribute " + o.Name + " in ORDER BY clause must be part of the primary key")
		}
	}
	n := 0
	for _, c := range conjuncts(st.Where) {
		n += len(hashValues(c, hash.Name))
	}
	if n == 0 {
		return validation(msgOrderNoHash)
	}
	if n > 1 && orderOf(st, hash.Name) == nil {
		return validation(msgOrderManyHash)
	}
	return nil
}

// orderOf returns the ORDER BY term of an attribute, or nil.
func orderOf(st *partiql.Select, name string) *partiql.OrderTerm {
	for i := range st.OrderBy {
		if st.OrderBy[i].Name == name {
			return &st.OrderBy[i]
		}
	}
	return nil
}

// hashValues returns the partition key values one conjunct of a WHERE
// clause names: hash = v, hash IN [v, ...], or an OR of equalities.
func hashValues(c partiql.Expr, hash string) []partiql.Expr {
	if name, v, ok := keyEquality(c); ok {
		if name == hash {
			return []partiql.Expr{v}
		}
		return nil
	}
	switch x := c.(type) {
	case *partiql.In:
		return inValues(x, hash)
	case *partiql.Binary:
		if x.Op == "OR" {
			l, r := hashValues(x.L, hash), hashValues(x.R, hash)
			if l != nil && r != nil {
				return append(l, r...)
			}
		}
	}
	return nil
}

// inValues returns the values of name IN [v, ...] when they are all
// constants.
func inValues(c partiql.Expr, name string) []partiql.Expr {
	x, ok := c.(*partiql.In)
	if !ok {
		return nil
	}
	if p, ok := x.X.(*partiql.Path); !ok || len(p.Path) != 1 || p.Path[0].Name != name {
		return nil
	}
	for _, v := range x.List {
		if !isValue(v) {
			return nil
		}
	}
	return x.List
}

// namedKeys returns, as written, the partition key values a WHERE clause
// names (see hashValues) and, beside them, the sort key values an IN
// names; each is taken from the first conjunct naming it.
func namedKeys(where partiql.Expr, hash, rng string) (hashes, sorts []partiql.Expr) {
	for _, c := range conjuncts(where) {
		if vs := hashValues(c, hash); vs != nil && hashes == nil {
			hashes = vs
		} else if rng != "" && sorts == nil {
			sorts = inValues(c, rng)
		}
	}
	if hashes == nil {
		return nil, nil // a scan: a sort key IN only filters
	}
	return hashes, sorts
}

const (
	msgTooManyReads = "Too many decomposed read operations for a given query."
	// maxKeyReads is the most key reads a SELECT may name: DynamoDB's
	// "at max 50 hash attribute values" of IN.
	maxKeyReads = 50
	// keysPageItems is the most items a page of a read of several named
	// keys holds: IN's results "are returned in pages of up to 10 items".
	keysPageItems = 10
)

// decomposedReads counts the reads a SELECT's WHERE clause breaks into:
// each partition key value named, times each sort key value of an IN
// beside them, as written (repeats and values of another type count). The
// sort key values multiply because each pair is a read of its own, as
// each partition is: pk = 'a' AND sk IN [60 values] is 60 reads.
func decomposedReads(where partiql.Expr, hash, rng string) int {
	hashes, sorts := namedKeys(where, hash, rng)
	return len(hashes) * max(len(sorts), 1)
}

// orderedRead is the partitions a SELECT reads one after another, in
// order, and what it reads of each: a sort key range in a direction, or
// each sort key value an IN names.
type orderedRead struct {
	hashes  []attr.Value
	rng     *rangeCond
	sorts   []attr.Value // non-nil when an IN names the sort key values
	forward bool
}

// planOrdered binds the partitions and sort keys a WHERE clause names, in
// ORDER BY's order if there is one. Without a term of its own the sort key
// is read in descending order, as DynamoDB does.
func (b *binder) planOrdered(st *partiql.Select, hash, rng keyDef) *orderedRead {
	o := &orderedRead{}
	if t := orderOf(st, rng.Name); rng.Name != "" && t != nil {
		o.forward = !t.Desc
	}
	hashes, sorts := namedKeys(st.Where, hash.Name, rng.Name)
	o.hashes = b.distinctKeys(hashes, hash.Kind)
	if sorts != nil {
		o.sorts = b.distinctKeys(sorts, rng.Kind)
	}
	for _, c := range conjuncts(st.Where) {
		if rng.Name != "" && o.rng == nil {
			o.rng = b.sortKeyRange(c, rng)
		}
	}
	if t := orderOf(st, hash.Name); t != nil && t.Desc {
		slices.Reverse(o.hashes)
	}
	return o
}

// planKeyReads returns how a SELECT reads the keys its WHERE clause names
// by value, or nil for one Query (keyed: an equality on the partition key)
// or a scan. ORDER BY reads this way; so does a clause naming several
// partitions (IN, ORs of equalities) or sort key values (IN): a Query of
// each, in key order, where it would otherwise scan or read the whole
// partition. DynamoDB's select reference says these do not scan.
func (b *binder) planKeyReads(st *partiql.Select, hash, rng keyDef, keyed bool) *orderedRead {
	if len(st.OrderBy) > 0 {
		return b.planOrdered(st, hash, rng)
	}
	if st.Where == nil || !namesPartitions(st.Where, hash.Name) {
		return nil
	}
	o := b.planOrdered(st, hash, rng)
	if keyed && o.sorts == nil {
		return nil
	}
	o.forward = true // a Query's order: ascending sort key
	return o
}

// reads is the number of Queries the read makes.
func (o *orderedRead) reads() int {
	if o.sorts == nil {
		return len(o.hashes)
	}
	return len(o.hashes) * len(o.sorts)
}

// keyQueries is the Queries the read makes, in order: each partition's
// range, or each of its sort key values in the read's direction.
func (o *orderedRead) keyQueries() []keyQuery {
	var out []keyQuery
	for _, h := range o.hashes {
		if o.sorts == nil {
			out = append(out, keyQuery{hash: h, rng: o.rng})
			continue
		}
		for i := range o.sorts {
			v := o.sorts[i]
			if !o.forward {
				v = o.sorts[len(o.sorts)-1-i]
			}
			out = append(out, keyQuery{hash: h, rng: &rangeCond{op: "EQ", vals: [][]byte{attr.AppendOrdered(nil, v)}}})
		}
	}
	return out
}

// namesPartitions reports whether a WHERE clause names partitions by
// value (=, IN, or ORs of equalities on the partition key) in one of its
// top-level conjuncts.
func namesPartitions(where partiql.Expr, hash string) bool {
	for _, c := range conjuncts(where) {
		if hashValues(c, hash) != nil {
			return true
		}
	}
	return false
}

// distinctKeys binds the values naming partitions, in ascending key
// order, without repeats; a value of another type names no partition.
func (b *binder) distinctKeys(vs []partiql.Expr, kind attr.Kind) []attr.Value {
	type enc struct {
		v attr.Value
		k []byte
	}
	var out []enc
	for _, e := range vs {
		v, err := b.value(e)
		if err != nil || v.Kind != kind {
			continue
		}
		out = append(out, enc{v, attr.AppendOrdered(nil, v)})
	}
	slices.SortFunc(out, func(x, y enc) int { return bytes.Compare(x.k, y.k) })
	out = slices.CompactFunc(out, func(x, y enc) bool { return bytes.Equal(x.k, y.k) })
	vals := make([]attr.Value, len(out))
	for i, e := range out {
		vals[i] = e.v
	}
	return vals
}

// run makes the Queries in order into one page: Limit counts across
// them, and a page that stops early carries the key it stopped at, from
// which the next page resumes in the same Query.
func (o *orderedRead) run(p *readPlan, tx *store.Tx) (*readResult, error) {
	out := &readResult{}
	keys := o.keyQueries()
	start := 0
	if p.startKey != nil {
		if start = o.resumeAt(keys, p); start < 0 {
			return out, nil
		}
	}
	for i := start; i < len(keys); i++ {
		q := *p
		q.key = &keys[i]
		q.forward = o.forward
		if i > start {
			q.startKey = nil
		}
		if p.limit > 0 {
			q.limit = p.limit - out.scanned
		}
		q.pageRead = out.size // the 1 MB is the page's, not each partition's
		r, err := q.run(tx)
		if err != nil {
			return nil, err
		}
		out.items = append(out.items, r.items...)
		out.scanned += r.scanned
		out.size += r.size
		if r.last != nil {
			out.last = r.last
			break
		}
	}
	return out, nil
}

// resumeAt finds the Query a page's start key stopped in: by its partition,
// and by its sort key when each sort key value is read on its own.
func (o *orderedRead) resumeAt(keys []keyQuery, p *readPlan) int {
	hashKey := attr.AppendOrdered(nil, p.startKey[p.ihash.Name])
	var sortKey []byte
	if o.sorts != nil {
		sortKey = attr.AppendOrdered(nil, p.startKey[p.irng.Name])
	}
	return slices.IndexFunc(keys, func(k keyQuery) bool {
		return bytes.Equal(attr.AppendOrdered(nil, k.hash), hashKey) && (sortKey == nil || k.rng.match(sortKey))
	})
}
