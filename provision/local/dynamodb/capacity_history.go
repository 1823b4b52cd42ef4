package dynamodb

import "time"

// capacityHistory is when a table's or an index's provisioned throughput
// last rose and fell, and how often it fell on the current UTC day, as
// DynamoDB describes them in ProvisionedThroughput.
type capacityHistory struct {
	LastIncrease float64 `json:",omitempty"` // epoch seconds
	LastDecrease float64 `json:",omitempty"`
	Decreases    int     `json:",omitempty"`
	DecreaseDay  string  `json:",omitempty"` // the UTC day Decreases counts
}

// record notes a change of provisioned throughput from old to new; a
// change of billing mode is not one.
func (h *capacityHistory) record(oldR, oldW, r, w int64, now time.Time) {
	at := epochSeconds(now)
	if r > oldR || w > oldW {
		h.LastIncrease = at
	}
	if r < oldR || w < oldW {
		h.LastDecrease = at
		if day := now.UTC().Format(time.DateOnly); day != h.DecreaseDay {
			h.DecreaseDay, h.Decreases = day, 0
		}
		h.Decreases++
	}
}

// describe is a ProvisionedThroughput description of r and w.
func (h capacityHistory) describe(r, w int64, now time.Time) map[string]any {
	d := map[string]any{"NumberOfDecreasesToday": 0, "ReadCapacityUnits": r, "WriteCapacityUnits": w}
	if h.DecreaseDay == now.UTC().Format(time.DateOnly) {
		d["NumberOfDecreasesToday"] = h.Decreases
	}
	if h.LastIncrease != 0 {
		d["LastIncreaseDateTime"] = h.LastIncrease
	}
	if h.LastDecrease != 0 {
		d["LastDecreaseDateTime"] = h.LastDecrease
	}
	return d
}
