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
		if p, ok := x.X.(*partiql.Path); ok && len(p.Path) == 1 && p.Path[0].Name == hash {
			for _, v := range x.List {
				if !isValue(v) {
					return nil
				}
			}
			return x.List
		}
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

// orderedRead is the partitions an ORDER BY reads, in order, and the
// direction within each.
type orderedRead struct {
	hashes  []attr.Value
	rng     *rangeCond
	forward bool
}

// planOrdered binds an ORDER BY to the plan's key schema. Without a term
// of its own the sort key is read in descending order, as DynamoDB does.
func (b *binder) planOrdered(st *partiql.Select, hash, rng keyDef) *orderedRead {
	o := &orderedRead{}
	if t := orderOf(st, rng.Name); rng.Name != "" && t != nil {
		o.forward = !t.Desc
	}
	for _, c := range conjuncts(st.Where) {
		if vs := hashValues(c, hash.Name); vs != nil && o.hashes == nil {
			o.hashes = b.distinctKeys(vs, hash.Kind)
			continue
		}
		if rng.Name != "" && o.rng == nil {
			o.rng = b.sortKeyRange(c, rng)
		}
	}
	if t := orderOf(st, hash.Name); t != nil && t.Desc {
		slices.Reverse(o.hashes)
	}
	return o
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

// run reads the partitions in order into one page: Limit counts across
// them, and a page that stops early carries the key it stopped at, from
// which the next page resumes in the same partition.
func (o *orderedRead) run(p *readPlan, tx *store.Tx) (*readResult, error) {
	out := &readResult{}
	start := 0
	if p.startKey != nil {
		at := attr.AppendOrdered(nil, p.startKey[p.ihash.Name])
		start = slices.IndexFunc(o.hashes, func(h attr.Value) bool { return bytes.Equal(attr.AppendOrdered(nil, h), at) })
		if start < 0 {
			return out, nil
		}
	}
	for i := start; i < len(o.hashes); i++ {
		q := *p
		q.key = &keyQuery{hash: o.hashes[i], rng: o.rng}
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
