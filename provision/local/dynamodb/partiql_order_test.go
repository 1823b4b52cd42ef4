package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ORDER BY orders a SELECT by the key of what it reads, one partition or
// several named by the WHERE clause; anything else is refused in
// DynamoDB's words.
func TestPartiQLOrderBy(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	keys := func(ks ...string) string {
		out := `{"Items":[`
		for i, k := range ks {
			if i > 0 {
				out += ","
			}
			out += `{"pk":{"S":"` + k[:1] + `"},"sk":{"N":"` + k[1:] + `"}}`
		}
		return out + `]}`
	}
	sel := func(where string, extra ...string) string {
		return stmt(`SELECT pk, sk FROM `+q+` `+where, extra...)
	}
	runExchanges(t, []exchange{
		{"a partition, sort key descending", "ExecuteStatement", sel(`WHERE pk = 'a' ORDER BY sk DESC`), 200, keys("a3", "a2", "a1")},
		{"a partition, sort key ascending", "ExecuteStatement", sel(`WHERE pk = 'a' ORDER BY "sk" ASC`), 200, keys("a1", "a2", "a3")},
		{"no direction is ascending", "ExecuteStatement", sel(`WHERE pk = ? ORDER BY sk`, `"Parameters":[{"S":"a"}]`), 200, keys("a1", "a2", "a3")},
		{"ordered by the partition key alone, the sort key descends", "ExecuteStatement", sel(`WHERE pk = 'a' ORDER BY pk ASC`), 200, keys("a3", "a2", "a1")},
		{"a sort key range, descending", "ExecuteStatement", sel(`WHERE pk = 'a' AND sk >= 2 ORDER BY sk DESC`), 200, keys("a3", "a2")},
		{"partitions named by IN", "ExecuteStatement", sel(`WHERE pk IN ['b', 'a'] ORDER BY pk`), 200, keys("a3", "a2", "a1", "b1")},
		{"partitions descending, sort keys ascending", "ExecuteStatement", sel(`WHERE pk IN ['b', 'a', 'zz', 1, 'a'] ORDER BY pk DESC, sk ASC`), 200, keys("b1", "a1", "a2", "a3")},
		{"partitions named by OR, with a filter", "ExecuteStatement", sel(`WHERE (pk = 'a' OR pk = 'b') AND n > 10 ORDER BY pk, sk`), 200, keys("a2", "a3", "b1")},

		{"no WHERE clause", "ExecuteStatement", sel(`ORDER BY sk`), 400, invalid("Must have WHERE clause in the statement when using ORDER BY clause.")},
		{"a non-key attribute", "ExecuteStatement", sel(`WHERE pk = 'a' ORDER BY sk, n`), 400, invalid("Attribute n in ORDER BY clause must be part of the primary key")},
		{"the table's sort key on an index", "ExecuteStatement", stmt(`SELECT * FROM ` + q + `."byG" WHERE g = 'x' ORDER BY sk`), 400,
			invalid("Attribute sk in ORDER BY clause must be part of the primary key")},
		{"no partition key equality", "ExecuteStatement", sel(`WHERE sk = 1 ORDER BY sk`), 400,
			invalid("Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.")},
		{"a partition key range", "ExecuteStatement", sel(`WHERE pk > 'a' ORDER BY sk`), 400,
			invalid("Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.")},
		{"several partitions, not ordered by the partition key", "ExecuteStatement", sel(`WHERE pk IN ['a', 'b'] ORDER BY sk`), 400,
			invalid("Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause.")},
		{"a nested path", "ExecuteStatement", sel(`WHERE pk = 'a' ORDER BY m.b`), 400,
			invalid("Argument to ORDER BY must be of type VariableReference. Type: Path")},
		{"ORDER BY before WHERE", "ExecuteStatement", sel(`ORDER BY sk WHERE pk = 'a'`), 400,
			invalid("Statement wasn't well formed, can't be processed: Unexpected token after expression")},
		{"ORDER BY in a DELETE", "ExecuteStatement", stmt(`DELETE FROM ` + q + ` WHERE pk = 'a' AND sk = 1 ORDER BY sk`), 400,
			invalid("Statement wasn't well formed, can't be processed: Unexpected token after expression")},
		{"ORDER BY in a transaction read without WHERE", "ExecuteTransaction", `{"TransactStatements":[` + sel(`ORDER BY sk`) + `]}`, 400,
			invalid("Validation failed in TransactStatements[0]: Must have WHERE clause in the statement when using ORDER BY clause.")},
		{"the item was not deleted", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"ProjectionExpression":"sk"}`, 200,
			`{"Item":{"sk":{"N":"1"}}}`},
	})
}

// TestPartiQLOrderByPages: Limit counts across the partitions an ORDER BY
// reads, and NextToken resumes inside the partition a page stopped in.
func TestPartiQLOrderByPages(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	tbl := partiqlTable(t)
	in := &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT pk, sk FROM "` + tbl + `" WHERE pk IN [?, ?] ORDER BY pk DESC`),
		Parameters: []types.AttributeValue{s("a"), s("b")}, Limit: aws.Int32(2)}
	var got []string
	pages := 0
	for {
		out, err := c.ExecuteStatement(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range out.Items {
			got = append(got, strOf(t, it["pk"])+numOf(t, it["sk"]))
		}
		if out.NextToken == nil || pages > 5 {
			break
		}
		in.NextToken = out.NextToken
	}
	want := []string{"b1", "a3", "a2", "a1"}
	if len(got) != len(want) || pages != 3 {
		t.Fatalf("items %v in %d pages, want %v in 3 pages (the third empty, as the second stopped at Limit)", got, pages, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("items %v, want %v", got, want)
		}
	}
}

// TestPartiQLOrderByIndex: on an index, ORDER BY takes the index's keys and
// reads its partitions in index sort key order.
func TestPartiQLOrderByIndex(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	tbl := tableByGN(t, c)
	for _, it := range []item{
		{"pk": s("a"), "sk": n("1"), "g": s("x"), "n": n("3")},
		{"pk": s("a"), "sk": n("2"), "g": s("x"), "n": n("1")},
		{"pk": s("a"), "sk": n("3"), "g": s("x"), "n": n("2")},
		{"pk": s("b"), "sk": n("1"), "g": s("y"), "n": n("5")},
	} {
		put(t, c, tbl, it)
	}
	ix := `"` + tbl + `"."byGN"`
	runExchanges(t, []exchange{
		{"index sort key descending", "ExecuteStatement", stmt(`SELECT n FROM ` + ix + ` WHERE g = 'x' ORDER BY n DESC`), 200,
			`{"Items":[{"n":{"N":"3"}},{"n":{"N":"2"}},{"n":{"N":"1"}}]}`},
		{"index sort key ascending", "ExecuteStatement", stmt(`SELECT n FROM ` + ix + ` WHERE g = 'x' ORDER BY n`), 200,
			`{"Items":[{"n":{"N":"1"}},{"n":{"N":"2"}},{"n":{"N":"3"}}]}`},
		{"index partitions", "ExecuteStatement", stmt(`SELECT g, n FROM ` + ix + ` WHERE g IN ['y', 'x'] AND n > 1 ORDER BY g DESC, n`), 200,
			`{"Items":[{"g":{"S":"y"},"n":{"N":"5"}},{"g":{"S":"x"},"n":{"N":"2"}},{"g":{"S":"x"},"n":{"N":"3"}}]}`},
		{"the table's key on the index", "ExecuteStatement", stmt(`SELECT n FROM ` + ix + ` WHERE g = 'x' ORDER BY pk`), 400,
			invalid("Attribute pk in ORDER BY clause must be part of the primary key")},
		{"the table's partition key is not the index's", "ExecuteStatement", stmt(`SELECT n FROM ` + ix + ` WHERE pk = 'a' ORDER BY n`), 400,
			invalid("Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.")},
	})
}

// tableByGN is a table of pk (S) and sk (N) with a keys-only index byGN of
// g (S) and n (N).
func tableByGN(t *testing.T, c *dynamodb.Client) string {
	t.Helper()
	return makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: "S"},
			types.AttributeDefinition{AttributeName: aws.String("n"), AttributeType: "N"})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byGN"),
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("n"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}
	})
}
