package dynamodb_test

import (
	"testing"
)

// A transaction whose statement names no single item of its table, or a
// missing table, is cancelled with that statement's reason; other
// validation errors refuse the request, naming the statement, and win.
func TestPartiQLTransactionKeys(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	tx := func(stmts ...string) string {
		body := `{"TransactStatements":[`
		for i, s := range stmts {
			if i > 0 {
				body += ","
			}
			body += stmt(s)
		}
		return body + `]}`
	}
	canceled := func(codes, reasons string) string {
		return `{"__type":"` + ddbType + `TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [` + codes + `]",` +
			`"CancellationReasons":[` + reasons + `]}`
	}
	mismatch := `{"Code":"ValidationError","Message":"The provided key element does not match the schema"}`
	missing := `{"Code":"ResourceNotFound","Message":"Requested resource not found"}`
	txKey := "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause."
	runExchanges(t, []exchange{
		{"writes naming no single item", "ExecuteTransaction", tx(
			`UPDATE `+q+` SET x = 1 WHERE pk = 'a'`,
			`INSERT INTO `+q+` VALUE {'pk': 'x'}`,
			`DELETE FROM `+q+` WHERE sk = 1`,
			`UPDATE `+q+` SET x = 1 WHERE pk = 'a' AND sk = '1'`,
			`UPDATE `+q+` SET x = 1 WHERE pk = 'a' AND sk = 1 AND pk = 'b'`,
			`UPDATE `+q+` SET x = 1 WHERE pk = 'b' AND sk = 1`), 400,
			canceled("ValidationError, ValidationError, ValidationError, ValidationError, ValidationError, None",
				mismatch+`,{"Code":"ValidationError","Message":"One or more parameter values were invalid: Missing the key sk in the item"},`+
					mismatch+`,`+mismatch+`,`+mismatch+`,{"Code":"None"}`)},
		{"a write to a missing table", "ExecuteTransaction", tx(
			`UPDATE "nosuchtable" SET x = 1 WHERE pk = 'a' AND sk = 1 RETURNING ALL NEW *`,
			`UPDATE `+q+` SET x = 1 WHERE pk = 'b' AND sk = 1`), 400,
			canceled("ResourceNotFound, None", missing+`,{"Code":"None"}`)},
		{"a refusal wins over a missing table", "ExecuteTransaction", tx(
			`UPDATE "nosuchtable" SET x = 1 WHERE pk = 'a' AND sk = 1`,
			`UPDATE `+q+` SET x = 1 WHERE pk = 'b' AND sk = 1 RETURNING ALL NEW *`), 400,
			invalid("Validation failed in TransactStatements[1]: RETURNING clause is not supported in ExecuteTransaction.")},
		{"nothing was written", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"b"},"sk":{"N":"1"}},"ProjectionExpression":"x, n"}`, 200,
			`{"Item":{"n":{"N":"40"}}}`},

		{"a read of a missing table", "ExecuteTransaction", tx(
			`SELECT n FROM `+q+` WHERE pk = 'a' AND sk = 1`,
			`SELECT * FROM "nosuchtable"."idx" WHERE pk = 'a' AND sk = 1`), 400,
			canceled("None, ResourceNotFound", `{"Code":"None"},`+missing)},
		{"an index read wins over a missing table", "ExecuteTransaction", tx(
			`SELECT * FROM "nosuchtable" WHERE pk = 'a' AND sk = 1`,
			`SELECT * FROM `+q+`."byG" WHERE pk = 'a' AND sk = 1`), 400,
			invalid("Validation failed in TransactStatements[1]: Reads on indices are not supported within transactions.")},
		{"a read of a key of the wrong type cancels before one item read twice is refused", "ExecuteTransaction", tx(
			`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1`,
			`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1`,
			`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = '1'`), 400,
			canceled("None, None, ValidationError", `{"Code":"None"},{"Code":"None"},`+mismatch)},
		{"one item read twice", "ExecuteTransaction", tx(
			`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1`,
			`SELECT n FROM `+q+` WHERE sk = 1 AND pk = 'a'`), 400,
			invalid("Transaction request cannot include multiple operations on one item")},
		{"a read with a condition", "ExecuteTransaction", tx(`SELECT * FROM ` + q + ` WHERE pk = 'a' AND sk = 1 AND n = 10`), 400, invalid(txKey)},
		{"a read with two values for the key", "ExecuteTransaction", tx(`SELECT * FROM ` + q + ` WHERE pk = 'a' AND sk = 1 AND pk = 'b'`), 400, invalid(txKey)},
		{"a read by IN of one value, and a key repeated", "ExecuteTransaction", tx(
			`SELECT n FROM `+q+` WHERE pk IN ['a'] AND sk IN [2]`,
			`SELECT n FROM `+q+` WHERE (sk = 1) AND pk = 'b' AND pk = 'b'`), 200,
			`{"Responses":[{"Item":{"n":{"N":"20"}}},{"Item":{"n":{"N":"40"}}}]}`},

		{"a write repeating its key with the same value", "ExecuteStatement",
			stmt(`UPDATE ` + q + ` SET x = 2 WHERE pk = 'b' AND sk = 1 AND pk = 'b' RETURNING MODIFIED NEW *`), 200, `{"Items":[{"x":{"N":"2"}}]}`},
	})
}
