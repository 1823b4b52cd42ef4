package dynamodb

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

// maxPlaceholderBytes is the longest #name or :value DynamoDB takes, its
// prefix included.
const maxPlaceholderBytes = 255

// validPlaceholder reports whether k is prefix followed by [0-9a-zA-Z_]+.
func validPlaceholder(k string, prefix byte) bool {
	if len(k) < 2 || k[0] != prefix {
		return false
	}
	for i := 1; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// DynamoDB's request validation for PutItem, UpdateItem and DeleteItem
// now words some refusals inside "1 validation error detected: " (the
// service's answers in 2026, in us-east-1 and eu-west-2; other operations,
// the batches and transactions answer bare, and so do these operations'
// other refusals, such as mixing legacy and expression parameters or the
// ConditionalOperator rules, as recorded against the service too).

// envelopedValue is such a write's refusal of an attribute value in its
// item or key; the item's size and nesting limits stay bare.
func envelopedValue(err error) error {
	if ae, ok := err.(*apiError); ok && (ae.Msg == msgItemSize || ae.Msg == msgNesting) {
		return err
	}
	return envelope(err)
}

// envelopedRequest is PutItem's or DeleteItem's refusal of its expression
// parameters, ReturnValues or Expected, for the refusals recorded in the
// envelope.
func envelopedRequest(err error) error {
	ae, ok := err.(*apiError)
	if !ok {
		return err
	}
	for _, p := range envelopedPrefixes {
		if strings.HasPrefix(ae.Msg, p) {
			return envelope(err)
		}
	}
	return envelopedUndefined(err)
}

// envelopedUndefined is the refusal of an undefined expression attribute
// value, the one UpdateItem refusal recorded in the envelope; UpdateItem's
// refusal of values without expressions was recorded bare, with the
// expressions it lacks named.
func envelopedUndefined(err error) error {
	if ae, ok := err.(*apiError); ok && strings.Contains(ae.Msg, "An expression attribute value used in expression is not defined") {
		return envelope(err)
	}
	return err
}

var envelopedPrefixes = []string{
	"ExpressionAttributeNames can only be specified", "ExpressionAttributeValues can only be specified",
	"ExpressionAttributeNames must not be empty", "ExpressionAttributeValues must not be empty",
	"Invalid ConditionExpression: The expression can not be empty;",
	"ReturnValues can only be",
	"One or more parameter values were invalid: Value ", // Expected's Value rules
	"One or more parameter values were invalid: Invalid number of argument(s)",
}

// envelope puts a validation message in the envelope, unless it already
// counts its errors.
func envelope(err error) error {
	ae, ok := err.(*apiError)
	if !ok || ae.Type != "ValidationException" || counted.MatchString(ae.Msg) {
		return err
	}
	return validation("1 validation error detected: " + ae.Msg)
}

var counted = regexp.MustCompile(`^\d+ validation errors? detected: `)

// exprParams validates ExpressionAttributeNames/Values. usedBy lists the
// request's expressions that are set; valueExprs those of them that can
// use values (all but ProjectionExpression); allValueExprs the ones the
// refusal of values without them names (none for Query, as DynamoDB
// answers).
func exprParams(names map[string]string, values map[string]attr.Value, usedBy []string, valueExprs []string, allValueExprs []string) (*expr.Params, error) {
	if names != nil {
		if len(usedBy) == 0 {
			return nil, validation("ExpressionAttributeNames can only be specified when using expressions")
		}
		if len(names) == 0 {
			return nil, validation("ExpressionAttributeNames must not be empty")
		}
		for _, k := range attr.SortedKeys(names) {
			if len(k) > maxPlaceholderBytes {
				return nil, validation("ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: " + strconv.Itoa(len(k)))
			}
			if !validPlaceholder(k, '#') {
				return nil, validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
		for _, k := range attr.SortedKeys(names) {
			if msg := badAttributeName(names[k]); msg != "" {
				return nil, validation("ExpressionAttributeNames contains invalid value: " + msg + " for key " + k)
			}
		}
	}
	if values != nil {
		if len(valueExprs) == 0 {
			msg := "ExpressionAttributeValues can only be specified when using expressions"
			if len(allValueExprs) > 0 {
				verb := "is"
				if len(allValueExprs) > 1 {
					verb = "are"
				}
				msg += ": " + strings.Join(allValueExprs, " and ") + " " + verb + " null"
			}
			return nil, validation(msg)
		}
		if len(values) == 0 {
			return nil, validation("ExpressionAttributeValues must not be empty")
		}
		for _, k := range attr.SortedKeys(values) {
			if len(k) > maxPlaceholderBytes {
				// DynamoDB gives no size here, unlike for a name.
				return nil, validation("ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;")
			}
			if !validPlaceholder(k, ':') {
				return nil, validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
		for _, k := range attr.SortedKeys(values) {
			if msg := values[k].Invalid(); msg != "" {
				return nil, validation("ExpressionAttributeValues contains invalid value: " + msg + " for key " + k)
			}
		}
	}
	return expr.NewParams(names, values), nil
}

func parseCond(kind string, src *string, p *expr.Params) (*expr.Cond, error) {
	if src == nil {
		return nil, nil
	}
	c, err := expr.ParseCondition(*src, p)
	if err != nil {
		msg := err.Error()
		// DynamoDB gives an oversized filter's or condition's size, and
		// no other expression's.
		var xe *expr.Error
		if errors.As(err, &xe) && xe.Size > 0 && kind != "KeyConditionExpression" {
			msg += " expression size: " + strconv.Itoa(xe.Size)
		}
		return nil, validation("Invalid " + kind + ": " + msg)
	}
	return c, nil
}

func parseProjection(src *string, p *expr.Params) ([]expr.Path, error) {
	if src == nil {
		return nil, nil
	}
	paths, err := expr.ParseProjection(*src, p)
	if err != nil {
		return nil, validation("Invalid ProjectionExpression: " + err.Error())
	}
	return paths, nil
}

func checkUnused(p *expr.Params) error {
	if msg := p.Unused(); msg != "" {
		return validation(msg)
	}
	return nil
}

// set reports whether an optional string parameter was given.
func set(p *string) bool { return p != nil }

// present lists the names whose flag is set, in the given order.
func present(pairs ...any) []string {
	var out []string
	for i := 0; i < len(pairs); i += 2 {
		if pairs[i+1].(bool) {
			out = append(out, pairs[i].(string))
		}
	}
	return out
}

// condInput is what single-item writes share: the condition (as an
// expression or the legacy Expected) and the return options.
type condInput struct {
	ConditionExpression                 *string                 `json:"ConditionExpression"`
	ExpressionAttributeNames            map[string]string       `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues           map[string]attr.Value   `json:"ExpressionAttributeValues"`
	Expected                            map[string]expectedAttr `json:"Expected"`
	ConditionalOperator                 *string                 `json:"ConditionalOperator"`
	ReturnValues                        *string                 `json:"ReturnValues"`
	ReturnValuesOnConditionCheckFailure *string                 `json:"ReturnValuesOnConditionCheckFailure"`
	ReturnConsumedCapacity              *string                 `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics         *string                 `json:"ReturnItemCollectionMetrics"`
}

// legacyCondition is the condition of Expected; checkConditionalOperator
// has checked its ConditionalOperator.
func (c *condInput) legacyCondition() (*expr.Cond, error) {
	if c.Expected == nil {
		return nil, nil
	}
	return expectedCondition(c.Expected, c.ConditionalOperator)
}
