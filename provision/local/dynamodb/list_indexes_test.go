package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestListIndexesNameTheListAsItWas: every list index in an update names an
// element of the list before the update. Elements set past the end are
// appended in index order, not in the order written, and elements removed
// from one list go highest index first, whatever other paths lie between
// them in the expression (the developer guide's update expressions page).
func TestListIndexesNameTheListAsItWas(t *testing.T) {
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, nil)
	const start = `{"pk":{"S":"k"},"l":{"L":[{"N":"0"},{"N":"1"},{"N":"2"},{"N":"3"},{"N":"4"}]},"z":{"N":"1"},` +
		`"a":{"L":[{"L":[{"S":"x"}]},{"L":[{"S":"y"},{"S":"z"}]},{"L":[{"S":"w"}]}]}}`
	reset := exchange{"the item as it was", "PutItem", `{"TableName":"` + tbl + `","Item":` + start + `}`, 200, `{}`}
	update := func(expression, values string) string {
		body := `{"TableName":"` + tbl + `","Key":{"pk":{"S":"k"}},"UpdateExpression":"` + expression + `"`
		if values != "" {
			body += `,"ExpressionAttributeValues":{` + values + `}`
		}
		return body + `}`
	}
	const ab = `":a":{"S":"A"},":b":{"S":"B"}`
	// read is the GetItem of one attribute after an update.
	read := func(name string) string {
		return `{"TableName":"` + tbl + `","Key":{"pk":{"S":"k"}},"ProjectionExpression":"` + name + `"}`
	}
	list := func(elems string) string { return `{"Item":{"l":{"L":[` + elems + `]}}}` }
	const first5 = `{"N":"0"},{"N":"1"},{"N":"2"},{"N":"3"},{"N":"4"}`
	runExchanges(t, []exchange{
		reset,
		{"two appends written in index order", "UpdateItem", update("SET l[5] = :a, l[6] = :b", ab), 200, `{}`},
		{"then", "GetItem", read("l"), 200, list(first5 + `,{"S":"A"},{"S":"B"}`)},
		reset,
		{"two appends written the other way", "UpdateItem", update("SET l[6] = :b, l[5] = :a", ab), 200, `{}`},
		{"then", "GetItem", read("l"), 200, list(first5 + `,{"S":"A"},{"S":"B"}`)},
		reset,
		{"two appends far past the end", "UpdateItem", update("SET l[11] = :b, l[10] = :a", ab), 200, `{}`},
		{"then", "GetItem", read("l"), 200, list(first5 + `,{"S":"A"},{"S":"B"}`)},
		reset,
		{"an append and an element", "UpdateItem", update("SET l[9] = :b, l[1] = :a", ab), 200, `{}`},
		{"then", "GetItem", read("l"), 200, list(`{"N":"0"},{"S":"A"},{"N":"2"},{"N":"3"},{"N":"4"},{"S":"B"}`)},
		reset,
		{"removals with another path between", "UpdateItem", update("REMOVE l[0], z, l[2]", ""), 200, `{}`},
		{"then", "GetItem", read("l"), 200, list(`{"N":"1"},{"N":"3"},{"N":"4"}`)},
		reset,
		{"removals written highest last", "UpdateItem", update("REMOVE l[1], l[3], l[4]", ""), 200, `{}`},
		{"then", "GetItem", read("l"), 200, list(`{"N":"0"},{"N":"2"}`)},
		reset,
		{"a list and an element of a later list", "UpdateItem", update("REMOVE a[0], a[1][0]", ""), 200, `{}`},
		{"then", "GetItem", read("a"), 200,
			`{"Item":{"a":{"L":[{"L":[{"S":"z"}]},{"L":[{"S":"w"}]}]}}}`},
		reset,
		{"the same, written the other way", "UpdateItem", update("REMOVE a[1][0], a[0]", ""), 200, `{}`},
		{"then", "GetItem", read("a"), 200,
			`{"Item":{"a":{"L":[{"L":[{"S":"z"}]},{"L":[{"S":"w"}]}]}}}`},
	})
}
