package dynamodb

import (
	"strconv"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/partiql"
	"github.com/spk-cli/spk/provision/local/store"
)

// BatchExecuteStatement runs up to 25 statements, each on its own, and
// answers one response per statement; ExecuteTransaction
// (partiql_transaction.go) shares its request types and reads.

type statementRequest struct {
	Statement                           *string      `json:"Statement"`
	Parameters                          []attr.Value `json:"Parameters"`
	ConsistentRead                      *bool        `json:"ConsistentRead"`
	ReturnValuesOnConditionCheckFailure *string      `json:"ReturnValuesOnConditionCheckFailure"`
}

type batchExecuteInput struct {
	Statements             []statementRequest `json:"Statements"`
	ReturnConsumedCapacity *string            `json:"ReturnConsumedCapacity"`
}

type executeTransactionInput struct {
	TransactStatements     []statementRequest `json:"TransactStatements"`
	ClientRequestToken     *string            `json:"ClientRequestToken"`
	ReturnConsumedCapacity *string            `json:"ReturnConsumedCapacity"`
}

const (
	msgMixedBatch       = "Read and write requests together in the same batch is not supported."
	msgBatchDuplicates  = "Provided list of item keys contains duplicates"
	msgBatchSelectKey   = "Select statements within BatchExecuteStatement must specify the primary key in the where clause."
	msgTxSelectKey      = "Select statements within ExecuteTransaction must specify the primary key in the where clause."
	msgTxIndex          = "Reads on indices are not supported within transactions."
	msgTxMixed          = "ExecuteTransaction API does not support both read and write operations in the same request."
	msgTxReturning      = "RETURNING clause is not supported in ExecuteTransaction."
	msgTxSameItem       = "Transaction request cannot include multiple operations on one item"
	maxBatchStatements  = 25
	maxTransactionItems = 100
)

// checkStatementCount validates the length of a list of statements.
func checkStatementCount(n int, null bool, field string, limit int) error {
	if null {
		return validation("1 validation error detected: Value null at '" + field + "' failed to satisfy constraint: Member must not be null")
	}
	if n == 0 || n > limit {
		c := "greater than or equal to 1"
		if n > limit {
			c = "less than or equal to " + itoa(limit)
		}
		return validation("1 validation error detected: Value '[...]' at '" + field + "' failed to satisfy constraint: Member must have length " + c)
	}
	return nil
}

// pqGet is a SELECT of one item by its full primary key.
type pqGet struct {
	t    *table
	m    tableMeta
	key  []byte
	proj *selectList
}

// planGet validates a SELECT that must name one item of a table: by its
// whole key, and nothing else.
func (s *Service) planGet(st *partiql.Select, b *binder, indexMsg, keyMsg string) (*pqGet, error) {
	t, m, err := s.lookupPQ(st.Table)
	if err != nil {
		return nil, err
	}
	if st.Index != "" {
		return nil, validation(indexMsg)
	}
	if err := checkOrderBy(st, t.hash, t.rng); err != nil {
		return nil, err
	}
	kp, err := b.splitKey(st.Where, true, t.hash, t.rng)
	if err != nil {
		return nil, err
	}
	_, hasHash := kp.key[t.hash.Name]
	_, hasRange := kp.key[t.rng.Name]
	if kp.conflict != "" || len(kp.rest) > 0 || !hasHash || t.rng.Name != "" && !hasRange {
		return nil, validation(keyMsg)
	}
	g := &pqGet{t: t, m: m}
	if g.key, err = t.keyOf(kp.key); err != nil {
		return nil, err
	}
	if g.proj, err = newSelectList(st); err != nil {
		return nil, err
	}
	return g, nil
}

// read returns the item, projected, or nil when it is absent. raw is the
// stored item, for capacity.
func (g *pqGet) read(tx *store.Tx) (it, raw attr.Item, err error) {
	b := tx.Bucket(g.t.bucket)
	if b == nil {
		return nil, nil, notFound("Requested resource not found")
	}
	raw, err = readItem(b, g.key)
	if err != nil || raw == nil {
		return nil, nil, err
	}
	return g.proj.apply(raw), raw, nil
}

// statementError is a batch response's Error for a failed statement.
func statementError(err error) map[string]any {
	ae, ok := err.(*apiError)
	if !ok {
		return map[string]any{"Code": "InternalServerError", "Message": "Internal server error"}
	}
	e := map[string]any{"Code": errorCode(ae), "Message": ae.Msg}
	if it, ok := ae.Extra["Item"]; ok {
		e["Item"] = it
	}
	return e
}

// checkReturnCapacity checks a PartiQL request's ReturnConsumedCapacity.
func checkReturnCapacity(rc *string) error {
	var c constraints
	c.enum("returnConsumedCapacity", rc, returnCapacityValues...)
	return c.err()
}

func (s *Service) batchExecuteStatement(body []byte) (any, error) {
	var in batchExecuteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkReturnCapacity(in.ReturnConsumedCapacity); err != nil {
		return nil, err
	}
	if err := checkStatementCount(len(in.Statements), in.Statements == nil, "statements", maxBatchStatements); err != nil {
		return nil, err
	}
	type parsed struct {
		st        partiql.Statement
		b         *binder
		returnOld bool
		err       error
	}
	stmts := make([]parsed, len(in.Statements))
	reads, writes := 0, 0
	for i, r := range in.Statements {
		if r.Statement == nil {
			return nil, validation("1 validation error detected: Value null at 'statements." + itoa(i+1) + ".member.statement' failed to satisfy constraint: Member must not be null")
		}
		returnOld, err := checkOnFailure(r.ReturnValuesOnConditionCheckFailure)
		if err != nil {
			return nil, err
		}
		st, b, err := parseStatement(r.Statement, r.Parameters, "statements."+itoa(i+1)+".member.statement")
		if _, ok := st.(*partiql.Exists); ok {
			err = validation(msgExistsOutsideTx)
		}
		stmts[i] = parsed{st, b, returnOld, err}
		if err == nil {
			if _, ok := st.(*partiql.Select); ok {
				reads++
			} else {
				writes++
			}
		}
	}
	if reads > 0 && writes > 0 {
		return nil, validation(msgMixedBatch)
	}
	// Every statement is planned before any runs, so that one item named
	// twice refuses the whole request before anything is written.
	responses := make([]map[string]any, len(stmts))
	gets := make([]*pqGet, len(stmts))
	puts := make([]*pqWrite, len(stmts))
	seen := map[string]bool{}
	for i, p := range stmts {
		resp := map[string]any{}
		responses[i] = resp
		if p.err != nil {
			resp["Error"] = statementError(p.err)
			continue
		}
		var id string
		if sel, ok := p.st.(*partiql.Select); ok {
			g, err := s.planGet(sel, p.b, msgBatchSelectKey, msgBatchSelectKey)
			if err != nil {
				resp["Error"] = statementError(err)
				continue
			}
			resp["TableName"] = g.m.TableName
			gets[i], id = g, g.m.TableName+"\x00"+string(g.key)
		} else {
			w, err := s.planWrite(p.st, p.b, p.returnOld)
			if err != nil {
				resp["Error"] = statementError(err)
				continue
			}
			resp["TableName"] = w.m.TableName
			puts[i], id = w, w.m.TableName+"\x00"+string(w.key)
		}
		if seen[id] {
			return nil, validation(msgBatchDuplicates)
		}
		seen[id] = true
	}
	units := tableCapacity{}
	for i, resp := range responses {
		if g := gets[i]; g != nil {
			var it, raw attr.Item
			var err error
			err = s.env.DB.View(func(tx *store.Tx) error {
				it, raw, err = g.read(tx)
				return err
			})
			if err != nil {
				if _, ok := err.(*apiError); !ok {
					return nil, err
				}
				resp["Error"] = statementError(err)
				continue
			}
			consistent := in.Statements[i].ConsistentRead != nil && *in.Statements[i].ConsistentRead
			units.add(g.m.TableName, readUnits(raw, consistent), indexUnits{}, 1)
			if it != nil {
				resp["Item"] = it
			}
		}
		if w := puts[i]; w != nil {
			res, err := s.commitWrite(w)
			if err != nil {
				if _, ok := err.(*apiError); !ok {
					return nil, err
				}
				resp["Error"] = statementError(err)
				continue
			}
			units.add(w.m.TableName, writeUnits(res.old, res.new), indexWriteUnits(&w.m, res.old, res.new), 1)
			if rs := w.returned(res.old, res.new); len(rs) == 1 {
				resp["Item"] = rs[0]
			}
		}
	}
	out := map[string]any{"Responses": responses}
	if cc := units.render(in.ReturnConsumedCapacity, ""); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
