package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/partiql"
)

// EXISTS(SELECT ... WHERE <full key> AND <condition>) is PartiQL's
// ConditionCheck: inside ExecuteTransaction it reads one item and cancels
// the transaction (ConditionalCheckFailed) when the item is missing or the
// condition is false. It writes nothing. Elsewhere DynamoDB refuses it.

const (
	msgExistsOutsideTx  = "EXISTS can only be used in ExecuteTransaction write requests."
	msgExistsNeedsCheck = "EXISTS() must contain a single item read with additional condition"
	msgExistsOnIndex    = "Operations on indices are not supported in transactions"
	msgTxNotStatement   = "Unsupported operation in transaction."
	kindCheck           = "CHECK"
)

// planCheck validates an EXISTS statement as a write plan that only
// checks: its key from the WHERE clause's equalities, its condition from
// the rest, which must not be empty.
func (s *Service) planCheck(st *partiql.Exists, b *binder, returnOld bool) (*pqWrite, error) {
	sel := st.Select
	t, m, err := s.lookupPQ(sel.Table)
	if err != nil {
		return nil, err
	}
	if sel.Index != "" {
		return nil, validation(msgExistsOnIndex)
	}
	if sel.Where == nil {
		return nil, validation(msgExistsNeedsCheck)
	}
	pw := &pqWrite{kind: kindCheck, t: t, m: m, w: &preparedWrite{returnOld: returnOld}}
	// A second value for a key attribute is a condition the item fails.
	kp, err := b.splitKey(sel.Where, false, t.hash, t.rng)
	if err != nil {
		return nil, err
	}
	if err := pw.bindKey(b, kp, msgExistsNeedsCheck); err != nil {
		return nil, err
	}
	if pw.w.cond == nil {
		return nil, validation(msgExistsNeedsCheck)
	}
	return pw, nil
}
