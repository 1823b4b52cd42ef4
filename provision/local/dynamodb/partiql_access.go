package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/partiql"
)

// keyAccess picks how a SELECT reads: an equality on the partition key
// reads that partition instead of the whole table or index, and a
// condition on the sort key beside it narrows the partition to a range, as
// a Query's key condition does. nil means a scan. The whole WHERE clause
// still filters what is read, so this only saves reading.
func (b *binder) keyAccess(where partiql.Expr, hash, rng keyDef) *keyQuery {
	var q *keyQuery
	var rc *rangeCond
	for _, c := range conjuncts(where) {
		if name, ve, ok := keyEquality(c); ok && name == hash.Name && q == nil {
			if v, err := b.value(ve); err == nil && v.Kind == hash.Kind {
				q = &keyQuery{hash: v}
			}
			continue
		}
		if rng.Name != "" && rc == nil {
			rc = b.sortKeyRange(c, rng)
		}
	}
	if q != nil {
		q.rng = rc
	}
	return q
}

// sortKeyRange returns the range a conjunct sets on the sort key, if it is
// a comparison, BETWEEN or begins_with of the sort key with values of its
// type.
func (b *binder) sortKeyRange(c partiql.Expr, rng keyDef) *rangeCond {
	isKey := func(e partiql.Expr) bool {
		p, ok := e.(*partiql.Path)
		return ok && len(p.Path) == 1 && p.Path[0].Name == rng.Name
	}
	enc := func(es ...partiql.Expr) [][]byte {
		var out [][]byte
		for _, e := range es {
			if !isValue(e) {
				return nil
			}
			v, err := b.value(e)
			if err != nil || v.Kind != rng.Kind {
				return nil
			}
			out = append(out, attr.AppendOrdered(nil, v))
		}
		return out
	}
	switch x := c.(type) {
	case *partiql.Binary:
		op := map[string]string{"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}[x.Op]
		l, r := x.L, x.R
		if op == "" {
			return nil
		}
		if !isKey(l) && isKey(r) {
			l, r = r, l
			op = map[string]string{"EQ": "EQ", "LT": "GT", "LE": "GE", "GT": "LT", "GE": "LE"}[op]
		}
		if vals := enc(r); isKey(l) && vals != nil {
			return &rangeCond{op: op, vals: vals}
		}
	case *partiql.Between:
		if vals := enc(x.Lo, x.Hi); isKey(x.X) && vals != nil {
			return &rangeCond{op: "BETWEEN", vals: vals}
		}
	case *partiql.Call:
		if x.Name == "begins_with" && len(x.Args) == 2 && isKey(x.Args[0]) && rng.Kind != attr.N {
			if vals := enc(x.Args[1]); vals != nil {
				return &rangeCond{op: "BEGINS_WITH", vals: vals}
			}
		}
	}
	return nil
}
