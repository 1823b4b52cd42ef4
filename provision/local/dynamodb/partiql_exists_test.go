package dynamodb_test

import (
	"testing"
)

// EXISTS(SELECT ...) inside ExecuteTransaction is a condition check: the
// item must exist and the condition hold, or the transaction is cancelled
// with ConditionalCheckFailed; nothing else may use it.
func TestPartiQLExists(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	tx := func(stmts ...string) string {
		body := `{"TransactStatements":[`
		for i, s := range stmts {
			if i > 0 {
				body += ","
			}
			body += s
		}
		return body + `]}`
	}
	a2 := `{"pk":{"S":"a"},"sk":{"N":"2"},"n":{"N":"20"},"name":{"S":"apricot"},"tags":{"SS":["red"]}}`
	a3 := `{"pk":{"S":"a"},"sk":{"N":"3"},"g":{"S":"y"},"n":{"N":"30"},"name":{"S":"avocado"}}`
	runExchanges(t, []exchange{
		{"a check that holds lets the writes apply", "ExecuteTransaction",
			`{"TransactStatements":[` + stmt(`EXISTS(SELECT * FROM `+q+` WHERE pk = 'a' AND sk = ? AND n = 10)`, `"Parameters":[{"N":"1"}]`) + `,` +
				stmt(`UPDATE `+q+` SET n = 41 WHERE pk = 'b' AND sk = 1`) + `],"ReturnConsumedCapacity":"TOTAL"}`, 200,
			`{"Responses":[],"ConsumedCapacity":[{"TableName":"` + tbl + `","CapacityUnits":6,"WriteCapacityUnits":6}]}`},
		{"the write applied", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"b"},"sk":{"N":"1"}},"ProjectionExpression":"n"}`, 200,
			`{"Item":{"n":{"N":"41"}}}`},
		{"a check alone", "ExecuteTransaction", tx(stmt(`exists (select pk from ` + q + ` where sk = 3 and pk = 'a' and g is not missing)`)), 200, `{"Responses":[]}`},
		{"a false condition cancels", "ExecuteTransaction", tx(
			stmt(`EXISTS(SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 2 AND n > 100)`, `"ReturnValuesOnConditionCheckFailure":"ALL_OLD"`),
			stmt(`INSERT INTO `+q+` VALUE {'pk': 'x', 'sk': 1}`)), 400,
			`{"__type":"` + ddbType + `TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",` +
				`"CancellationReasons":[{"Code":"ConditionalCheckFailed","Message":"The conditional request failed","Item":` + a2 + `},{"Code":"None"}]}`},
		{"nothing was inserted", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"x"},"sk":{"N":"1"}}}`, 200, `{}`},
		{"a missing item cancels even when the condition would hold", "ExecuteTransaction", tx(
			stmt(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 3`),
			stmt(`EXISTS(SELECT * FROM `+q+` WHERE pk = 'zz' AND sk = 1 AND n IS MISSING)`)), 400,
			`{"__type":"` + ddbType + `TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",` +
				`"CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}]}`},
		{"nothing was deleted", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"a"},"sk":{"N":"3"}}}`, 200, `{"Item":` + a3 + `}`},

		{"a check of the key alone", "ExecuteTransaction", tx(
			stmt(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 3`),
			stmt(`EXISTS(SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1)`)), 400,
			invalid("Validation failed in TransactStatements[1]: EXISTS() must contain a single item read with additional condition")},
		{"a check without WHERE", "ExecuteTransaction", tx(stmt(`EXISTS(SELECT * FROM ` + q + `)`)), 400,
			invalid("Validation failed in TransactStatements[0]: EXISTS() must contain a single item read with additional condition")},
		{"a check without the whole key", "ExecuteTransaction", tx(stmt(`EXISTS(SELECT * FROM ` + q + ` WHERE pk = 'a' AND n = 10)`)), 400,
			invalid("Validation failed in TransactStatements[0]: EXISTS() must contain a single item read with additional condition")},
		{"a check naming the key by IN", "ExecuteTransaction", tx(stmt(`EXISTS(SELECT * FROM ` + q + ` WHERE pk IN ['a'] AND sk = 1 AND n = 10)`)), 400,
			invalid("Validation failed in TransactStatements[0]: EXISTS() must contain a single item read with additional condition")},
		{"a check of a key of the wrong type", "ExecuteTransaction", tx(stmt(`EXISTS(SELECT * FROM ` + q + ` WHERE pk = 'a' AND sk = '1' AND n = 10)`)), 400,
			`{"__type":"` + ddbType + `TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]",` +
				`"CancellationReasons":[{"Code":"ValidationError","Message":"The provided key element does not match the schema"}]}`},
		{"a second value for the key is a condition the item fails", "ExecuteTransaction", tx(
			stmt(`EXISTS(SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1 AND pk = 'b' AND n = 10)`),
			stmt(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 3`)), 400,
			`{"__type":"` + ddbType + `TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]",` +
				`"CancellationReasons":[{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},{"Code":"None"}]}`},
		{"a check of an index", "ExecuteTransaction", tx(stmt(`EXISTS(SELECT * FROM ` + q + `."byG" WHERE g = 'x' AND n = 10)`)), 400,
			invalid("Validation failed in TransactStatements[0]: Operations on indices are not supported in transactions")},
		{"a check of a missing table", "ExecuteTransaction", tx(stmt(`EXISTS(SELECT * FROM "nosuchtable" WHERE pk = 'a' AND n = 1)`)), 400,
			`{"__type":"` + ddbType + `TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ResourceNotFound]",` +
				`"CancellationReasons":[{"Code":"ResourceNotFound","Message":"Requested resource not found"}]}`},
		{"NOT EXISTS", "ExecuteTransaction", tx(stmt(`NOT EXISTS(SELECT * FROM ` + q + ` WHERE pk = 'a' AND sk = 1 AND n = 10)`)), 400,
			invalid("Unsupported operation in transaction.")},
		{"a read, then a check", "ExecuteTransaction", tx(stmt(`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1`),
			stmt(`EXISTS(SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 2 AND n = 20)`)), 400,
			invalid("ExecuteTransaction API does not support both read and write operations in the same request.")},
		{"a check, then a read", "ExecuteTransaction", tx(stmt(`EXISTS(SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 2 AND n = 20)`),
			stmt(`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1`)), 400,
			invalid("ExecuteTransaction API does not support both read and write operations in the same request.")},
		{"a check and a write of one item", "ExecuteTransaction", tx(stmt(`EXISTS(SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 2 AND n = 20)`),
			stmt(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 2`)), 400,
			invalid("Transaction request cannot include multiple operations on one item")},
		{"RETURNING in a transaction", "ExecuteTransaction", tx(stmt(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 3`),
			stmt(`UPDATE `+q+` SET n = 0 WHERE pk = 'a' AND sk = 2 RETURNING ALL NEW *`)), 400,
			invalid("Validation failed in TransactStatements[1]: RETURNING clause is not supported in ExecuteTransaction.")},
		{"nothing of the refused transactions was written", "Scan", `{"TableName":"` + tbl + `","ProjectionExpression":"pk, sk, n","Select":"SPECIFIC_ATTRIBUTES"}`, 200,
			`{"Items":[{"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"10"}},{"pk":{"S":"a"},"sk":{"N":"2"},"n":{"N":"20"}},{"pk":{"S":"a"},"sk":{"N":"3"},"n":{"N":"30"}},` +
				`{"pk":{"S":"b"},"sk":{"N":"1"},"n":{"N":"41"}}],"Count":4,"ScannedCount":4}`},

		{"EXISTS in ExecuteStatement", "ExecuteStatement", stmt(`EXISTS(SELECT * FROM ` + q + ` WHERE pk = 'a' AND sk = 1 AND n = 10)`), 400,
			invalid("EXISTS can only be used in ExecuteTransaction write requests.")},
		{"EXISTS in BatchExecuteStatement", "BatchExecuteStatement", `{"Statements":[` +
			stmt(`EXISTS(SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1 AND n = 10)`) + `,` +
			stmt(`UPDATE `+q+` SET n = 42 WHERE pk = 'b' AND sk = 1`) + `]}`, 200,
			`{"Responses":[{"Error":{"Code":"ValidationError","Message":"EXISTS can only be used in ExecuteTransaction write requests."}},{"TableName":"` + tbl + `"}]}`},
	})
}
