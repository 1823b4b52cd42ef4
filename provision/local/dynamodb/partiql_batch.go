package dynamodb

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/partiql"
)

// BatchExecuteStatement runs up to 25 statements, each on its own, and
// answers one response per statement; ExecuteTransaction runs up to 100
// as one transaction, all or nothing.

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
func (g *pqGet) read(tx *bolt.Tx) (it, raw attr.Item, err error) {
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

type tableCapacity map[string]float64

func (tc tableCapacity) render(rc *string) []map[string]any {
	if rc == nil || *rc == "NONE" || len(tc) == 0 {
		return nil
	}
	var out []map[string]any
	for _, name := range attr.SortedKeys(tc) {
		c := map[string]any{"TableName": name, "CapacityUnits": tc[name]}
		if *rc == "INDEXES" {
			c["Table"] = map[string]any{"CapacityUnits": tc[name]}
		}
		out = append(out, c)
	}
	return out
}

func (s *Service) batchExecuteStatement(body []byte) (any, error) {
	var in batchExecuteInput
	if err := decode(body, &in); err != nil {
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
			err = s.env.DB.View(func(tx *bolt.Tx) error {
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
			units[g.m.TableName] += readUnits(raw, consistent)
			if it != nil {
				resp["Item"] = it
			}
		}
		if w := puts[i]; w != nil {
			res := s.commitWrite(w)
			if res.err != nil {
				if _, ok := res.err.(*apiError); !ok {
					return nil, res.err
				}
				resp["Error"] = statementError(res.err)
				continue
			}
			units[w.m.TableName] += writeUnits(res.old, res.new)
		}
	}
	out := map[string]any{"Responses": responses}
	if cc := units.render(in.ReturnConsumedCapacity); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

func (s *Service) executeTransaction(body []byte) (any, error) {
	var in executeTransactionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkStatementCount(len(in.TransactStatements), in.TransactStatements == nil, "transactStatements", maxTransactionItems); err != nil {
		return nil, err
	}
	if in.ClientRequestToken != nil && (len(*in.ClientRequestToken) < 1 || len(*in.ClientRequestToken) > 36) {
		return nil, validation("1 validation error detected: Value '" + *in.ClientRequestToken + "' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36")
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
	return s.transactionWrites(plans, preset, &in, body)
}

func (s *Service) transactionReads(stmts []partiql.Statement, binders []*binder, rc *string) (any, error) {
	gets := make([]*pqGet, len(stmts))
	reasons := make([]map[string]any, len(stmts))
	cancelled := false
	for i, st := range stmts {
		reasons[i] = map[string]any{"Code": "None"}
		g, err := s.planGet(st.(*partiql.Select), binders[i], msgTxIndex, msgTxSelectKey)
		if r := txReason(err); r != nil {
			reasons[i], cancelled = r, true
			continue
		}
		if err != nil {
			return nil, inStatement(i, err)
		}
		gets[i] = g
	}
	if cancelled {
		return nil, transactionCanceled(reasons)
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
	err := s.env.DB.View(func(tx *bolt.Tx) error {
		for i, g := range gets {
			it, raw, err := g.read(tx)
			if err != nil {
				return err
			}
			// A transactional read costs twice a consistent read.
			units[g.m.TableName] += 2 * readUnits(raw, true)
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
	if cc := units.render(rc); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

func (s *Service) transactionWrites(plans []*pqWrite, preset []map[string]any, in *executeTransactionInput, body []byte) (any, error) {
	var token []byte
	var digest [32]byte
	if in.ClientRequestToken != nil {
		token = []byte(*in.ClientRequestToken)
		digest = canonicalDigest(body)
	}
	olds := make([]attr.Item, len(plans))
	news := make([]attr.Item, len(plans))
	var failure error
	err := s.commit(func(tx *bolt.Tx) error {
		failure = nil
		now := s.env.Now()
		if token != nil {
			if failure = seenToken(tx, token, digest, now); failure != nil {
				return nil
			}
		}
		reasons := make([]map[string]any, len(plans))
		cancelled := false
		for i, w := range plans {
			reasons[i] = map[string]any{"Code": "None"}
			if w == nil { // refused when planned: the reason is known
				reasons[i], cancelled = preset[i], true
				continue
			}
			b := tx.Bucket(w.t.bucket)
			if b == nil {
				failure = notFound("Requested resource not found")
				return nil
			}
			old, err := readItem(b, w.key)
			if err != nil {
				return err
			}
			next, fail := w.apply(old)
			olds[i], news[i] = old, next
			if fail != nil {
				cancelled = true
				reasons[i] = cancellationReason(fail.(*apiError))
			}
		}
		if cancelled {
			failure = transactionCanceled(reasons)
			return nil
		}
		for i, w := range plans {
			if w.kind == kindCheck {
				continue
			}
			if err := s.storeWrite(tx, w, olds[i], news[i]); err != nil {
				return err
			}
		}
		if token != nil {
			return saveToken(tx, token, digest, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if failure == errAlreadyApplied {
		return map[string]any{}, nil
	}
	if failure != nil {
		return nil, failure
	}
	units := tableCapacity{}
	for i, w := range plans {
		w.t.applyCounts(olds[i], news[i])
		units[w.m.TableName] += 2 * writeUnits(olds[i], news[i])
	}
	out := map[string]any{}
	if cc := units.render(in.ReturnConsumedCapacity); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
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
	case msg == msgKeySchema, strings.HasPrefix(msg, "One or more parameter values were invalid: Missing the key "),
		strings.HasPrefix(msg, "One or more parameter values were invalid: Type mismatch for key "),
		strings.HasPrefix(msg, "One or more parameter values are not valid. The AttributeValue for a key attribute"):
	default:
		return nil
	}
	return map[string]any{"Code": "ValidationError", "Message": msg}
}

// inStatement names the statement of a transaction a validation error
// is about, as DynamoDB does; a missing table keeps its own error.
func inStatement(i int, err error) error {
	ae, ok := err.(*apiError)
	if !ok || ae.Type != "ValidationException" {
		return err
	}
	return validation("Validation failed in TransactStatements[" + itoa(i) + "]: " + ae.Msg)
}

// seenToken reports a ClientRequestToken used in the last ten minutes:
// errAlreadyApplied for the same request, a mismatch for another.
func seenToken(tx *bolt.Tx, token []byte, digest [32]byte, now time.Time) error {
	prev := tx.Bucket(tokensBucket).Get(token)
	if len(prev) != 40 {
		return nil
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(prev[32:])))
	if now.Sub(at) >= tokenTTL {
		return nil
	}
	if string(prev[:32]) != string(digest[:]) {
		return &apiError{Type: "IdempotentParameterMismatchException", Msg: "The request uses the same client token as a previous, but non-identical request."}
	}
	return errAlreadyApplied
}

// saveToken remembers a ClientRequestToken and its request.
func saveToken(tx *bolt.Tx, token []byte, digest [32]byte, now time.Time) error {
	rec := make([]byte, 40)
	copy(rec, digest[:])
	binary.BigEndian.PutUint64(rec[32:], uint64(now.UnixNano()))
	return tx.Bucket(tokensBucket).Put(token, rec)
}

func itoa(n int) string { return strconv.Itoa(n) }
