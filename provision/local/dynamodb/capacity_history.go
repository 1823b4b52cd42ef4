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

// throughputBefore is a table's provisioned throughput before a change,
// with its history then.
type throughputBefore struct {
	Read, Write int64
	History     capacityHistory
}

// describeChanging is the ProvisionedThroughput DynamoDB shows while a
// change from before to h is under way: the units and the count of
// decreases before it, the change's times.
func (h capacityHistory) describeChanging(before *throughputBefore, now time.Time) map[string]any {
	d := h.describe(before.Read, before.Write, now)
	d["NumberOfDecreasesToday"] = before.History.describe(before.Read, before.Write, now)["NumberOfDecreasesToday"]
	return d
}
