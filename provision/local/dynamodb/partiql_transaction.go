package dynamodb

import (
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/partiql"
	"github.com/spk-cli/spk/provision/local/store"
)

// ExecuteTransaction runs up to 100 statements as one transaction, all
// reads or all writes (EXISTS checks among them), all or nothing. A
// statement on a missing table, or whose key names no item, cancels the
// transaction with its reason; other statement errors refuse the request.

func (s *Service) executeTransaction(body []byte) (any, error) {
	var in executeTransactionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkReturnCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if err := checkStatementCount(len(in.TransactStatements), in.TransactStatements == nil, "transactStatements", maxTransactionItems); err != nil {
		return nil, err
	}
	var c constraints
	c.stringLength("clientRequestToken", in.ClientRequestToken, 1, 36)
	if err := c.err(); err != nil {
		return nil, err
	}
	stmts := make([]partiql.Statement, len(in.TransactStatements))
	binders := make([]*binder, len(in.TransactStatements))
	reads := false
	for i, r := range in.TransactStatements {
		st, b, err := parseStatement(r.Statement, r.Parameters, "transactStatements."+itoa(i+1)+".member.statement")
		if err != nil {
			return nil, err
		}
		if e, ok := st.(*partiql.Exists); ok && e.Negated {
			return nil, validation(msgTxNotStatement)
		}
		// The first statement makes the transaction a read or a write;
		// EXISTS belongs with the writes.
		_, isRead := st.(*partiql.Select)
		if i == 0 {
			reads = isRead
		} else if isRead != reads {
			return nil, validation(msgTxMixed)
		}
		stmts[i], binders[i] = st, b
	}
	if reads {
		return s.transactionReads(stmts, binders, in.ReturnConsumedCapacity)
	}
	plans := make([]*pqWrite, len(stmts))
	preset := make([]map[string]any, len(stmts))
	cancelled := false
	for i, st := range stmts {
		returnOld, err := checkOnFailure(in.TransactStatements[i].ReturnValuesOnConditionCheckFailure)
		if err != nil {
			return nil, err
		}
		var w *pqWrite
		if e, ok := st.(*partiql.Exists); ok {
			w, err = s.planCheck(e, binders[i], returnOld)
		} else {
			w, err = s.planWrite(st, binders[i], returnOld)
		}
		if err == nil && w.returning != "" {
			err = validation(msgTxReturning)
		}
		if r := txReason(err); r != nil {
			preset[i], cancelled = r, true
			continue
		}
		if err != nil {
			return nil, inStatement(i, err)
		}
		plans[i] = w
	}
	if !cancelled {
		if err := oneActionPerItem(plans); err != nil {
			return nil, err
		}
	}
	if writeBytes(plans, binders) > maxTransactBytes {
		return nil, validation("Transaction request cannot be larger than 4 MB")
	}
	return s.transactionWrites(plans, preset, &in, body)
}

// writeBytes is what a transaction's writes carry, counted as
// TransactWriteItems counts it: an INSERT's item, the key of any other
// statement, and an UPDATE's parameters (what it writes comes in them; a
// statement's own literals are bounded by its 8 KB text).
func writeBytes(plans []*pqWrite, binders []*binder) int {
	size := 0
	for i, w := range plans {
		switch {
		case w == nil:
		case w.kind == "INSERT":
			size += w.item.Size()
		default:
			size += w.keyMap.Size()
			if w.kind == "UPDATE" {
				for _, p := range binders[i].params {
					size += p.Size()
				}
			}
		}
	}
	return size
}

func (s *Service) transactionReads(stmts []partiql.Statement, binders []*binder, rc *string) (any, error) {
	gets := make([]*pqGet, len(stmts))
	c := newCancellation(len(stmts))
	for i, st := range stmts {
		g, err := s.planGet(st.(*partiql.Select), binders[i], msgTxIndex, msgTxSelectKey)
		if r := txReason(err); r != nil {
			c.set(i, r)
			continue
		}
		if err != nil {
			return nil, inStatement(i, err)
		}
		gets[i] = g
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, g := range gets {
		id := g.m.TableName + "\x00" + string(g.key)
		if seen[id] {
			return nil, validation(msgTxSameItem)
		}
		seen[id] = true
	}
	responses := make([]map[string]any, len(gets))
	units := tableCapacity{}
	size := 0
	err := s.env.DB.View(func(tx *store.Tx) error {
		for i, g := range gets {
			it, raw, err := g.read(tx)
			if err != nil {
				return err
			}
			// As TransactGetItems: no more than 4 MB of items in all,
			// counted whole, before any projection.
			if size += raw.Size(); size > maxTransactBytes {
				return validation("The aggregate size of the items in the transaction cannot exceed 4 MB")
			}
			// A transactional read costs twice a consistent read.
			units.add(g.m.TableName, readUnits(raw, true), indexUnits{}, 2)
			responses[i] = map[string]any{}
			if it != nil {
				responses[i]["Item"] = it
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Responses": responses}
	if cc := units.render(rc, "ReadCapacityUnits"); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

func (s *Service) transactionWrites(plans []*pqWrite, preset []map[string]any, in *executeTransactionInput, body []byte) (any, error) {
	olds := make([]attr.Item, len(plans))
	news := make([]attr.Item, len(plans))
	replayed, prior, err := s.commitTransaction(in.ClientRequestToken, body, func(tx *store.Tx) (error, error) {
		c := newCancellation(len(plans))
		for i, w := range plans {
			if w == nil { // refused when planned: the reason is known
				c.set(i, preset[i])
				continue
			}
			b := tx.Bucket(w.t.bucket)
			if b == nil {
				return notFound("Requested resource not found"), nil
			}
			old, err := readItem(b, w.key)
			if err != nil {
				return nil, err
			}
			next, fail := w.apply(old)
			olds[i], news[i] = old, next
			c.fail(i, fail)
		}
		if failure := c.err(); failure != nil {
			return failure, nil
		}
		for i, w := range plans {
			if w.kind == kindCheck {
				continue
			}
			if err := s.storeItem(tx, tx.Bucket(w.t.bucket), w.t, w.key, olds[i], news[i]); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}, func() []byte { return statementWriteUnits(plans, olds, news).memo() })
	if err != nil {
		return nil, err
	}
	// A write transaction answers an empty Responses list, as DynamoDB's
	// recorded answers show, the first time and when replayed; a replay
	// reports the first run's units as read units.
	out := map[string]any{"Responses": []any{}}
	if replayed {
		if cc := replayedCapacity(prior).render(in.ReturnConsumedCapacity, "ReadCapacityUnits"); cc != nil {
			out["ConsumedCapacity"] = cc
		}
		return out, nil
	}
	for i, w := range plans {
		w.t.applyCounts(olds[i], news[i])
	}
	if cc := statementWriteUnits(plans, olds, news).render(in.ReturnConsumedCapacity, "WriteCapacityUnits"); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

// statementWriteUnits is what a write transaction's statements consume:
// two writes (prepare and commit), on the table and on each index entry a
// statement changes; a check writes nothing to indexes.
func statementWriteUnits(plans []*pqWrite, olds, news []attr.Item) tableCapacity {
	units := tableCapacity{}
	for i, w := range plans {
		if w == nil {
			continue
		}
		ix := indexUnits{}
		if w.kind != kindCheck {
			ix = indexWriteUnits(&w.m, olds[i], news[i])
		}
		units.add(w.m.TableName, writeUnits(olds[i], news[i]), ix, 2)
	}
	return units
}

// oneActionPerItem refuses a transaction naming one item twice.
func oneActionPerItem(plans []*pqWrite) error {
	seen := map[string]bool{}
	for _, w := range plans {
		id := w.m.TableName + "\x00" + string(w.key)
		if seen[id] {
			return validation(msgTxSameItem)
		}
		seen[id] = true
	}
	return nil
}

// txReason is the cancellation reason of a statement refused while a
// transaction is planned, when DynamoDB cancels rather than refuses: a
// missing table, or a key that does not name one item of the table's
// schema. nil for any other error.
func txReason(err error) map[string]any {
	ae, ok := err.(*apiError)
	if !ok {
		return nil
	}
	if ae.Type == "ResourceNotFoundException" {
		return map[string]any{"Code": "ResourceNotFound", "Message": ae.Msg}
	}
	msg := ae.Msg
	switch {
	case ae.Type != "ValidationException":
		return nil
	case msg == msgIncompleteKey, strings.HasPrefix(msg, "Multiple conditions on same key "):
		msg = msgKeySchema
	case keyMisfit(msg), strings.HasPrefix(msg, "One or more parameter values are not valid. The AttributeValue for a key attribute"):
	default:
		return nil
	}
	return map[string]any{"Code": "ValidationError", "Message": msg}
}

// inStatement names the statement of a transaction a validation error
// is about, as DynamoDB does; other errors keep their own type.
func inStatement(i int, err error) error {
	ae, ok := err.(*apiError)
	if !ok || ae.Type != "ValidationException" {
		return err
	}
	return validation("Validation failed in TransactStatements[" + itoa(i) + "]: " + ae.Msg)
}
