package dynamodb

import (
	"encoding/json"
	"fmt"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// maxPage is DynamoDB's 1 MB of data read per Query or Scan page.
const maxPage = 1 << 20

type readInput struct {
	TableName                 *string                    `json:"TableName"`
	IndexName                 *string                    `json:"IndexName"`
	Select                    *string                    `json:"Select"`
	AttributesToGet           []string                   `json:"AttributesToGet"`
	Limit                     *int                       `json:"Limit"`
	ConsistentRead            *bool                      `json:"ConsistentRead"`
	ConditionalOperator       *string                    `json:"ConditionalOperator"`
	ExclusiveStartKey         attr.Item                  `json:"ExclusiveStartKey"`
	ReturnConsumedCapacity    *string                    `json:"ReturnConsumedCapacity"`
	ProjectionExpression      *string                    `json:"ProjectionExpression"`
	FilterExpression          *string                    `json:"FilterExpression"`
	ExpressionAttributeNames  map[string]string          `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues map[string]attr.Value      `json:"ExpressionAttributeValues"`
	KeyConditionExpression    *string                    `json:"KeyConditionExpression"`
	KeyConditions             map[string]filterCondition `json:"KeyConditions"`
	QueryFilter               map[string]filterCondition `json:"QueryFilter"`
	ScanFilter                map[string]filterCondition `json:"ScanFilter"`
	ScanIndexForward          *bool                      `json:"ScanIndexForward"`
	Segment                   *int                       `json:"Segment"`
	TotalSegments             *int                       `json:"TotalSegments"`
}

func (s *Service) read(body []byte, isQuery bool) (any, error) {
	var in readInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	p, err := s.prepareRead(&in, isQuery)
	if err != nil {
		return nil, err
	}
	var r *readResult
	err = s.env.DB.View(func(tx *store.Tx) error {
		r, err = p.run(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The items were encoded after room left for this prefix, which is
	// only known now: writing it in place saves copying the page.
	prefix := fmt.Appendf(make([]byte, 0, pageHeadroom), `{"Count":%d,"ScannedCount":%d`, len(r.items)+r.rawCount, r.scanned)
	var b []byte
	if p.count {
		b = prefix
	} else {
		prefix = append(prefix, `,"Items":[`...)
		if r.raw != nil {
			start := pageHeadroom - len(prefix)
			copy(r.raw[start:], prefix)
			b = r.raw[start:]
		} else {
			b = prefix
		}
		for i, it := range r.items {
			if i > 0 || r.rawCount > 0 {
				b = append(b, ',')
			}
			b = attr.AppendItemJSON(b, it)
		}
		b = append(b, ']')
	}
	if r.last != nil {
		b = append(b, `,"LastEvaluatedKey":`...)
		b = attr.AppendItemJSON(b, r.last)
	}
	if cc := p.readCapacity(readUnitsOf(r.size, p.consistent)); cc != nil {
		b = append(b, `,"ConsumedCapacity":`...)
		cb, _ := json.Marshal(cc)
		b = append(b, cb...)
	}
	return rawJSON(append(b, '}')), nil
}

// readCapacity is a page's ConsumedCapacity: a read of an index consumes
// the index's capacity, not the table's.
func (p *readPlan) readCapacity(units float64) map[string]any {
	if p.index == nil || p.capacityRC == nil || *p.capacityRC != "INDEXES" {
		return capacity(p.capacityRC, p.table, units)
	}
	group := "LocalSecondaryIndexes"
	if isGSI(&p.m, p.index.IndexName) {
		group = "GlobalSecondaryIndexes"
	}
	return map[string]any{"TableName": p.table, "CapacityUnits": units, "Table": map[string]any{"CapacityUnits": 0},
		group: map[string]any{p.index.IndexName: map[string]any{"CapacityUnits": units}}}
}

func (s *Service) query(body []byte) (any, error) { return s.read(body, true) }
func (s *Service) scan(body []byte) (any, error)  { return s.read(body, false) }
