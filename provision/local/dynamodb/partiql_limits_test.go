package dynamodb_test

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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

// inList is a PartiQL list of n values made by value(i).
func inList(n int, value func(i int) string) string {
	vs := make([]string, n)
	for i := range vs {
		vs[i] = value(i)
	}
	return "[" + strings.Join(vs, ", ") + "]"
}

func quotedP(i int) string { return fmt.Sprintf("'p%d'", i) }

// IN takes at most 100 values, and a SELECT at most 50 key reads: the
// partition key values named times the sort key values of an IN beside
// them. Beyond, DynamoDB's words.
func TestPartiQLInLimits(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	nums := func(n int) string { return inList(n, func(i int) string { return strconv.Itoa(i + 1) }) }
	sel := func(where string) string { return stmt(`SELECT pk, sk FROM ` + q + ` WHERE ` + where) }
	tooMany := invalid("Too many decomposed read operations for a given query.")
	operands := func(n int) string {
		return invalid("The IN operator is provided with too many operands; number of operands: " + strconv.Itoa(n))
	}
	a1, a2, a3, b1 := `{"pk":{"S":"a"},"sk":{"N":"1"}}`, `{"pk":{"S":"a"},"sk":{"N":"2"}}`, `{"pk":{"S":"a"},"sk":{"N":"3"}}`, `{"pk":{"S":"b"},"sk":{"N":"1"}}`
	runExchanges(t, []exchange{
		{"51 partition key values", "ExecuteStatement", sel(`pk IN ` + inList(51, quotedP)), 400, tooMany},
		{"50 partition key values", "ExecuteStatement", sel(`pk IN ['a', 'b', ` + inList(48, quotedP)[1:]), 200,
			`{"Items":[` + a1 + `,` + a2 + `,` + a3 + `,` + b1 + `]}`},
		{"51 partitions by OR", "ExecuteStatement", sel(`pk = 'a'` + strings.Repeat(` OR pk = 'b'`, 50)), 400, tooMany},
		{"a partition and 51 sort key values", "ExecuteStatement", sel(`pk = 'a' AND sk IN ` + nums(51)), 400, tooMany},
		{"2 partitions times 26 sort key values", "ExecuteStatement", sel(`sk IN ` + nums(26) + ` AND pk IN ['a', 'b']`), 400, tooMany},
		{"2 partitions times 25 sort key values", "ExecuteStatement", sel(`pk IN ['b', 'a'] AND sk IN ` + nums(25)), 200,
			`{"Items":[` + a1 + `,` + a2 + `,` + a3 + `,` + b1 + `]}`},
		{"an index's partition key", "ExecuteStatement", stmt(`SELECT pk FROM ` + q + `."byG" WHERE g IN ` + inList(51, quotedP)), 400, tooMany},
		{"60 sort key values without a partition filter", "ExecuteStatement", sel(`sk IN ` + inList(60, func(i int) string { return strconv.Itoa(i*2 + 1) })), 200,
			`{"Items":[` + a1 + `,` + a3 + `,` + b1 + `]}`},
		{"100 values of an attribute", "ExecuteStatement", sel(`n IN ` + nums(100)), 200, `{"Items":[` + a1 + `,` + a2 + `,` + a3 + `,` + b1 + `]}`},
		{"101 values of an attribute", "ExecuteStatement", sel(`n IN ` + nums(101)), 400, operands(101)},
		{"101 partition key values", "ExecuteStatement", sel(`pk IN ` + inList(101, quotedP)), 400, operands(101)},
		{"NOT IN with 120 values", "ExecuteStatement", sel(`pk = 'a' AND n NOT IN ` + nums(120)), 400, operands(120)},
		{"101 values in an UPDATE's condition", "ExecuteStatement",
			stmt(`UPDATE ` + q + ` SET n = 1 WHERE pk = 'a' AND sk = 1 AND n IN ` + nums(101)), 400, operands(101)},
	})
}

// pageKeys runs a SELECT page by page, returning each page's items as the
// keys named by key, and fails if a page past the last carries NextToken.
func pageKeys(t *testing.T, c *dynamodb.Client, in *dynamodb.ExecuteStatementInput, key func(item) string) [][]string {
	t.Helper()
	var pages [][]string
	for len(pages) < 20 {
		out, err := c.ExecuteStatement(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		page := []string{}
		for _, it := range out.Items {
			page = append(page, key(it))
		}
		pages = append(pages, page)
		if out.NextToken == nil {
			return pages
		}
		in.NextToken = out.NextToken
	}
	t.Fatalf("more than 20 pages: %v", pages)
	return nil
}

// A SELECT naming several partitions or keys answers pages of at most 10
// items, as DynamoDB's IN does, each NextToken resuming where the page
// stopped; a smaller Limit is taken, a larger one is not.
func TestPartiQLInPages(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	users := makeTable(t, c, keyAttr{"id", types.ScalarAttributeTypeS}, nil)
	var ids []string
	for i := range 15 {
		id := fmt.Sprintf("p%02d", i)
		put(t, c, users, item{"id": s(id)})
		ids = append(ids, "'"+id+"'")
	}
	byID := func(it item) string { return strOf(t, it["id"]) }
	selUsers := func(where string, limit int32) *dynamodb.ExecuteStatementInput {
		in := &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT id FROM "` + users + `" WHERE ` + where)}
		if limit > 0 {
			in.Limit = aws.Int32(limit)
		}
		return in
	}
	span := func(from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("p%02d", i))
		}
		return out
	}
	inIDs := `id IN [` + strings.Join(ids, ", ") + `, 'missing']`
	orIDs := `id = ` + strings.Join(ids, ` OR id = `)

	events := tableByGN(t, c)
	for i := 1; i <= 20; i++ {
		put(t, c, events, item{"pk": s("a"), "sk": n(strconv.Itoa(i))})
	}
	for i := 1; i <= 3; i++ {
		put(t, c, events, item{"pk": s("b"), "sk": n(strconv.Itoa(i))})
	}
	// In the index, (x, 1) holds 12 entries.
	for i := range 12 {
		put(t, c, events, item{"pk": s(fmt.Sprintf("i%02d", i)), "sk": n("1"), "g": s("x"), "n": n("1")})
	}
	put(t, c, events, item{"pk": s("j"), "sk": n("1"), "g": s("x"), "n": n("2")})
	put(t, c, events, item{"pk": s("k"), "sk": n("1"), "g": s("y"), "n": n("1")})
	evens := inList(12, func(i int) string { return strconv.Itoa(2 * (i + 1)) }) // 2 to 24
	selEvents := func(from, where string) *dynamodb.ExecuteStatementInput {
		return &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT pk, sk FROM "` + events + `"` + from + ` WHERE ` + where)}
	}
	byKey := func(it item) string { return strOf(t, it["pk"]) + numOf(t, it["sk"]) }
	keys := func(pk string, sks ...int) []string {
		var out []string
		for _, k := range sks {
			out = append(out, pk+strconv.Itoa(k))
		}
		return out
	}
	cat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	index := func(prefix string, from, to int) []string {
		var out []string
		for i := from; i < to; i++ {
			out = append(out, fmt.Sprintf("%s%02d1", prefix, i))
		}
		return out
	}

	cases := []struct {
		name string
		in   *dynamodb.ExecuteStatementInput
		key  func(item) string
		want [][]string
	}{
		{"15 partitions by IN", selUsers(inIDs, 0), byID, [][]string{span(0, 10), span(10, 15)}},
		{"15 partitions by OR", selUsers(orIDs, 0), byID, [][]string{span(0, 10), span(10, 15)}},
		{"a Limit above 10", selUsers(inIDs, 100), byID, [][]string{span(0, 10), span(10, 15)}},
		{"a Limit below 10", selUsers(inIDs, 4), byID, [][]string{span(0, 4), span(4, 8), span(8, 12), span(12, 15)}},
		{"one partition, by IN", selUsers(`id IN ['p03']`, 0), byID, [][]string{{"p03"}}},
		{"ORDER BY, descending", selUsers(inIDs+` ORDER BY id DESC`, 0), byID, [][]string{
			{"p14", "p13", "p12", "p11", "p10", "p09", "p08", "p07", "p06", "p05"}, {"p04", "p03", "p02", "p01", "p00"}}},
		// A page that stops at 10 items carries NextToken, as one that
		// stops at Limit does, even when nothing follows.
		{"sort key values in a partition", selEvents("", `pk = 'a' AND sk IN `+evens), byKey, [][]string{
			keys("a", 2, 4, 6, 8, 10, 12, 14, 16, 18, 20), {}}},
		{"sort key values in two partitions", selEvents("", `pk IN ['b', 'a'] AND sk IN `+evens), byKey, [][]string{
			keys("a", 2, 4, 6, 8, 10, 12, 14, 16, 18, 20), keys("b", 2)}},
		{"sort key values, ORDER BY descending", selEvents("", `pk IN ['a', 'b'] AND sk IN `+evens+` ORDER BY pk DESC, sk DESC`), byKey, [][]string{
			cat(keys("b", 2), keys("a", 20, 18, 16, 14, 12, 10, 8, 6, 4)), keys("a", 2)}},
		{"one partition's range is one Query", selEvents("", `pk = 'a' AND sk > 5`), byKey, [][]string{
			keys("a", 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)}},
		{"index keys holding several entries", selEvents(`."byGN"`, `g IN ['y', 'x'] AND n IN [2, 1]`), byKey, [][]string{
			index("i", 0, 10), cat(index("i", 10, 12), []string{"j1", "k1"})}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := pageKeys(t, c, tc.in, tc.key); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("pages %v, want %v", got, tc.want)
			}
		})
	}
}
