package dynamodb

// A table's class is described, not performed: spk stores every table the
// same way, but a class set at CreateTable or changed with UpdateTable is
// described as DynamoDB was recorded describing it (docs/local-dynamodb.md),
// so Terraform's table_class and CDK's tableClass see no drift. A table
// created without a class has no TableClassSummary, as on DynamoDB.

var tableClasses = []string{"STANDARD", "STANDARD_INFREQUENT_ACCESS"}

// tableClassState is a table's class and when an UpdateTable last changed
// it (epoch seconds; 0 when it was set at creation).
type tableClassState struct {
	Class       string
	LastUpdate  float64 `json:",omitempty"`
	Next        string  `json:",omitempty"` // the class an update under way settles into
	NextUpdated float64 `json:",omitempty"`
}

// describeTableClass is a table's TableClassSummary, or nil: the class it
// has, not the one an update under way will give it.
func describeTableClass(m *tableMeta) map[string]any {
	c := m.Class
	if c == nil || c.Class == "" {
		return nil
	}
	d := map[string]any{"TableClass": c.Class}
	if c.LastUpdate != 0 {
		d["LastUpdateDateTime"] = c.LastUpdate
	}
	return d
}

// changeTableClass starts an UpdateTable's change of class; it reports
// whether the class changes (asking for the class a table has answers
// UPDATING and changes nothing, as DynamoDB does).
func changeTableClass(m *tableMeta, class string, now float64) bool {
	current := "STANDARD"
	if m.Class != nil && m.Class.Class != "" {
		current = m.Class.Class
	}
	if class == current {
		return false
	}
	next := tableClassState{Next: class, NextUpdated: now}
	if m.Class != nil {
		next.Class, next.LastUpdate = m.Class.Class, m.Class.LastUpdate
	}
	m.Class = &next
	return true
}

// settleTableClass ends a change of class.
func settleTableClass(m *tableMeta) {
	if c := m.Class; c != nil && c.Next != "" {
		m.Class = &tableClassState{Class: c.Next, LastUpdate: c.NextUpdated}
	}
}
