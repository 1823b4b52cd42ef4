package dynamodb

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

// constraints collects the request validator's member checks. DynamoDB runs
// every one of them before it looks at any table and reports all that fail
// in one message ("N validation errors detected: ...", at most ten), in the
// order the service checks an operation's members; each operation calls
// the checks in that order.
type constraints struct{ errs []string }

// maxConstraintErrors is how many failures one message lists at most.
const maxConstraintErrors = 10

func (c *constraints) fail(value, field, rule string) {
	if len(c.errs) < maxConstraintErrors {
		c.errs = append(c.errs, "Value "+value+" at '"+field+"' failed to satisfy constraint: "+rule)
	}
}

func quoted(v string) string { return "'" + v + "'" }

// notNull checks a required member.
func (c *constraints) notNull(field string, present bool) {
	if !present {
		c.fail("null", field, "Member must not be null")
	}
}

// tableName checks a required table name: the pattern and both length
// bounds.
func (c *constraints) tableName(field string, v *string) {
	if v == nil {
		c.notNull(field, false)
		return
	}
	c.name(field, v)
}

// tableRef checks a required table name that may also be the table's ARN.
func (c *constraints) tableRef(field string, v *string) {
	if v != nil && isTableARN(*v) {
		return
	}
	// Since a table may be named by its ARN, an empty name breaks one rule
	// only, as DynamoDB answers.
	if v != nil && *v == "" {
		c.fail(quoted(""), field, "Member must have length greater than or equal to 1")
		return
	}
	c.tableName(field, v)
}

// name checks an optional table or index name.
func (c *constraints) name(field string, v *string) {
	if v == nil {
		return
	}
	if !tableNamePattern.MatchString(*v) {
		c.fail(quoted(*v), field, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	if len(*v) < 3 {
		c.fail(quoted(*v), field, "Member must have length greater than or equal to 3")
	}
	if len(*v) > 255 {
		c.fail(quoted(*v), field, "Member must have length less than or equal to 255")
	}
}

// enum checks an optional member against its value set, listed in the
// service's order.
func (c *constraints) enum(field string, v *string, set ...string) {
	if v == nil {
		return
	}
	for _, s := range set {
		if *v == s {
			return
		}
	}
	c.fail(quoted(*v), field, "Member must satisfy enum value set: ["+strings.Join(set, ", ")+"]")
}

// atLeast checks an optional integer's lower bound.
func (c *constraints) atLeast(field string, v *int, lo int) {
	if v != nil && *v < lo {
		c.fail(quoted(strconv.Itoa(*v)), field, "Member must have value greater than or equal to "+strconv.Itoa(lo))
	}
}

// atMost checks an optional integer's upper bound.
func (c *constraints) atMost(field string, v *int, hi int) {
	if v != nil && *v > hi {
		c.fail(quoted(strconv.Itoa(*v)), field, "Member must have value less than or equal to "+strconv.Itoa(hi))
	}
}

// listLength checks an optional list's length bounds; Coral prints the list
// as Java does.
func (c *constraints) listLength(field string, v []string, lo, hi int) {
	if v == nil {
		return
	}
	shown := quoted("[" + strings.Join(v, ", ") + "]")
	if len(v) < lo {
		c.fail(shown, field, "Member must have length greater than or equal to "+strconv.Itoa(lo))
	}
	if len(v) > hi {
		c.fail(shown, field, "Member must have length less than or equal to "+strconv.Itoa(hi))
	}
}

// stringLength checks an optional string's length bounds.
func (c *constraints) stringLength(field string, v *string, lo, hi int) {
	if v == nil {
		return
	}
	if len(*v) < lo {
		c.fail(quoted(*v), field, "Member must have length greater than or equal to "+strconv.Itoa(lo))
	}
	if len(*v) > hi {
		c.fail(quoted(*v), field, "Member must have length less than or equal to "+strconv.Itoa(hi))
	}
}

var (
	returnCapacityValues   = []string{"INDEXES", "TOTAL", "NONE"}
	returnValuesValues     = []string{"ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"}
	collectionMetricValues = []string{"SIZE", "NONE"}
	conditionalOpValues    = []string{"OR", "AND"}
	onFailureValues        = []string{"ALL_OLD", "NONE"}
	selectValues           = []string{"SPECIFIC_ATTRIBUTES", "COUNT", "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES"}
	comparisonOpValues     = []string{"IN", "NULL", "BETWEEN", "LT", "NOT_CONTAINS", "EQ", "GT", "NOT_NULL", "NE", "LE", "BEGINS_WITH", "GE", "CONTAINS"}
)

// expectedOperators checks each Expected entry's ComparisonOperator.
func (c *constraints) expectedOperators(field string, exp map[string]expectedAttr) {
	for _, name := range attr.SortedKeys(exp) {
		c.enum(field+"."+name+".member.comparisonOperator", exp[name].ComparisonOperator, comparisonOpValues...)
	}
}

// filterOperators checks each legacy condition's ComparisonOperator, which
// is required.
func (c *constraints) filterOperators(field string, conds map[string]filterCondition) {
	for _, name := range attr.SortedKeys(conds) {
		f := field + "." + name + ".member.comparisonOperator"
		c.notNull(f, conds[name].ComparisonOperator != nil)
		c.enum(f, conds[name].ComparisonOperator, comparisonOpValues...)
	}
}

// err is the collected failures as one ValidationException, or nil.
func (c *constraints) err() error { return validationErrors(c.errs) }

// atIndex names a list member's field, as Coral does (1-based).
func atIndex(field string, i int, member string) string {
	return fmt.Sprintf("%s.%d.member.%s", field, i+1, member)
}
