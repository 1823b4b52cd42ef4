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
	// CreateTable's and UpdateTable's words differ by an article and a
	// full stop, as DynamoDB's do.
	provisioned, forIndex := "when table BillingMode is PROVISIONED.", "for index: "
	if updating {
		provisioned, forIndex = "when the table BillingMode is PROVISIONED", "for index : "
	}
	for _, m := range []struct {
		name string
		v    *int64
	}{{"MaxReadRequestUnits", o.MaxReadRequestUnits}, {"MaxWriteRequestUnits", o.MaxWriteRequestUnits}} {
		if m.v == nil {
			continue
		}
		if billing == "PROVISIONED" {
			msg := m.name + " for OnDemandThroughput cannot be specified " + provisioned
			if index != "" {
				msg = m.name + " for OnDemandThroughput " + forIndex + index + " cannot be specified " + provisioned
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

// describe is an OnDemandThroughput description, or nil: the members that
// cap something, as DynamoDB describes them once a change has settled.
func (o *onDemand) describe() map[string]any {
	if o == nil {
		return nil
	}
	d := map[string]any{}
	if o.Read != -1 {
		d["MaxReadRequestUnits"] = o.Read
	}
	if o.Write != -1 {
		d["MaxWriteRequestUnits"] = o.Write
	}
	return d
}

// echo is the OnDemandThroughput an UpdateTable that gave o answers: what
// caps something, and the members o cleared as -1, as DynamoDB answers.
func (o *onDemandInput) echo(cap *onDemand) map[string]any {
	d := cap.describe()
	if d == nil {
		d = map[string]any{}
	}
	if o.MaxReadRequestUnits != nil && *o.MaxReadRequestUnits == -1 {
		d["MaxReadRequestUnits"] = int64(-1)
	}
	if o.MaxWriteRequestUnits != nil && *o.MaxWriteRequestUnits == -1 {
		d["MaxWriteRequestUnits"] = int64(-1)
	}
	if len(d) == 0 {
		return nil
	}
	return d
}

// tableMaxCapacity is the per-table maximum of read and write capacity
// (and of on-demand caps) DescribeLimits gives.
const tableMaxCapacity = 40000

// checkOnDemandLimit refuses a table's cap above the per-table maximum, in
// DynamoDB's words.
func checkOnDemandLimit(o *onDemandInput, region string) error {
	if !o.given() {
		return nil
	}
	for _, m := range []struct {
		name, quota string
		v           *int64
	}{{"MaxReadRequestUnits", "TableMaxReadCapacityUnits", o.MaxReadRequestUnits}, {"MaxWriteRequestUnits", "TableMaxWriteCapacityUnits", o.MaxWriteRequestUnits}} {
		if m.v != nil && *m.v > tableMaxCapacity {
			return &apiError{Type: "LimitExceededException", Msg: "Subscriber limit exceeded: Requested " + m.name + " for OnDemandThroughput for table exceeds " + m.quota + " of the account in region " + region}
		}
	}
	return nil
}
