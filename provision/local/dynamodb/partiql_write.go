package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
	"github.com/spk-cli/spk/provision/local/dynamodb/partiql"
)

// pqWrite is a validated INSERT, UPDATE or DELETE of one item.
type pqWrite struct {
	kind      string // INSERT, UPDATE, DELETE or CHECK (EXISTS)
	t         *table
	m         tableMeta
	key       []byte
	keyMap    attr.Item
	item      attr.Item // INSERT
	w         *preparedWrite
	u         *expr.Update // UPDATE
	returning string
}

// planWrite validates a write statement against its table.
func (s *Service) planWrite(st partiql.Statement, b *binder, returnOld bool) (*pqWrite, error) {
	var name string
	switch x := st.(type) {
	case *partiql.Insert:
		name = x.Table
	case *partiql.Update:
		name = x.Table
	case *partiql.Delete:
		name = x.Table
	}
	t, m, err := s.lookupPQ(name)
	if err != nil {
		return nil, err
	}
	pw := &pqWrite{t: t, m: m, w: &preparedWrite{returnOld: returnOld}}
	switch x := st.(type) {
	case *partiql.Insert:
		pw.kind = "INSERT"
		v, err := b.value(x.Item)
		if err != nil {
			return nil, err
		}
		pw.item = attr.Item(v.Map)
		if pw.key, err = t.keyOfItem(pw.item, &m); err != nil {
			return nil, err
		}
		return pw, nil
	case *partiql.Update:
		pw.kind, pw.returning = "UPDATE", x.Returning
		if err := pw.whereKey(b, x.Where); err != nil {
			return nil, err
		}
		if pw.u, err = b.update(x, t.hash, t.rng); err != nil {
			return nil, err
		}
		// UPDATE changes an existing item: unlike UpdateItem it never
		// creates one.
		exists := &expr.Cond{Kind: expr.CondFunc, Op: "attribute_exists", Operands: []*expr.Operand{{Kind: expr.OpPath, Path: expr.NamePath(t.hash.Name)}}}
		if pw.w.cond == nil {
			pw.w.cond = exists
		} else {
			pw.w.cond = &expr.Cond{Kind: expr.CondAnd, Sub: []*expr.Cond{exists, pw.w.cond}}
		}
		return pw, nil
	case *partiql.Delete:
		pw.kind = "DELETE"
		if x.Returning != "" && x.Returning != "ALL OLD" {
			return nil, validation("Invalid returning clause: RETURNING " + x.Returning + " *. Only RETURNING ALL OLD * is allowed in DELETE statements.")
		}
		pw.returning = x.Returning
		if err := pw.whereKey(b, x.Where); err != nil {
			return nil, err
		}
		return pw, nil
	}
	return nil, validation("Expected data manipulation")
}

// whereKey takes the item's key from a WHERE clause's equalities; the
// other conditions must hold for the write to happen.
func (pw *pqWrite) whereKey(b *binder, where partiql.Expr) error {
	t := pw.t
	kp, err := b.splitKey(where, false, t.hash, t.rng)
	if err != nil {
		return err
	}
	if kp.conflict != "" {
		return validation("Multiple conditions on same key " + kp.conflict + ". Only single item Update/Insert/Delete are supported")
	}
	return pw.bindKey(b, kp, msgIncompleteKey)
}

// bindKey binds the key found, which must be whole (else incomplete is
// the error), and makes the other conjuncts the write's condition.
func (pw *pqWrite) bindKey(b *binder, kp *keyParts, incomplete string) error {
	t := pw.t
	if _, ok := kp.key[t.hash.Name]; !ok {
		return validation(incomplete)
	}
	if _, ok := kp.key[t.rng.Name]; t.rng.Name != "" && !ok {
		return validation(incomplete)
	}
	var err error
	if pw.key, err = t.keyOf(kp.key); err != nil {
		return err
	}
	pw.keyMap = kp.key
	pw.w.cond, err = b.andAll(kp.rest)
	return err
}

// apply computes the item after the write from the stored one (nil when
// absent), or the statement's failure.
func (pw *pqWrite) apply(old attr.Item) (attr.Item, error) {
	switch pw.kind {
	case "INSERT":
		if old != nil {
			return nil, &apiError{Type: "DuplicateItemException", Msg: "Duplicate primary key exists in table"}
		}
		return pw.item, nil
	case "UPDATE":
		return applyUpdate(old, pw.keyMap, pw.w, pw.u, &pw.m)
	case kindCheck: // the item stays as it is, and must exist
		if old == nil || !pw.w.cond.Eval(old) {
			return nil, conditionFailed(old, pw.w.returnOld)
		}
		return old, nil
	}
	return nil, pw.w.check(old)
}

// commitWrite runs one write statement in its own transaction.
func (s *Service) commitWrite(pw *pqWrite) (itemResult, error) {
	return s.commitItem(pw.t, pw.key, pw.keyMap, false, pw.apply)
}

// returned is what a write's RETURNING clause asks for, as Items.
func (pw *pqWrite) returned(old, next attr.Item) []attr.Item {
	var it attr.Item
	switch pw.returning {
	case "ALL OLD":
		it = old
	case "ALL NEW":
		it = next
	case "MODIFIED OLD":
		if old != nil {
			it = expr.Project(old, pw.u.Paths())
		}
	case "MODIFIED NEW":
		it = expr.Project(next, pw.u.Paths())
	}
	if len(it) == 0 {
		return []attr.Item{}
	}
	return []attr.Item{it}
}
