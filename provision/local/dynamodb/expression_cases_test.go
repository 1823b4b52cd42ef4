package dynamodb_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// exchange is one request and DynamoDB's exact answer to it.
type exchange struct {
	name, op, body string
	status         int
	want           string // the response body; compared as JSON
}

// runExchanges sends each request in order and compares the response body
// with DynamoDB's, as JSON values.
func runExchanges(t *testing.T, cases []exchange) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := rawCall(t, "DynamoDB_20120810."+tc.op, tc.body)
			want := tc.status
			if want == 0 {
				want = 200
			}
			if resp.StatusCode != want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, want, body)
			}
			var got, exp any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if err := json.Unmarshal([]byte(tc.want), &exp); err != nil {
				t.Fatalf("want %s: %v", tc.want, err)
			}
			// Errors are compared by the name after the __type's namespace.
			for _, m := range []any{got, exp} {
				if mm, ok := m.(map[string]any); ok {
					if ty, ok := mm["__type"].(string); ok {
						mm["__type"] = ty[strings.LastIndex(ty, "#")+1:]
					}
				}
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("response %s\nwant     %s", body, tc.want)
			}
		})
	}
}

// TestUpdateNewItemReadsItsKey: an UpdateItem that creates the item
// evaluates its expressions against the item made of the key.
func TestUpdateNewItemReadsItsKey(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"a", types.ScalarAttributeTypeS}, nil)
	runExchanges(t, []exchange{
		{"if_not_exists falls back to the key", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k1"}},"UpdateExpression":"SET b = if_not_exists(b, a)","ReturnValues":"UPDATED_NEW"}`,
			200, `{"Attributes":{"b":{"S":"k1"}}}`},
		{"key attribute as a SET value", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k2"}},"UpdateExpression":"SET c = a","ReturnValues":"UPDATED_NEW"}`,
			200, `{"Attributes":{"c":{"S":"k2"}}}`},
		{"the new item holds the key and the copy", "GetItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k2"}},"ConsistentRead":true}`,
			200, `{"Item":{"a":{"S":"k2"},"c":{"S":"k2"}}}`},
		{"other attributes are still missing", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k3"}},"UpdateExpression":"SET c = b"}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"The provided expression refers to an attribute that does not exist in the item"}`},
	})
}

// TestParenthesisedOperands: parentheses may enclose an operand as well as a
// condition.
func TestParenthesisedOperands(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"a", types.ScalarAttributeTypeS}, nil)
	runExchanges(t, []exchange{
		{"put", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"},"b":{"S":"abc"},"n":{"N":"5"}}}`,
			200, `{}`},
		{"size in parentheses in a filter", "Scan",
			`{"TableName":"` + tbl + `","FilterExpression":"(size(b)) = :n","ExpressionAttributeValues":{":n":{"N":"3"}}}`,
			200, `{"Items":[{"a":{"S":"k1"},"b":{"S":"abc"},"n":{"N":"5"}}],"Count":1,"ScannedCount":1}`},
		{"path in parentheses in a condition", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"},"b":{"S":"abc"},"n":{"N":"6"}},"ConditionExpression":"(a) = :v","ExpressionAttributeValues":{":v":{"S":"k1"}}}`,
			200, `{}`},
		{"name in parentheses in a condition", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"},"b":{"S":"abc"},"n":{"N":"7"}},"ConditionExpression":"(#n) < :v","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":v":{"N":"7"}}}`,
			200, `{}`},
		{"a failing parenthesised condition", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"}},"ConditionExpression":"(#n) BETWEEN (:lo) AND (:hi)","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":lo":{"N":"1"},":hi":{"N":"6"}}}`,
			400, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`},
		{"redundant parentheses around an operand", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"}},"ConditionExpression":"((#n)) BETWEEN (:lo) AND (:hi)","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":lo":{"N":"1"},":hi":{"N":"6"}}}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid ConditionExpression: The expression has redundant parentheses;"}`},
		{"redundant parentheses around a condition", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"}},"ConditionExpression":"((#n < :lo))","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":lo":{"N":"1"}}}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid ConditionExpression: The expression has redundant parentheses;"}`},
		{"a parenthesised key condition", "Query",
			`{"TableName":"` + tbl + `","KeyConditionExpression":"(a) = :v","ExpressionAttributeValues":{":v":{"S":"k1"}},"ProjectionExpression":"n"}`,
			200, `{"Items":[{"n":{"N":"7"}}],"Count":1,"ScannedCount":1}`},
	})
}

// TestInTakesAtMostAHundredOperands: IN's limit, in DynamoDB's words.
func TestInTakesAtMostAHundredOperands(t *testing.T) {
	skipOn(t, "takes any number of IN operands", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"a", types.ScalarAttributeTypeS}, nil)
	list := func(n int) (names, values string) {
		var ns, vs []string
		for i := range n {
			ns = append(ns, fmt.Sprintf(":v%d", i))
			vs = append(vs, fmt.Sprintf(`":v%d":{"N":"%d"}`, i, i))
		}
		return strings.Join(ns, ","), strings.Join(vs, ",")
	}
	hundred, hundredValues := list(100)
	more, moreValues := list(101)
	runExchanges(t, []exchange{
		{"a hundred operands", "Scan",
			`{"TableName":"` + tbl + `","FilterExpression":"n IN (` + hundred + `)","ExpressionAttributeValues":{` + hundredValues + `}}`,
			200, `{"Items":[],"Count":0,"ScannedCount":0}`},
		{"a hundred and one", "Scan",
			`{"TableName":"` + tbl + `","FilterExpression":"n IN (` + more + `)","ExpressionAttributeValues":{` + moreValues + `}}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid FilterExpression: The IN operator is provided with too many operands; number of operands: 101"}`},
	})
}

// TestExpressionLimits: an expression holds at most 4 KB and 300
// operators or functions, as DynamoDB's limits say, refused in its words.
// How spk counts is in docs/local-dynamodb.md.
func TestExpressionLimits(t *testing.T) {
	skipOn(t, "has no limits on an expression's size or operators", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"a", types.ScalarAttributeTypeS}, nil)
	// k comparisons joined by OR: 2k-1 operators; a NOT adds one.
	ors := func(k int, not bool) string {
		parts := make([]string, k)
		for i := range parts {
			parts[i] = "n = :v"
		}
		if not {
			parts[0] = "NOT " + parts[0]
		}
		return strings.Join(parts, " OR ")
	}
	scan := func(filter string) string {
		return `{"TableName":"` + tbl + `","FilterExpression":"` + filter + `","ExpressionAttributeValues":{":v":{"N":"1"}}}`
	}
	// A SET value takes one + at most: k actions, k operators (the
	// assignments are not counted).
	update := func(k int) string {
		actions := make([]string, k)
		for i := range actions {
			actions[i] = fmt.Sprintf("n%d=:v+:v", i)
		}
		return `{"TableName":"` + tbl + `","Key":{"a":{"S":"k"}},"UpdateExpression":"SET ` + strings.Join(actions, ",") + `","ExpressionAttributeValues":{":v":{"N":"1"}}}`
	}
	// over is an expression of 4097 bytes: prefix, a long name, suffix.
	over := func(prefix, suffix string) string {
		return prefix + strings.Repeat("z", 4097-len(prefix)-len(suffix)) + suffix
	}
	const empty = `{"Items":[],"Count":0,"ScannedCount":0}`
	runExchanges(t, []exchange{
		{"4096 bytes", "Scan", scan("n = :v" + strings.Repeat(" ", 4090)), 200, empty},
		{"4097 bytes", "Scan", scan("n = :v" + strings.Repeat(" ", 4091)), 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: 4097"}`},
		// Only a filter's and a condition's size are given.
		{"a condition of 4097 bytes", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k"}},"ConditionExpression":"` + over("attribute_not_exists(a", ")") + `"}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: 4097"}`},
		{"a projection of 4097 bytes", "GetItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k"}},"ProjectionExpression":"` + over("a", "") + `"}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size;"}`},
		{"an update of 4097 bytes", "UpdateItem",
			`{"TableName":"` + tbl + `","Key":{"a":{"S":"k"}},"UpdateExpression":"` + over("SET a", " = :v") + `","ExpressionAttributeValues":{":v":{"N":"1"}}}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid UpdateExpression: Expression size has exceeded the maximum allowed size;"}`},
		{"a key condition of 4097 bytes", "Query",
			`{"TableName":"` + tbl + `","KeyConditionExpression":"a = :v` + strings.Repeat(" ", 4091) + `","ExpressionAttributeValues":{":v":{"N":"1"}}}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid KeyConditionExpression: Expression size has exceeded the maximum allowed size;"}`},
		{"300 operators", "Scan", scan(ors(150, true)), 200, empty},
		{"301 operators", "Scan", scan(ors(151, false)), 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid FilterExpression: The expression contains too many operators; operator count: 301"}`},
		{"many more are counted to 301", "Scan", scan(ors(200, false)), 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid FilterExpression: The expression contains too many operators; operator count: 301"}`},
		{"an update with 300 additions", "UpdateItem", update(300), 200, `{}`},
		{"an update with 301", "UpdateItem", update(301), 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid UpdateExpression: The expression contains too many operators; operator count: 301"}`},
	})
}

// TestExpressionAttributeMapEntries: the keys and values of
// ExpressionAttributeNames and ExpressionAttributeValues, in DynamoDB's
// words: a key's length (at most 255 bytes, its prefix included) is
// checked before its syntax.
func TestExpressionAttributeMapEntries(t *testing.T) {
	skipOn(t, "has no limit on a placeholder's length and takes an empty name", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"a", types.ScalarAttributeTypeS}, nil)
	long := strings.Repeat("a", 255)
	get := func(names string) string {
		return `{"TableName":"` + tbl + `","Key":{"a":{"S":"k"}},"ProjectionExpression":"#a","ExpressionAttributeNames":{` + names + `}}`
	}
	scan := func(values string) string {
		return `{"TableName":"` + tbl + `","FilterExpression":"foo = :v","ExpressionAttributeValues":{` + values + `}}`
	}
	const refused = `{"__type":"com.amazon.coral.validate#ValidationException","message":`
	runExchanges(t, []exchange{
		{"a name of 255 bytes", "GetItem", get(`"#a":"foo","#` + long[1:] + `":"bar"`), 400,
			refused + `"Value provided in ExpressionAttributeNames unused in expressions: keys: {#` + long[1:] + `}"}`},
		{"a name of 256 bytes", "GetItem", get(`"#` + long + `":"foo"`), 400,
			refused + `"ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 256"}`},
		{"length before syntax", "GetItem", get(`"#` + long + `-x":"foo"`), 400,
			refused + `"ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 258"}`},
		{"an empty name", "GetItem", get(`"#a":""`), 400,
			refused + `"ExpressionAttributeNames contains invalid value: Empty attribute name for key #a"}`},
		{"a value key of 256 bytes", "Scan", scan(`":` + long + `":{"S":"x"}`), 400,
			refused + `"ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;"}`},
		{"an empty string value is a value", "Scan", scan(`":v":{"S":""}`), 200, `{"Items":[],"Count":0,"ScannedCount":0}`},
	})
}

// TestValuesWithoutExpressions: ExpressionAttributeValues with no
// expression that takes values names the missing expressions, except on
// Query, as DynamoDB answers.
func TestValuesWithoutExpressions(t *testing.T) {
	skipOn(t, "names Query's missing expressions too", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"a", types.ScalarAttributeTypeS}, nil)
	const refused = `{"__type":"com.amazon.coral.validate#ValidationException","message":"ExpressionAttributeValues can only be specified when using expressions`
	values := `"ExpressionAttributeValues":{":v":{"S":"x"}}`
	runExchanges(t, []exchange{
		{"Scan", "Scan", `{"TableName":"` + tbl + `",` + values + `}`, 400, refused + `: FilterExpression is null"}`},
		{"UpdateItem", "UpdateItem", `{"TableName":"` + tbl + `","Key":{"a":{"S":"k"}},` + values + `}`, 400,
			refused + `: UpdateExpression and ConditionExpression are null"}`},
		{"Query with KeyConditions", "Query",
			`{"TableName":"` + tbl + `","KeyConditions":{"a":{"AttributeValueList":[{"S":"k"}],"ComparisonOperator":"EQ"}},` + values + `}`, 400,
			refused + `"}`},
	})
}

// TestConditionalOperatorAndMixing: the legacy ConditionalOperator needs a
// Filter or Expected of two conditions or more, and counts as a legacy
// parameter; a request that mixes legacy and expression parameters lists
// each side in the operation's fixed order, before the unused-values
// check, as DynamoDB answers.
func TestConditionalOperatorAndMixing(t *testing.T) {
	skipOn(t, "words the ConditionalOperator rules differently and leaves ConditionalOperator out of the writes' mixing", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	const refused = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	without := refused + `ConditionalOperator cannot be used without Filter or Expected"}`
	one := refused + `ConditionalOperator can only be used when Filter or Expected has two or more elements"}`
	mixing := func(legacy, exprs string) string {
		return refused + `Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {` + legacy + `} Expression parameters: {` + exprs + `}"}`
	}
	cond := `{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"}]}`
	key := `"KeyConditions":{"pk":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"k1"}]}}`
	req := func(members string) string { return `{"TableName":"` + tbl + `",` + members + `}` }
	runExchanges(t, []exchange{
		{"Scan without a filter", "Scan", req(`"ConditionalOperator":"AND"`), 400, without},
		{"Scan with an empty filter", "Scan", req(`"ConditionalOperator":"OR","ScanFilter":{}`), 400, without},
		{"Scan with one condition", "Scan", req(`"ConditionalOperator":"AND","ScanFilter":{"a":` + cond + `}`), 400, one},
		{"Query without key conditions", "Query", req(`"ConditionalOperator":"AND"`), 400, without},
		{"Query with one filter condition", "Query", req(`"ConditionalOperator":"AND",` + key + `,"QueryFilter":{"a":` + cond + `}`), 400, one},
		{"PutItem with one expected", "PutItem", req(`"Item":{"pk":{"S":"k2"}},"ConditionalOperator":"AND","Expected":{"a":` + cond + `}`), 400, one},
		{"UpdateItem with nothing", "UpdateItem", req(`"Key":{"pk":{"S":"k1"}},"ConditionalOperator":"AND"`), 400, without},
		{"Scan, every parameter", "Scan",
			req(`"AttributesToGet":["a"],"ScanFilter":{"a":` + cond + `},"ConditionalOperator":"AND","FilterExpression":"a = :v","ProjectionExpression":"b","ExpressionAttributeValues":{":v":{"S":"x"}}`), 400,
			mixing("AttributesToGet, ScanFilter, ConditionalOperator", "ProjectionExpression, FilterExpression")},
		{"Query, every parameter", "Query",
			req(key + `,"QueryFilter":{"a":` + cond + `},"ConditionalOperator":"AND","KeyConditionExpression":"pk = :p","FilterExpression":"a = :v","ProjectionExpression":"b","ExpressionAttributeValues":{":p":{"S":"k1"},":v":{"S":"x"}}`), 400,
			mixing("QueryFilter, ConditionalOperator, KeyConditions", "ProjectionExpression, FilterExpression, KeyConditionExpression")},
		{"UpdateItem, every parameter", "UpdateItem",
			req(`"Key":{"pk":{"S":"k1"}},"AttributeUpdates":{"a":{"Value":{"S":"v"},"Action":"PUT"}},"Expected":{"a":` + cond + `},"ConditionalOperator":"AND","UpdateExpression":"SET a = :v","ConditionExpression":"attribute_exists(pk)","ExpressionAttributeValues":{":v":{"S":"x"}}`), 400,
			mixing("AttributeUpdates, Expected, ConditionalOperator", "UpdateExpression, ConditionExpression")},
		{"PutItem, ConditionalOperator alone mixes", "PutItem",
			req(`"Item":{"pk":{"S":"k2"}},"ConditionalOperator":"AND","ConditionExpression":"attribute_exists(pk)"`), 400,
			mixing("ConditionalOperator", "ConditionExpression")},
		{"mixing before unused values", "Scan",
			req(`"ConditionalOperator":"AND","FilterExpression":"a = :v","ExpressionAttributeValues":{":v":{"S":"x"},":unused":{"S":"y"}}`), 400,
			mixing("ConditionalOperator", "FilterExpression")},
		{"KeyConditions with a filter expression", "Query", req(key + `,"FilterExpression":"a = :v","ExpressionAttributeValues":{":v":{"S":"x"}}`), 200,
			`{"Items":[],"Count":0,"ScannedCount":0}`},
	})
}

// TestCountWithProjection: Select COUNT with a projection, in DynamoDB's
// words, which Query prefixes and Scan does not.
func TestCountWithProjection(t *testing.T) {
	skipOn(t, "names AttributesToGet for a ProjectionExpression", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	const refused = `{"__type":"com.amazon.coral.validate#ValidationException","message":"`
	runExchanges(t, []exchange{
		{"Query", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"x"}},"Select":"COUNT","ProjectionExpression":"pk"}`, 400,
			refused + `1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count"}`},
		{"Scan", "Scan", `{"TableName":"` + tbl + `","Select":"COUNT","ProjectionExpression":"pk"}`, 400,
			refused + `Cannot specify the ProjectionExpression when choosing to get only the Count"}`},
		{"Scan with AttributesToGet", "Scan", `{"TableName":"` + tbl + `","Select":"COUNT","AttributesToGet":["pk"]}`, 400,
			refused + `Cannot specify the AttributesToGet when choosing to get only the Count"}`},
	})
}

// TestTransactionsIgnoreIdleExpressionParams: a transaction's Put, Delete
// or Get takes ExpressionAttributeNames and Values it has no expression for,
// and ignores them, where PutItem, DeleteItem and GetItem refuse them; with
// an expression, an unused one is refused as anywhere else.
func TestTransactionsIgnoreIdleExpressionParams(t *testing.T) {
	skipOn(t, "no transactions", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	put(t, c, tbl, item{"pk": s("k1"), "foo": s("a")})
	write := func(action string) string { return `{"TransactItems":[{` + action + `}]}` }
	names := `"ExpressionAttributeNames":{"#n":"foo"}`
	runExchanges(t, []exchange{
		{"a Put with names", "TransactWriteItems", write(`"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"p1"}},` + names + `}`), 200, `{}`},
		{"a Put with values", "TransactWriteItems", write(`"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"p2"}},"ExpressionAttributeValues":{":v":{"N":"1"}}}`), 200, `{}`},
		{"a Delete with names", "TransactWriteItems", write(`"Delete":{"TableName":"` + tbl + `","Key":{"pk":{"S":"p1"}},` + names + `}`), 200, `{}`},
		{"a Get with names", "TransactGetItems", write(`"Get":{"TableName":"` + tbl + `","Key":{"pk":{"S":"k1"}},` + names + `}`), 200,
			`{"Responses":[{"Item":{"pk":{"S":"k1"},"foo":{"S":"a"}}}]}`},
		{"an unused name beside a condition", "TransactWriteItems",
			write(`"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"p3"}},"ConditionExpression":"attribute_not_exists(pk)",` + names + `}`), 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}"}`},
		{"the Put without its names wrote", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"p2"}}}`, 200, `{"Item":{"pk":{"S":"p2"}}}`},
	})
}

// TestProjectionKeepsDocumentOrder: projected list elements come back in the
// list's order, whatever the order of the paths, and paths into one element
// are gathered in that element.
func TestProjectionKeepsDocumentOrder(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"a", types.ScalarAttributeTypeS}, nil)
	key := `"Key":{"a":{"S":"k1"}}`
	runExchanges(t, []exchange{
		{"put", "PutItem",
			`{"TableName":"` + tbl + `","Item":{"a":{"S":"k1"},"c":{"L":[{"S":"x"},{"S":"y"},{"S":"z"}]},` +
				`"m":{"M":{"a":{"N":"1"},"b":{"N":"2"},"c":{"N":"3"}}},"l":{"L":[{"M":{"x":{"N":"1"},"y":{"N":"2"},"z":{"N":"3"}}},{"L":[{"S":"p"},{"S":"q"}]}]}}}`,
			200, `{}`},
		{"list indexes in reverse", "GetItem",
			`{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"c[1], c[0]"}`,
			200, `{"Item":{"c":{"L":[{"S":"x"},{"S":"y"}]}}}`},
		{"list indexes with a gap", "GetItem",
			`{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"c[2], c[0], c[7]"}`,
			200, `{"Item":{"c":{"L":[{"S":"x"},{"S":"z"}]}}}`},
		{"map fields", "GetItem",
			`{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"m.c, m.a"}`,
			200, `{"Item":{"m":{"M":{"a":{"N":"1"},"c":{"N":"3"}}}}}`},
		{"paths into one element", "GetItem",
			`{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"l[1][1], l[0].z, l[0].x, l[1][0]"}`,
			200, `{"Item":{"l":{"L":[{"M":{"x":{"N":"1"},"z":{"N":"3"}}},{"L":[{"S":"p"},{"S":"q"}]}]}}}`},
		{"query projection", "Query",
			`{"TableName":"` + tbl + `","KeyConditionExpression":"a = :k","ExpressionAttributeValues":{":k":{"S":"k1"}},"ProjectionExpression":"c[2], a, c[1]"}`,
			200, `{"Items":[{"a":{"S":"k1"},"c":{"L":[{"S":"y"},{"S":"z"}]}}],"Count":1,"ScannedCount":1}`},
		{"overlapping paths", "GetItem",
			`{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"c[1], c"}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [1]], path two: [c]"}`},
		{"the same element twice", "GetItem",
			`{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"c[0], c[0]"}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [0]], path two: [c, [0]]"}`},
		{"conflicting paths", "GetItem",
			`{"TableName":"` + tbl + `",` + key + `,"ProjectionExpression":"c[0], c.x"}`,
			400, `{"__type":"com.amazon.coral.validate#ValidationException","message":"Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [c, [0]], path two: [c, x]"}`},
	})
}
