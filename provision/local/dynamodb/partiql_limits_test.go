package dynamodb_test

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// padded is a statement of exactly n characters: stmt, then a block comment
// of '日' (three bytes each) filling the rest.
func padded(t *testing.T, stmt string, n int) string {
	t.Helper()
	fill := n - utf8.RuneCountInString(stmt) - len(" /*  */")
	if fill < 0 {
		t.Fatalf("statement longer than %d characters", n)
	}
	return stmt + " /* " + strings.Repeat("日", fill) + " */"
}

// The 8192 of Statement counts characters, as the API's model does, not
// bytes: 8192 characters of three bytes each are taken in ExecuteStatement,
// BatchExecuteStatement and ExecuteTransaction, and 8193 are refused.
func TestPartiQLStatementLengthInCharacters(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	get := `SELECT pk FROM "` + tbl + `" WHERE pk = 'b' AND sk = 1`
	longest := padded(t, get, 8192)
	tooLong := padded(t, get, 8193)
	runExchanges(t, []exchange{
		{"8192 characters", "ExecuteStatement", stmt(longest), 200, `{"Items":[{"pk":{"S":"b"}}]}`},
		{"8192 characters in a batch", "BatchExecuteStatement", `{"Statements":[` + stmt(longest) + `]}`, 200,
			`{"Responses":[{"TableName":"` + tbl + `","Item":{"pk":{"S":"b"}}}]}`},
		{"8192 characters in a transaction", "ExecuteTransaction", `{"TransactStatements":[` + stmt(longest) + `]}`, 200,
			`{"Responses":[{"Item":{"pk":{"S":"b"}}}]}`},
		{"8193 characters", "ExecuteStatement", stmt(tooLong), 400,
			invalid("1 validation error detected: Value '" + tooLong + "' at 'statement' failed to satisfy constraint: Member must have length less than or equal to 8192")},
		{"8193 characters in a transaction", "ExecuteTransaction", `{"TransactStatements":[` + stmt(tooLong) + `]}`, 400,
			invalid("1 validation error detected: Value '" + tooLong + "' at 'transactStatements.1.member.statement' failed to satisfy constraint: Member must have length less than or equal to 8192")},
	})
}
