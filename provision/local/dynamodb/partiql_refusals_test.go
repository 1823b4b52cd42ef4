package dynamodb_test

import (
	"testing"
)

// PartiQL that DynamoDB parses but does not run, and batches naming one
// item twice, are refused in DynamoDB's words, and nothing is written.
func TestPartiQLRefusals(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	runExchanges(t, []exchange{
		{"COUNT(*)", "ExecuteStatement", stmt(`SELECT COUNT(*) FROM ` + q + ` WHERE pk = 'a'`), 400, invalid("Unexpected path component")},
		{"an aggregate beside a path", "ExecuteStatement", stmt(`SELECT pk, MAX(n) FROM ` + q), 400, invalid("Unexpected path component")},
		{"a table alias", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` t WHERE pk = 'a'`), 400, invalid("Aliasing is not supported")},
		{"a table alias with AS", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` AS t WHERE pk = 'a'`), 400, invalid("Aliasing is not supported")},
		{"an alias in an UPDATE", "ExecuteStatement", stmt(`UPDATE ` + q + ` t SET n = 1 WHERE pk = 'a' AND sk = 1`), 400, invalid("Aliasing is not supported")},
		{"an alias in a DELETE", "ExecuteStatement", stmt(`DELETE FROM ` + q + ` t WHERE pk = 'a' AND sk = 1`), 400, invalid("Aliasing is not supported")},
		{"an alias in an INSERT", "ExecuteStatement", stmt(`INSERT INTO ` + q + ` t VALUE {'pk': 'x', 'sk': 1}`), 400,
			invalid("Statement wasn't well formed, can't be processed: Unexpected token after expression")},
		{"a join", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` JOIN "other" ON pk = pk`), 400, invalid("Only select from a single table or index is supported.")},
		{"two sources", "ExecuteStatement", stmt(`SELECT * FROM ` + q + `, "other"`), 400, invalid("Only select from a single table or index is supported.")},
		{"a subquery as source", "ExecuteStatement", stmt(`SELECT * FROM (SELECT * FROM ` + q + `)`), 400, invalid("Unexpected from source")},
		{"a subquery in WHERE", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk IN (SELECT pk FROM ` + q + `)`), 400, invalid("Unsupported token in expression: SELECT")},
		{"GROUP BY", "ExecuteStatement", stmt(`SELECT pk FROM ` + q + ` WHERE pk = 'a' GROUP BY pk`), 400, invalid("Unsupported clause: GROUP BY")},
		{"LIMIT in the statement", "ExecuteStatement", stmt(`SELECT pk FROM ` + q + ` WHERE pk = 'a' LIMIT 1`), 400, invalid("Unsupported clause: LIMIT")},
		{"DISTINCT", "ExecuteStatement", stmt(`SELECT DISTINCT pk FROM ` + q), 400, invalid("Unsupported token in expression: DISTINCT")},
		{"SELECT VALUE", "ExecuteStatement", stmt(`SELECT VALUE pk FROM ` + q), 400, invalid("Select projection doesn't support value or pivot keywords")},
		{"ON CONFLICT", "ExecuteStatement", stmt(`INSERT INTO ` + q + ` VALUE {'pk': 'x', 'sk': 1} ON CONFLICT DO NOTHING`), 400, invalid("Unsupported clause: ON CONFLICT")},
		{"a character PartiQL does not know", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk = 'a' # note`), 400,
			invalid("Statement wasn't well formed, can't be processed: ")},
		{"an unterminated block comment", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk = 'a' /* note`), 400,
			invalid("Statement wasn't well formed, can't be processed: ")},
		{"block comments", "ExecuteStatement", stmt(`SELECT/**/sk FROM ` + q + ` /* the table */ WHERE pk = 'b' -- a note`), 200,
			`{"Items":[{"sk":{"N":"1"}}]}`},
		{"a token after the statement", "ExecuteStatement", stmt(`DELETE FROM ` + q + ` WHERE pk = 'a' AND sk = 1 foo`), 400,
			invalid("Statement wasn't well formed, can't be processed: Unexpected token after expression")},

		{"a batch writing one item twice", "BatchExecuteStatement", `{"Statements":[` +
			stmt(`INSERT INTO `+q+` VALUE {'pk': 'x', 'sk': 1}`) + `,` +
			stmt(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 3`) + `,` +
			stmt(`UPDATE `+q+` SET n = 1 WHERE pk = 'x' AND sk = 1`) + `]}`, 400,
			invalid("Provided list of item keys contains duplicates")},
		{"a batch reading one item twice", "BatchExecuteStatement", `{"Statements":[` +
			stmt(`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1`) + `,` +
			stmt(`SELECT n FROM `+q+` WHERE sk = ? AND pk = 'a'`, `"Parameters":[{"N":"1"}]`) + `]}`, 400,
			invalid("Provided list of item keys contains duplicates")},
		{"a statement that fails validation names no item", "BatchExecuteStatement", `{"Statements":[` +
			stmt(`SELECT sk FROM `+q+` WHERE pk = 'a' AND sk = 1`) + `,` +
			stmt(`SELECT sk FROM `+q+` WHERE pk = 'a'`) + `]}`, 200,
			`{"Responses":[{"TableName":"` + tbl + `","Item":{"sk":{"N":"1"}}},` +
				`{"Error":{"Code":"ValidationError","Message":"Select statements within BatchExecuteStatement must specify the primary key in the where clause."}}]}`},
		{"nothing of the refused statements was written", "Scan", `{"TableName":"` + tbl + `","ProjectionExpression":"pk, sk, n","Select":"SPECIFIC_ATTRIBUTES"}`, 200,
			`{"Items":[{"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"10"}},{"pk":{"S":"a"},"sk":{"N":"2"},"n":{"N":"20"}},{"pk":{"S":"a"},"sk":{"N":"3"},"n":{"N":"30"}},` +
				`{"pk":{"S":"b"},"sk":{"N":"1"},"n":{"N":"40"}}],"Count":4,"ScannedCount":4}`},
	})
}

// A PartiQL reserved word after a path's dot must be quoted: unquoted it is
// refused as DynamoDB refuses it, in a condition, a projection and an
// UPDATE's target alike; quoted, it names the attribute.
func TestPartiQLReservedWordAfterDot(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	badDot := invalid("Statement wasn't well formed, can't be processed: Invalid path dot component")
	runExchanges(t, []exchange{
		{"in a condition", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk = 'a' AND attribute_exists(m.inner)`), 400, badDot},
		{"in a projection", "ExecuteStatement", stmt(`SELECT m.size FROM ` + q + ` WHERE pk = 'a'`), 400, badDot},
		{"in any case", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk = 'a' AND m.Value = 1`), 400, badDot},
		{"an UPDATE's target", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET m.inner = set_add(m.inner, <<'y'>>) WHERE pk = 'a' AND sk = 1`), 400, badDot},
		{"after a list index", "ExecuteStatement", stmt(`UPDATE ` + q + ` REMOVE m.b[0].from WHERE pk = 'a' AND sk = 1`), 400, badDot},
		{"a type name", "ExecuteStatement", stmt(`SELECT m.string FROM ` + q + ` WHERE pk = 'a'`), 400, badDot},
		// Reserved only by PartiQL's later grammar: a name to DynamoDB's.
		{"a word of the later grammar", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk = 'a' AND m.partition = 1`), 200, `{"Items":[]}`},
		{"quoted, it is a name", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET m."inner" = <<'x'>>, m."size" = 2 WHERE pk = 'a' AND sk = 1`), 200, `{"Items":[]}`},
		{"quoted in a condition and a projection", "ExecuteStatement",
			stmt(`SELECT m."size" FROM ` + q + ` WHERE pk = 'a' AND attribute_exists(m."inner")`), 200, `{"Items":[{"size":{"N":"2"}}]}`},
	})
}
