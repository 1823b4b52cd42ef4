package dynamodb

// OnDemandThroughput caps an on-demand table's or index's request units.
// spk does not throttle, so the caps are kept and described, not applied:
// tools that compare what they asked for with DescribeTable see no drift.

// onDemandInput is a request's OnDemandThroughput.
type onDemandInput struct {
	MaxReadRequestUnits  *int64 `json:"MaxReadRequestUnits"`
	MaxWriteRequestUnits *int64 `json:"MaxWriteRequestUnits"`
}

// onDemand is a stored cap; -1 is no maximum, as DynamoDB writes it.
type onDemand struct {
	Read, Write int64
}

func (o *onDemandInput) given() bool {
	return o != nil && (o.MaxReadRequestUnits != nil || o.MaxWriteRequestUnits != nil)
}

// validateOnDemand checks a cap for a table (index "") or an index under
// billing; clearing (-1) is allowed where an existing cap is updated.
func validateOnDemand(o *onDemandInput, billing, index string, updating bool) error {
	if !o.given() {
		return nil
	}
	const invalid = "One or more parameter values were invalid: "
	of := "table"
	if index != "" {
		of = "index : " + index
	}
	for _, m := range []struct {
		name string
		v    *int64
	}{{"MaxReadRequestUnits", o.MaxReadRequestUnits}, {"MaxWriteRequestUnits", o.MaxWriteRequestUnits}} {
		if m.v == nil {
			continue
		}
		if billing == "PROVISIONED" {
			msg := m.name + " for OnDemandThroughput cannot be specified when the table BillingMode is PROVISIONED."
			if index != "" {
				msg = m.name + " for OnDemandThroughput for " + of + " cannot be specified when the table BillingMode is PROVISIONED."
			}
			return validation(invalid + msg)
		}
		if *m.v == 0 || *m.v < -1 || *m.v == -1 && !updating {
			return validation(invalid + "Requested " + m.name + " for OnDemandThroughput for " + of + " is outside of valid range")
		}
	}
	return nil
}

// apply sets the members given on cap (nil: none yet) and returns the
// result, nil when no member caps anything.
func (o *onDemandInput) apply(cap *onDemand) *onDemand {
	if !o.given() {
		return cap
	}
	next := onDemand{Read: -1, Write: -1}
	if cap != nil {
		next = *cap
	}
	if o.MaxReadRequestUnits != nil {
		next.Read = *o.MaxReadRequestUnits
	}
	if o.MaxWriteRequestUnits != nil {
		next.Write = *o.MaxWriteRequestUnits
	}
	if next.Read == -1 && next.Write == -1 {
		return nil
	}
	return &next
}

// describe is an OnDemandThroughput description, or nil.
func (o *onDemand) describe() map[string]any {
	if o == nil {
		return nil
	}
	return map[string]any{"MaxReadRequestUnits": o.Read, "MaxWriteRequestUnits": o.Write}
}
