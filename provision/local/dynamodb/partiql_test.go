package dynamodb_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction,
// as exact requests and DynamoDB's answers. dynalite has no PartiQL.

const (
	validationType = "com.amazon.coral.validate#ValidationException"
	ddbType        = "com.amazonaws.dynamodb.v20120810#"
)

// stmt is an ExecuteStatement body: the statement, then optional extra
// members (already JSON, without braces).
func stmt(statement string, extra ...string) string {
	b, _ := json.Marshal(statement)
	body := `{"Statement":` + string(b)
	for _, e := range extra {
		body += "," + e
	}
	return body + "}"
}

func invalid(msg string) string {
	b, _ := json.Marshal(msg)
	return `{"__type":"` + validationType + `","message":` + string(b) + `}`
}

// partiqlTable is a table of hash pk S and range sk N with a global index
// on g, holding items a/1, a/2, a/3 and b/1.
func partiqlTable(t *testing.T) string {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN}, func(in *dynamodb.CreateTableInput) {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: "S"})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}
	})
	put(t, c, tbl, item{"pk": s("a"), "sk": n("1"), "g": s("x"), "n": n("10"), "name": s("apple"),
		"m": &types.AttributeValueMemberM{Value: item{"b": &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1"), s("two")}}}}})
	put(t, c, tbl, item{"pk": s("a"), "sk": n("2"), "n": n("20"), "name": s("apricot"), "tags": &types.AttributeValueMemberSS{Value: []string{"red"}}})
	put(t, c, tbl, item{"pk": s("a"), "sk": n("3"), "g": s("y"), "n": n("30"), "name": s("avocado")})
	put(t, c, tbl, item{"pk": s("b"), "sk": n("1"), "g": s("x"), "n": n("40"), "name": s("banana")})
	return tbl
}

func TestPartiQLSelect(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	a1 := `{"pk":{"S":"a"},"sk":{"N":"1"},"g":{"S":"x"},"n":{"N":"10"},"name":{"S":"apple"},"m":{"M":{"b":{"L":[{"N":"1"},{"S":"two"}]}}}}`
	a2 := `{"pk":{"S":"a"},"sk":{"N":"2"},"n":{"N":"20"},"name":{"S":"apricot"},"tags":{"SS":["red"]}}`
	a3 := `{"pk":{"S":"a"},"sk":{"N":"3"},"g":{"S":"y"},"n":{"N":"30"},"name":{"S":"avocado"}}`
	b1 := `{"pk":{"S":"b"},"sk":{"N":"1"},"g":{"S":"x"},"n":{"N":"40"},"name":{"S":"banana"}}`
	runExchanges(t, []exchange{
		{"one item by its key", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk = 'a' AND sk = 2`), 200, `{"Items":[` + a2 + `]}`},
		{"a partition in key order", "ExecuteStatement", stmt(`select * from `+q+` where pk = ?`, `"Parameters":[{"S":"a"}]`), 200, `{"Items":[` + a1 + `,` + a2 + `,` + a3 + `]}`},
		{"a sort key range, value first", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND 2 <= sk`), 200, `{"Items":[{"sk":{"N":"2"}},{"sk":{"N":"3"}}]}`},
		{"two sort key bounds", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE sk < 3 AND pk = 'a' AND sk > 1`), 200, `{"Items":[{"sk":{"N":"2"}}]}`},
		{"a sort key of another type", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND sk = '1'`), 200, `{"Items":[]}`},
		{"a sort key range under OR", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND (sk = 1 OR sk = 3)`), 200, `{"Items":[{"sk":{"N":"1"}},{"sk":{"N":"3"}}]}`},
		{"key on the right", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE 'b' = pk`), 200, `{"Items":[{"sk":{"N":"1"}}]}`},
		{"no item", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk = 'zzz'`), 200, `{"Items":[]}`},
		{"projection of names, quoted names and nested paths", "ExecuteStatement",
			stmt(`SELECT "name", sk, m.b[1], nothing FROM ` + q + ` WHERE pk = 'a' AND sk BETWEEN 1 AND 2`), 200,
			`{"Items":[{"name":{"S":"apple"},"sk":{"N":"1"},"b[1]":{"S":"two"}},{"name":{"S":"apricot"},"sk":{"N":"2"}}]}`},
		{"a nested path and the list in it", "ExecuteStatement",
			stmt(`SELECT m.b[0], m.b FROM ` + q + ` WHERE pk = 'a' AND sk = 1`), 200,
			`{"Items":[{"b[0]":{"N":"1"},"b":{"L":[{"N":"1"},{"S":"two"}]}}]}`},
		{"a scan with a filter", "ExecuteStatement", stmt(`SELECT pk, sk FROM ` + q + ` WHERE n >= 20 AND n < 40`), 200,
			`{"Items":[{"pk":{"S":"a"},"sk":{"N":"2"}},{"pk":{"S":"a"},"sk":{"N":"3"}}]}`},
		{"OR, NOT and <>", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND (sk = 1 OR NOT n <> 30)`), 200,
			`{"Items":[{"sk":{"N":"1"}},{"sk":{"N":"3"}}]}`},
		{"IN", "ExecuteStatement", stmt(`SELECT "name" FROM `+q+` WHERE "name" IN ['banana', 'apple', ?]`, `"Parameters":[{"S":"kiwi"}]`), 200,
			`{"Items":[{"name":{"S":"apple"}},{"name":{"S":"banana"}}]}`},
		{"IS MISSING", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND g IS MISSING`), 200, `{"Items":[{"sk":{"N":"2"}}]}`},
		{"IS NOT MISSING", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND tags IS NOT MISSING`), 200, `{"Items":[{"sk":{"N":"2"}}]}`},
		{"attribute_exists", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND attribute_exists(m.b[1])`), 200, `{"Items":[{"sk":{"N":"1"}}]}`},
		{"begins_with", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND begins_with("name", 'ap')`), 200, `{"Items":[{"sk":{"N":"1"}},{"sk":{"N":"2"}}]}`},
		{"contains", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND contains(tags, 'red')`), 200, `{"Items":[{"sk":{"N":"2"}}]}`},
		{"size", "ExecuteStatement", stmt(`SELECT sk FROM ` + q + ` WHERE pk = 'a' AND size("name") > 5`), 200, `{"Items":[{"sk":{"N":"2"}},{"sk":{"N":"3"}}]}`},
		{"an index", "ExecuteStatement", stmt(`SELECT pk, sk FROM ` + q + `."byG" WHERE g = 'x'`), 200,
			`{"Items":[{"pk":{"S":"a"},"sk":{"N":"1"}},{"pk":{"S":"b"},"sk":{"N":"1"}}]}`},
		{"consumed capacity", "ExecuteStatement", stmt(`SELECT * FROM `+q+` WHERE pk = 'b' AND sk = 1`, `"ReturnConsumedCapacity":"TOTAL","ConsistentRead":true`), 200,
			`{"Items":[` + b1 + `],"ConsumedCapacity":{"TableName":"` + tbl + `","CapacityUnits":1}}`},
	})
}

func TestPartiQLSelectErrors(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	runExchanges(t, []exchange{
		{"not a statement", "ExecuteStatement", stmt(`CREATE TABLE x`), 400, invalid("Statement wasn't well formed, can't be processed: Expected data manipulation")},
		{"a syntax error", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE`), 400,
			invalid("Statement wasn't well formed, can't be processed: Unexpected end of statement at line 1, column " + strconv.Itoa(len(`SELECT * FROM `+q+` WHERE`)+1))},
		{"an unterminated string", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk = 'a`), 400,
			invalid("Statement wasn't well formed, can't be processed: Unterminated string literal at line 1, column " + strconv.Itoa(len(`SELECT * FROM `+q+` WHERE pk = `)+1))},
		{"star and names", "ExecuteStatement", stmt(`SELECT *, pk FROM ` + q), 400, invalid("Other attributes should not be present in the projection when '*' is used.")},
		{"a three-part source", "ExecuteStatement", stmt(`SELECT * FROM ` + q + `."byG"."x"`), 400, invalid("A path may contain at most 2 components in the FROM clause")},
		{"an alias", "ExecuteStatement", stmt(`SELECT pk AS p FROM ` + q), 400, invalid("Aliasing is not supported")},
		{"too few parameters", "ExecuteStatement", stmt(`SELECT * FROM `+q+` WHERE pk = ? AND sk = ?`, `"Parameters":[{"S":"a"}]`), 400, invalid("Number of parameters in request and statement don't match.")},
		{"parameters without placeholders", "ExecuteStatement", stmt(`SELECT * FROM `+q, `"Parameters":[{"S":"a"}]`), 400, invalid("Number of parameters in request and statement don't match.")},
		{"empty parameters", "ExecuteStatement", stmt(`SELECT * FROM `+q, `"Parameters":[]`), 400,
			invalid("1 validation error detected: Value '[]' at 'parameters' failed to satisfy constraint: Member must have length greater than or equal to 1")},
		{"no statement", "ExecuteStatement", `{}`, 400, invalid("1 validation error detected: Value null at 'statement' failed to satisfy constraint: Member must not be null")},
		{"a missing table", "ExecuteStatement", stmt(`SELECT * FROM "nosuchtable"`), 400,
			`{"__type":"` + ddbType + `ResourceNotFoundException","message":"Requested resource not found"}`},
		{"an invalid table name", "ExecuteStatement", stmt(`SELECT * FROM "a b"`), 400, invalid("Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.")},
		{"a missing index", "ExecuteStatement", stmt(`SELECT * FROM ` + q + `."nope"`), 400, invalid("The table does not have the specified index")},
		{"consistent read on a global index", "ExecuteStatement", stmt(`SELECT * FROM `+q+`."byG"`, `"ConsistentRead":true`), 400,
			invalid("Strongly consistent read is not supported on Global Secondary Indexes")},
		{"an unknown function", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE frobnicate(pk)`), 400, invalid("Unrecognized function: frobnicate")},
		{"MISSING outside IS", "ExecuteStatement", stmt(`SELECT * FROM ` + q + ` WHERE pk = MISSING`), 400, invalid("MISSING must be compared using IS operator")},
		{"a limit below one", "ExecuteStatement", stmt(`SELECT * FROM `+q, `"Limit":0`), 400,
			invalid("1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")},
		{"a forged NextToken", "ExecuteStatement", stmt(`SELECT * FROM `+q, `"NextToken":"bm9wZQ"`), 400, invalid("Invalid NextToken")},
	})
}

// TestPartiQLPagination: Limit bounds the items read per page, and NextToken
// continues where the page stopped, only for the same request.
func TestPartiQLPagination(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	tbl := partiqlTable(t)
	var got []string
	in := &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT sk FROM "` + tbl + `" WHERE pk = ?`),
		Parameters: []types.AttributeValue{s("a")}, Limit: aws.Int32(2)}
	pages := 0
	for {
		out, err := c.ExecuteStatement(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range out.Items {
			got = append(got, numOf(t, it["sk"]))
		}
		if out.NextToken == nil {
			break
		}
		if out.LastEvaluatedKey == nil {
			t.Errorf("a page with a NextToken has no LastEvaluatedKey")
		}
		if pages == 1 {
			other := *in
			other.Parameters = []types.AttributeValue{s("b")}
			other.NextToken = out.NextToken
			_, err := c.ExecuteStatement(ctx, &other)
			apiErr(t, err, "ValidationException", "NextToken does not match request")
		}
		in.NextToken = out.NextToken
	}
	if pages != 2 || len(got) != 3 || got[0] != "1" || got[1] != "2" || got[2] != "3" {
		t.Errorf("pages %d items %v, want 2 pages of sk 1, 2, 3", pages, got)
	}
}

// TestPartiQLSeveralPartitions: IN and ORs of equalities on the partition
// key read those partitions, as Queries in key order, not the table: a
// page of Limit 1 holds the first item of the first partition (a scan's
// first page was empty, and stopped in another partition).
func TestPartiQLSeveralPartitions(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	tbl := partiqlTable(t)
	// Partitions not named, before and after the named ones in any order.
	for _, k := range []string{"0", "A", "aa", "c", "~"} {
		put(t, c, tbl, item{"pk": s(k), "sk": n("1")})
	}
	for _, where := range []string{`pk IN ['b', 'a', 'zz']`, `pk = 'b' OR pk = 'a'`, `(pk = 'a' OR pk = 'b') AND sk >= 1`} {
		var got []string
		in := &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT pk, sk FROM "` + tbl + `" WHERE ` + where), Limit: aws.Int32(1),
			ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal}
		for page := 1; ; page++ {
			out, err := c.ExecuteStatement(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if page == 1 && len(out.Items) != 1 {
				t.Fatalf("%s: the first page of Limit 1 holds %d items, want a/1", where, len(out.Items))
			}
			if len(out.Items) > 1 || page > 10 {
				t.Fatalf("%s: page %d holds %d items", where, page, len(out.Items))
			}
			for _, it := range out.Items {
				got = append(got, it["pk"].(*types.AttributeValueMemberS).Value+"/"+numOf(t, it["sk"]))
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		if want := "[a/1 a/2 a/3 b/1]"; fmt.Sprint(got) != want {
			t.Errorf("%s: read %v, want %s", where, got, want)
		}
	}
}

// TestPartiQLSeveralPartitionsPageAMegabyte: a read of several partitions
// stops its page at DynamoDB's 1 MB in all, not 1 MB a partition (a page
// of six partitions held 4.7 MB).
func TestPartiQLSeveralPartitionsPageAMegabyte(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN})
	big := strings.Repeat("x", 390_000)
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		for _, sk := range []string{"1", "2"} {
			put(t, c, tbl, item{"pk": s(k), "sk": n(sk), "b": s(big)})
		}
	}
	// ORDER BY the partition key alone reads each partition's sort key
	// descending, as DynamoDB does.
	for order, want := range map[string]string{"": "[a1 a2 b1 b2 c1 c2 d1 d2 e1 e2 f1 f2]", " ORDER BY pk": "[a2 a1 b2 b1 c2 c1 d2 d1 e2 e1 f2 f1]"} {
		in := &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM "` + tbl + `" WHERE pk IN ['a','b','c','d','e','f']` + order)}
		var got []string
		for page := 1; ; page++ {
			out, err := c.ExecuteStatement(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Items) > 3 || page > 12 {
				t.Fatalf("%q: page %d holds %d items of 390 KB, past 1 MB", order, page, len(out.Items))
			}
			for _, it := range out.Items {
				got = append(got, it["pk"].(*types.AttributeValueMemberS).Value+numOf(t, it["sk"]))
			}
			if out.NextToken == nil {
				break
			}
			in.NextToken = out.NextToken
		}
		if fmt.Sprint(got) != want {
			t.Errorf("%q: read %v, want %s", order, got, want)
		}
	}
}

func TestPartiQLWrites(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	ccf := `{"__type":"` + ddbType + `ConditionalCheckFailedException","message":"The conditional request failed"}`
	runExchanges(t, []exchange{
		{"insert", "ExecuteStatement",
			stmt(`INSERT INTO `+q+` VALUE {'pk': 'c', 'sk': ?, 'l': [1, 'x'], 'ns': <<1, 2>>, 'ok': true, 'nothing': null, 'neg': -1.50}`, `"Parameters":[{"N":"7"}]`),
			200, `{"Items":[]}`},
		{"the inserted item", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"},"sk":{"N":"7"}}}`, 200,
			`{"Item":{"pk":{"S":"c"},"sk":{"N":"7"},"l":{"L":[{"N":"1"},{"S":"x"}]},"ns":{"NS":["1","2"]},"ok":{"BOOL":true},"nothing":{"NULL":true},"neg":{"N":"-1.5"}}}`},
		{"insert over an existing item", "ExecuteStatement", stmt(`INSERT INTO ` + q + ` VALUE {'pk': 'c', 'sk': 7}`), 400,
			`{"__type":"` + ddbType + `DuplicateItemException","message":"Duplicate primary key exists in table"}`},
		{"insert without the sort key", "ExecuteStatement", stmt(`INSERT INTO ` + q + ` VALUE {'pk': 'c'}`), 400,
			invalid("One or more parameter values were invalid: Missing the key sk in the item")},
		{"insert of several items", "ExecuteStatement", stmt(`INSERT INTO ` + q + ` VALUES {'pk': 'c'}`), 400,
			invalid(`Unsupported operation: Inserting multiple items in a single statement is not supported, use "INSERT INTO tableName VALUE item" instead`)},
		{"insert with RETURNING", "ExecuteStatement", stmt(`INSERT INTO ` + q + ` VALUE {'pk': 'c', 'sk': 8} RETURNING ALL OLD *`), 400,
			invalid("RETURNING is not supported in INSERT")},
		{"update", "ExecuteStatement",
			stmt(`UPDATE `+q+` SET n = n + 1 SET l = list_append(l, [?]) REMOVE ok, nothing SET ns = set_add(ns, <<3>>) WHERE pk = 'c' AND sk = 7 RETURNING ALL NEW *`,
				`"Parameters":[{"S":"y"}]`),
			400, invalid("The provided expression refers to an attribute that does not exist in the item")},
		{"update, with n set first", "ExecuteStatement",
			stmt(`UPDATE `+q+` SET n = 5 SET l = list_append(l, [?]) REMOVE ok, nothing SET ns = set_add(ns, <<3>>) WHERE pk = 'c' AND sk = 7 RETURNING ALL NEW *`,
				`"Parameters":[{"S":"y"}]`),
			200, `{"Items":[{"pk":{"S":"c"},"sk":{"N":"7"},"n":{"N":"5"},"l":{"L":[{"N":"1"},{"S":"x"},{"S":"y"}]},"ns":{"NS":["1","2","3"]},"neg":{"N":"-1.5"}}]}`},
		{"update returning modified old", "ExecuteStatement",
			stmt(`UPDATE ` + q + ` SET n = n - 2, ns = set_delete(ns, <<1>>) WHERE pk = 'c' AND sk = 7 RETURNING MODIFIED OLD *`),
			200, `{"Items":[{"n":{"N":"5"},"ns":{"NS":["1","2","3"]}}]}`},
		{"update returning modified new", "ExecuteStatement",
			stmt(`UPDATE ` + q + ` SET "neg" = 0 WHERE pk = 'c' AND sk = 7 AND n = 3 RETURNING MODIFIED NEW *`),
			200, `{"Items":[{"neg":{"N":"0"}}]}`},
		{"an update whose condition fails", "ExecuteStatement",
			stmt(`UPDATE `+q+` SET n = 100 WHERE pk = 'c' AND sk = 7 AND n > 50`, `"ReturnValuesOnConditionCheckFailure":"ALL_OLD"`),
			400, `{"__type":"` + ddbType + `ConditionalCheckFailedException","message":"The conditional request failed",` +
				`"Item":{"pk":{"S":"c"},"sk":{"N":"7"},"n":{"N":"3"},"l":{"L":[{"N":"1"},{"S":"x"},{"S":"y"}]},"ns":{"NS":["2","3"]},"neg":{"N":"0"}}}`},
		{"an update of a missing item", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET n = 1 WHERE pk = 'c' AND sk = 99`), 400, ccf},
		{"an update without the whole key", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET n = 1 WHERE pk = 'c'`), 400, invalid("Where clause does not contain a mandatory equality on all key attributes")},
		{"an update of the key", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET sk = 1 WHERE pk = 'c' AND sk = 7`), 400,
			invalid("One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key")},
		{"an update with OR", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET n = 1 WHERE pk = 'c' OR sk = 7`), 400, invalid("Where clause does not contain a mandatory equality on all key attributes")},
		{"an update with the key twice", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET n = 1 WHERE pk = 'c' AND sk = 7 AND sk = 8`), 400,
			invalid("Multiple conditions on same key sk. Only single item Update/Insert/Delete are supported")},
		{"a set_add of a non-set", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET ns = set_add(ns, 4) WHERE pk = 'c' AND sk = 7`), 400,
			invalid("The second argument to SET_ADD must be a value with type SET")},
		// One path set twice, or set and removed, is refused as UpdateItem
		// refuses it, not the last one winning.
		{"an update setting a path twice", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET n = 1, n = 2 WHERE pk = 'c' AND sk = 7`), 400,
			invalid("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [n], path two: [n]")},
		{"an update setting and removing a path", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET neg = 1 REMOVE neg WHERE pk = 'c' AND sk = 7`), 400,
			invalid("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [neg], path two: [neg]")},
		{"an update adding to and deleting from a set", "ExecuteStatement",
			stmt(`UPDATE ` + q + ` SET ns = set_add(ns, <<4>>) SET ns = set_delete(ns, <<2>>) WHERE pk = 'c' AND sk = 7`), 400,
			invalid("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [ns], path two: [ns]")},
		{"an update of a list and one of its elements", "ExecuteStatement", stmt(`UPDATE ` + q + ` SET l = [1] SET l[0] = 2 WHERE pk = 'c' AND sk = 7`), 400,
			invalid("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [l], path two: [l, [0]]")},
		{"the item after the failures", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"},"sk":{"N":"7"}}}`, 200,
			`{"Item":{"pk":{"S":"c"},"sk":{"N":"7"},"n":{"N":"3"},"l":{"L":[{"N":"1"},{"S":"x"},{"S":"y"}]},"ns":{"NS":["2","3"]},"neg":{"N":"0"}}}`},
		{"a delete whose condition fails", "ExecuteStatement", stmt(`DELETE FROM ` + q + ` WHERE pk = 'c' AND sk = 7 AND n = 4`), 400, ccf},
		{"a delete returning new", "ExecuteStatement", stmt(`DELETE FROM ` + q + ` WHERE pk = 'c' AND sk = 7 RETURNING ALL NEW *`), 400,
			invalid("Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements.")},
		{"a delete", "ExecuteStatement", stmt(`DELETE FROM `+q+` WHERE pk = 'c' AND sk = 7 AND n = 3 RETURNING ALL OLD *`, `"ReturnConsumedCapacity":"TOTAL"`), 200,
			`{"Items":[{"pk":{"S":"c"},"sk":{"N":"7"},"n":{"N":"3"},"l":{"L":[{"N":"1"},{"S":"x"},{"S":"y"}]},"ns":{"NS":["2","3"]},"neg":{"N":"0"}}],` +
				`"ConsumedCapacity":{"TableName":"` + tbl + `","CapacityUnits":1}}`},
		{"a delete of a missing item", "ExecuteStatement", stmt(`DELETE FROM ` + q + ` WHERE pk = 'c' AND sk = 7`), 200, `{"Items":[]}`},
		{"the item is gone", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"c"},"sk":{"N":"7"}}}`, 200, `{}`},
		{"a write with a NextToken", "ExecuteStatement", stmt(`DELETE FROM `+q+` WHERE pk = 'c' AND sk = 7`, `"NextToken":"x"`), 400, invalid("Invalid NextToken")},
		// DynamoDB's words for an index after INSERT INTO.
		{"an insert into an index", "ExecuteStatement", stmt(`INSERT INTO ` + q + `."byG" VALUE {'pk': 'c', 'sk': 8}`), 400,
			invalid("FROM clause may only contain a single table name in data manipulation statements")},
		// Empty members are named where they are.
		{"a batch statement's empty parameters", "BatchExecuteStatement", `{"Statements":[` + stmt(`DELETE FROM `+q+` WHERE pk = 'c' AND sk = 7`, `"Parameters":[]`) + `]}`, 200,
			`{"Responses":[{"Error":{"Code":"ValidationError","Message":"1 validation error detected: Value '[]' at 'statements.1.member.parameters' failed to satisfy constraint: Member must have length greater than or equal to 1"}}]}`},
		{"a transaction's empty token", "ExecuteTransaction", `{"TransactStatements":[` + stmt(`DELETE FROM `+q+` WHERE pk = 'c' AND sk = 7`) + `],"ClientRequestToken":""}`, 400,
			invalid("1 validation error detected: Value '' at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 1")},
	})
	// The table's item count follows PartiQL writes as it does the others.
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(tbl), Select: types.SelectCount})
	if err != nil || out.Count != 4 {
		t.Fatalf("scan count %v, %v: want the 4 items of the fixture", out, err)
	}
}

func TestPartiQLBatch(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	st := func(s string, extra ...string) string { return stmt(s, extra...) }
	runExchanges(t, []exchange{
		{"writes", "BatchExecuteStatement", `{"Statements":[` +
			st(`INSERT INTO `+q+` VALUE {'pk': 'd', 'sk': 1}`) + `,` +
			st(`INSERT INTO `+q+` VALUE {'pk': 'a', 'sk': 1}`) + `,` +
			st(`UPDATE `+q+` SET n = 0 WHERE pk = 'b' AND sk = 1 AND n = 1`, `"ReturnValuesOnConditionCheckFailure":"ALL_OLD"`) + `,` +
			st(`UPDATE `+q+` SET n = 0 WHERE pk = 'b'`) + `,` +
			st(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 3`) + `,` +
			st(`DELETE FROM "nosuchtable" WHERE pk = 'a'`) + `,` +
			st(`UPSERT INTO x`) + `],"ReturnConsumedCapacity":"TOTAL"}`, 200,
			`{"Responses":[{"TableName":"` + tbl + `"},` +
				`{"TableName":"` + tbl + `","Error":{"Code":"DuplicateItem","Message":"Duplicate primary key exists in table"}},` +
				`{"TableName":"` + tbl + `","Error":{"Code":"ConditionalCheckFailed","Message":"The conditional request failed",` +
				`"Item":{"pk":{"S":"b"},"sk":{"N":"1"},"g":{"S":"x"},"n":{"N":"40"},"name":{"S":"banana"}}}},` +
				`{"Error":{"Code":"ValidationError","Message":"Where clause does not contain a mandatory equality on all key attributes"}},` +
				`{"TableName":"` + tbl + `"},` +
				`{"Error":{"Code":"ResourceNotFound","Message":"Requested resource not found"}},` +
				`{"Error":{"Code":"ValidationError","Message":"Statement wasn't well formed, can't be processed: Expected data manipulation"}}],` +
				`"ConsumedCapacity":[{"TableName":"` + tbl + `","CapacityUnits":3}]}`},
		{"reads", "BatchExecuteStatement", `{"Statements":[` +
			st(`SELECT pk, sk FROM `+q+` WHERE pk = ? AND sk = ?`, `"Parameters":[{"S":"d"},{"N":"1"}]`) + `,` +
			st(`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 3`) + `,` +
			st(`SELECT "name" FROM `+q+` WHERE pk IN ['a'] AND sk = 2`, `"ConsistentRead":true`) + `,` +
			st(`SELECT "name" FROM `+q+` WHERE pk = 'a' AND sk = 1 AND pk = 'a'`) + `,` +
			st(`SELECT "name" FROM `+q+` WHERE pk = 'b' AND sk = 1 AND n > 100`) + `,` +
			st(`SELECT * FROM `+q+` WHERE pk = 'a'`) + `,` +
			st(`SELECT * FROM `+q+` WHERE pk = 'b' AND sk = 1 AND pk = 'a'`) + `,` +
			st(`SELECT * FROM `+q+`."byG" WHERE g = 'x'`) + `]}`, 200,
			`{"Responses":[{"TableName":"` + tbl + `","Item":{"pk":{"S":"d"},"sk":{"N":"1"}}},` +
				`{"TableName":"` + tbl + `"},` +
				`{"TableName":"` + tbl + `","Item":{"name":{"S":"apricot"}}},` +
				`{"TableName":"` + tbl + `","Item":{"name":{"S":"apple"}}},` +
				`{"Error":{"Code":"ValidationError","Message":"Select statements within BatchExecuteStatement must specify the primary key in the where clause."}},` +
				`{"Error":{"Code":"ValidationError","Message":"Select statements within BatchExecuteStatement must specify the primary key in the where clause."}},` +
				`{"Error":{"Code":"ValidationError","Message":"Select statements within BatchExecuteStatement must specify the primary key in the where clause."}},` +
				`{"Error":{"Code":"ValidationError","Message":"Select statements within BatchExecuteStatement must specify the primary key in the where clause."}}]}`},
		{"reads and writes", "BatchExecuteStatement", `{"Statements":[` +
			st(`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 3`) + `,` + st(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 3`) + `]}`, 400,
			invalid("Read and write requests together in the same batch is not supported.")},
		{"RETURNING in a batch", "BatchExecuteStatement", `{"Statements":[` +
			st(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 2 RETURNING ALL OLD *`) + `,` +
			st(`UPDATE `+q+` SET n = 21 WHERE pk = 'a' AND sk = 1 RETURNING MODIFIED NEW *`) + `,` +
			st(`UPDATE `+q+` SET n = 50 WHERE pk = 'b' AND sk = 1 RETURNING ALL NEW *`) + `,` +
			st(`UPDATE `+q+` REMOVE nothing WHERE pk = 'd' AND sk = 1 RETURNING MODIFIED OLD *`) + `]}`, 200,
			`{"Responses":[{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"sk":{"N":"2"},"n":{"N":"20"},"name":{"S":"apricot"},"tags":{"SS":["red"]}}},` +
				`{"TableName":"` + tbl + `","Item":{"n":{"N":"21"}}},` +
				`{"TableName":"` + tbl + `","Item":{"pk":{"S":"b"},"sk":{"N":"1"},"g":{"S":"x"},"n":{"N":"50"},"name":{"S":"banana"}}},` +
				`{"TableName":"` + tbl + `"}]}`},
		{"no statements", "BatchExecuteStatement", `{"Statements":[]}`, 400,
			invalid("1 validation error detected: Value '[...]' at 'statements' failed to satisfy constraint: Member must have length greater than or equal to 1")},
		{"a null statement", "BatchExecuteStatement", `{"Statements":[{}]}`, 400,
			invalid("1 validation error detected: Value null at 'statements.1.member.statement' failed to satisfy constraint: Member must not be null")},
	})
	many := ""
	for i := 0; i < 26; i++ {
		if i > 0 {
			many += ","
		}
		many += st(`SELECT * FROM ` + q + ` WHERE pk = 'a' AND sk = 1`)
	}
	runExchanges(t, []exchange{{"26 statements", "BatchExecuteStatement", `{"Statements":[` + many + `]}`, 400,
		invalid("1 validation error detected: Value '[...]' at 'statements' failed to satisfy constraint: Member must have length less than or equal to 25")}})
}

func TestPartiQLTransaction(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	st := func(s string, extra ...string) string { return stmt(s, extra...) }
	token := uniqueName("tok")
	writes := `{"TransactStatements":[` +
		st(`INSERT INTO `+q+` VALUE {'pk': 't', 'sk': 1, 'n': 1}`) + `,` +
		st(`UPDATE `+q+` SET n = n + 1 WHERE pk = 'a' AND sk = 1`) + `,` +
		st(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 3`) + `],"ClientRequestToken":"` + token + `","ReturnConsumedCapacity":"TOTAL"}`
	runExchanges(t, []exchange{
		{"a cancelled transaction", "ExecuteTransaction", `{"TransactStatements":[` +
			st(`INSERT INTO `+q+` VALUE {'pk': 't', 'sk': 1}`) + `,` +
			st(`INSERT INTO `+q+` VALUE {'pk': 'a', 'sk': 2}`) + `,` +
			st(`UPDATE `+q+` SET n = 0 WHERE pk = 'b' AND sk = 1 AND n = 0`, `"ReturnValuesOnConditionCheckFailure":"ALL_OLD"`) + `,` +
			st(`UPDATE `+q+` SET n = "name" + 1 WHERE pk = 'a' AND sk = 1`) + `]}`, 400,
			`{"__type":"` + ddbType + `TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, DuplicateItem, ConditionalCheckFailed, ValidationError]",` +
				`"CancellationReasons":[{"Code":"None"},{"Code":"DuplicateItem","Message":"Duplicate primary key exists in table"},` +
				`{"Code":"ConditionalCheckFailed","Message":"The conditional request failed","Item":{"pk":{"S":"b"},"sk":{"N":"1"},"g":{"S":"x"},"n":{"N":"40"},"name":{"S":"banana"}}},` +
				`{"Code":"ValidationError","Message":"An operand in the update expression has an incorrect data type"}]}`},
		{"nothing of it was written", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"t"},"sk":{"N":"1"}}}`, 200, `{}`},
		{"a transaction", "ExecuteTransaction", writes, 200, `{"Responses":[],"ConsumedCapacity":[{"TableName":"` + tbl + `","CapacityUnits":10,"WriteCapacityUnits":10}]}`},
		{"its retry is not applied again, and reports read units", "ExecuteTransaction", writes, 200,
			`{"Responses":[],"ConsumedCapacity":[{"TableName":"` + tbl + `","CapacityUnits":10,"ReadCapacityUnits":10}]}`},
		{"a retry asking no capacity is the same request", "ExecuteTransaction", strings.Replace(writes, `,"ReturnConsumedCapacity":"TOTAL"`, ``, 1), 200, `{"Responses":[]}`},
		{"the token with another request", "ExecuteTransaction", `{"TransactStatements":[` + st(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 2`) + `],"ClientRequestToken":"` + token + `"}`, 400,
			`{"__type":"` + ddbType + `IdempotentParameterMismatchException","message":"The request uses the same client token as a previous, but non-identical request."}`},
		{"reads", "ExecuteTransaction", `{"TransactStatements":[` +
			st(`SELECT * FROM `+q+` WHERE pk = 't' AND sk = 1`) + `,` +
			st(`SELECT n FROM `+q+` WHERE pk = 'a' AND sk = ?`, `"Parameters":[{"N":"1"}]`) + `,` +
			st(`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 3`) + `]}`, 200,
			`{"Responses":[{"Item":{"pk":{"S":"t"},"sk":{"N":"1"},"n":{"N":"1"}}},{"Item":{"n":{"N":"11"}}},{}]}`},
		{"a read without the key", "ExecuteTransaction", `{"TransactStatements":[` + st(`SELECT * FROM `+q+` WHERE pk = 'a'`) + `]}`, 400,
			invalid("Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause.")},
		{"a read of an index", "ExecuteTransaction", `{"TransactStatements":[` + st(`SELECT * FROM `+q+`."byG" WHERE g = 'x'`) + `]}`, 400,
			invalid("Validation failed in TransactStatements[0]: Reads on indices are not supported within transactions.")},
		{"reads and writes", "ExecuteTransaction", `{"TransactStatements":[` + st(`SELECT * FROM `+q+` WHERE pk = 'a' AND sk = 1`) + `,` +
			st(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 2`) + `]}`, 400, invalid("ExecuteTransaction API does not support both read and write operations in the same request.")},
		{"one item twice", "ExecuteTransaction", `{"TransactStatements":[` + st(`UPDATE `+q+` SET n = 1 WHERE pk = 'a' AND sk = 2`) + `,` +
			st(`DELETE FROM `+q+` WHERE pk = 'a' AND sk = 2`) + `]}`, 400, invalid("Transaction request cannot include multiple operations on one item")},
		{"a syntax error", "ExecuteTransaction", `{"TransactStatements":[` + st(`DELETE `+q) + `]}`, 400,
			invalid("Statement wasn't well formed, can't be processed: Expected FROM but found " + q + " at line 1, column 8")},
		{"no statements", "ExecuteTransaction", `{"TransactStatements":[]}`, 400,
			invalid("1 validation error detected: Value '[...]' at 'transactStatements' failed to satisfy constraint: Member must have length greater than or equal to 1")},
	})
	// Through the SDK: the typed exception carries the reasons.
	_, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		{Statement: aws.String(`INSERT INTO ` + q + ` VALUE {'pk': 't', 'sk': 1}`)},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 1 || aws.ToString(tce.CancellationReasons[0].Code) != "DuplicateItem" {
		t.Fatalf("want a DuplicateItem cancellation, got %v", err)
	}
}

// TestPartiQLSortKeyPrefix: begins_with on a string sort key narrows the
// partition that is read, page by page.
func TestPartiQLSortKeyPrefix(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeS})
	for _, sk := range []string{"a#1", "a#2", "ab", "b#1", "a"} {
		put(t, c, tbl, item{"pk": s("p"), "sk": s(sk)})
	}
	in := &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT sk FROM "` + tbl + `" WHERE pk = 'p' AND begins_with(sk, ?)`),
		Parameters: []types.AttributeValue{s("a#")}, Limit: aws.Int32(1)}
	var got []string
	for {
		out, err := c.ExecuteStatement(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			got = append(got, strOf(t, it["sk"]))
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(got) != 2 || got[0] != "a#1" || got[1] != "a#2" {
		t.Errorf("items %v, want a#1 and a#2", got)
	}
}

// TestPartiQLCapacity: PartiQL consumes capacity as the item API does: a
// write on the indexes whose entries it changes, a read of an index on the
// index; an unknown ReturnConsumedCapacity is refused.
func TestPartiQLCapacity(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	tbl := partiqlTable(t)
	q := `"` + tbl + `"`
	const bogus = `1 validation error detected: Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]`
	runExchanges(t, []exchange{
		{"a write that enters the index", "ExecuteStatement", stmt(`INSERT INTO `+q+` VALUE {'pk': 'c', 'sk': 1, 'g': 'z'}`, `"ReturnConsumedCapacity":"INDEXES"`), 200,
			`{"Items":[],"ConsumedCapacity":{"TableName":"` + tbl + `","CapacityUnits":2,"Table":{"CapacityUnits":1},"GlobalSecondaryIndexes":{"byG":{"CapacityUnits":1}}}}`},
		{"a read of the index", "ExecuteStatement", stmt(`SELECT pk FROM `+q+`."byG" WHERE g = 'z'`, `"ReturnConsumedCapacity":"INDEXES"`), 200,
			`{"Items":[{"pk":{"S":"c"}}],"ConsumedCapacity":{"TableName":"` + tbl + `","CapacityUnits":0.5,"Table":{"CapacityUnits":0},"GlobalSecondaryIndexes":{"byG":{"CapacityUnits":0.5}}}}`},
		{"a batch's writes on the index", "BatchExecuteStatement", `{"Statements":[` + stmt(`DELETE FROM `+q+` WHERE pk = 'c' AND sk = 1`) + `],"ReturnConsumedCapacity":"INDEXES"}`, 200,
			`{"Responses":[{"TableName":"` + tbl + `"}],"ConsumedCapacity":[{"TableName":"` + tbl + `","CapacityUnits":2,"Table":{"CapacityUnits":1},"GlobalSecondaryIndexes":{"byG":{"CapacityUnits":1}}}]}`},
		{"an unknown mode", "ExecuteStatement", stmt(`SELECT pk FROM `+q, `"ReturnConsumedCapacity":"BOGUS"`), 400, invalid(bogus)},
		{"in a batch", "BatchExecuteStatement", `{"Statements":[` + stmt(`SELECT pk FROM `+q+` WHERE pk = 'a' AND sk = 1`) + `],"ReturnConsumedCapacity":"BOGUS"}`, 400, invalid(bogus)},
		{"in a transaction", "ExecuteTransaction", `{"TransactStatements":[` + stmt(`SELECT pk FROM `+q+` WHERE pk = 'a' AND sk = 1`) + `],"ReturnConsumedCapacity":"BOGUS"}`, 400, invalid(bogus)},
		{"a transaction's reads name their kind", "ExecuteTransaction", `{"TransactStatements":[` + stmt(`SELECT pk FROM `+q+` WHERE pk = 'a' AND sk = 1`) + `],"ReturnConsumedCapacity":"TOTAL"}`, 200,
			`{"Responses":[{"Item":{"pk":{"S":"a"}}}],"ConsumedCapacity":[{"TableName":"` + tbl + `","CapacityUnits":2,"ReadCapacityUnits":2}]}`},
	})
}
