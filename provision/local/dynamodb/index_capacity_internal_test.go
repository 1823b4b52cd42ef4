package dynamodb

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// A token's memo keeps the request's order of tables; one saved by an
// earlier spk, a map by name, replays in name order.
func TestReplayedCapacityMemos(t *testing.T) {
	var tc tableCapacity
	tc.add("zeta", 2, indexUnits{gsi: map[string]float64{"g": 1}}, 2)
	tc.add("alpha", 1, indexUnits{}, 2)
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
