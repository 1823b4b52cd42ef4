package dynamodb

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

// A token's memo keeps the request's order of tables; one saved by an
// earlier spk, a map by name, replays in name order.
func TestReplayedCapacityMemos(t *testing.T) {
	var tc tableCapacity
	tc.add("zeta", 2, indexUnits{gsi: map[string]float64{"g": 1}}, 2)
	tc.add("alpha", 1, indexUnits{}, 2)
	// An earlier spk, reading the data directory, reads a map by name.
	var byName map[string]struct {
		T float64 `json:"t"`
	}
	if err := json.Unmarshal(tc.memo(), &byName); err != nil || byName["zeta"].T != 4 || byName["alpha"].T != 2 {
		t.Fatalf("the memo is not the map an earlier spk reads: %s (%v)", tc.memo(), err)
	}
	for _, c := range []struct {
		name, memo, want string
	}{
		{"this memo", string(tc.memo()),
			`[{"CapacityUnits":6,"GlobalSecondaryIndexes":{"g":{"CapacityUnits":2}},"Table":{"CapacityUnits":4},"TableName":"zeta"},{"CapacityUnits":2,"Table":{"CapacityUnits":2},"TableName":"alpha"}]`},
		{"an earlier spk's memo", `{"zeta":{"t":4},"alpha":{"t":2}}`,
			`[{"CapacityUnits":2,"Table":{"CapacityUnits":2},"TableName":"alpha"},{"CapacityUnits":4,"Table":{"CapacityUnits":4},"TableName":"zeta"}]`},
		{"no memo", ``, `null`},
	} {
		got, _ := json.Marshal(replayedCapacity([]byte(c.memo)).render(aws.String("INDEXES"), ""))
		if string(got) != c.want {
			t.Errorf("%s: %s\nwant %s", c.name, got, c.want)
		}
	}
}

// An item an earlier spk stored with an empty or 64 KB attribute name is
// still updated: a request is refused such names only where it gives them
// (a whole item, AttributeUpdates, ExpressionAttributeNames), not for the
// names its item already has.
func TestStoredAttributeNamesDoNotRefuseAnUpdate(t *testing.T) {
	var m tableMeta
	for _, name := range []string{"", strings.Repeat("n", 65536)} {
		it := attr.Item{"pk": attr.StrValue("a"), name: attr.NumValue("1")}
		if err := checkItemAs(it, &m, true); err != nil {
			t.Errorf("an update's result with a stored name of %d bytes: %v", len(name), err)
		}
		if err := checkItemAs(it, &m, false); err == nil {
			t.Errorf("a whole item with a name of %d bytes was taken", len(name))
		}
	}
}
