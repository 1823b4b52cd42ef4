package dynamodb

import (
	"slices"
	"strconv"
	"strings"
)

// The four Kinesis streaming destination operations. Their TableName may
// also be the table's ARN, so it is checked only for length (1 to 1024), as
// the other operations that take a table ARN are.

type precisionConfig struct {
	ApproximateCreationDateTimePrecision *string `json:"ApproximateCreationDateTimePrecision"`
}

type kinesisDestInput struct {
	TableName                           *string          `json:"TableName"`
	StreamArn                           *string          `json:"StreamArn"`
	EnableKinesisStreamingConfiguration *precisionConfig `json:"EnableKinesisStreamingConfiguration"`
	UpdateKinesisStreamingConfiguration *precisionConfig `json:"UpdateKinesisStreamingConfiguration"`
}

// validate checks the members in the order of the API model; field is the
// configuration member that applies to the operation ("" for none).
func (in *kinesisDestInput) validate(withStream bool, field string, cfg *precisionConfig) error {
	var errs []string
	errs = lengthErrors(errs, in.TableName, "tableName", 1, 1024)
	if withStream {
		errs = lengthErrors(errs, in.StreamArn, "streamArn", 37, 1024)
	}
	if cfg != nil && cfg.ApproximateCreationDateTimePrecision != nil {
		if p := *cfg.ApproximateCreationDateTimePrecision; p != precisionMilli && p != precisionMicro {
			errs = append(errs, "Value '"+p+"' at '"+field+".approximateCreationDateTimePrecision' failed to satisfy constraint: Member must satisfy enum value set: [MILLISECOND, MICROSECOND]")
		}
	}
	return validationErrors(errs)
}

// lengthErrors adds Coral's messages for a required string member.
func lengthErrors(errs []string, v *string, field string, lo, hi int) []string {
	switch {
	case v == nil:
		return append(errs, "Value null at '"+field+"' failed to satisfy constraint: Member must not be null")
	case len(*v) < lo:
		return append(errs, "Value '"+*v+"' at '"+field+"' failed to satisfy constraint: Member must have length greater than or equal to "+strconv.Itoa(lo))
	case len(*v) > hi:
		return append(errs, "Value '"+*v+"' at '"+field+"' failed to satisfy constraint: Member must have length less than or equal to "+strconv.Itoa(hi))
	}
	return errs
}

// destTable finds the table a destination request names, by name or ARN.
// A table still CREATING is not found yet, as on DynamoDB.
func (s *Service) destTable(ref string) (t *table, name, id, status string, err error) {
	name = ref
	if rest, ok := strings.CutPrefix(ref, s.tableArn("")); ok && rest != "" {
		name = rest
	}
	s.mu.RLock()
	t, ok := s.tables[name]
	if ok {
		id, status = t.meta.TableID, t.meta.TableStatus
	}
	s.mu.RUnlock()
	if !ok || status == "CREATING" {
		return nil, "", "", "", notFound("Requested resource not found: Table: " + name + " not found")
	}
	return t, name, id, status, nil
}

// destCall is a destination request decoded, validated and matched to its
// table.
type destCall struct {
	in               kinesisDestInput
	cfg              *precisionConfig // the operation's configuration member
	t                *table
	name, id, status string
}

// openDestCall decodes and validates a destination request and finds its
// table. field names the operation's configuration member; "" is
// DescribeKinesisStreamingDestination, which takes neither that nor a
// stream ARN.
func (s *Service) openDestCall(body []byte, field string) (*destCall, error) {
	c := &destCall{}
	if err := decode(body, &c.in); err != nil {
		return nil, err
	}
	switch field {
	case "enableKinesisStreamingConfiguration":
		c.cfg = c.in.EnableKinesisStreamingConfiguration
	case "updateKinesisStreamingConfiguration":
		c.cfg = c.in.UpdateKinesisStreamingConfiguration
	}
	if err := c.in.validate(field != "", field, c.cfg); err != nil {
		return nil, err
	}
	var err error
	if c.t, c.name, c.id, c.status, err = s.destTable(*c.in.TableName); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Service) enableKinesisStreamingDestination(body []byte) (any, error) {
	c, err := s.openDestCall(body, "enableKinesisStreamingConfiguration")
	if err != nil {
		return nil, err
	}
	t, name, id, status, cfg := c.t, c.name, c.id, c.status, c.cfg
	arn := *c.in.StreamArn
	d, err := s.changeDests(t, name, id, arn, func(cur *kinesisDests) (*kinesisDests, error) {
		if status == "DELETING" || slices.ContainsFunc(cur.List, kinesisDest.live) {
			return nil, validation(msgEnableState)
		}
		next := cur.clone()
		if i := next.find(arn); i >= 0 {
			next.List = append(next.List[:i], next.List[i+1:]...)
		}
		d := kinesisDest{StreamArn: arn, Status: destEnabling}
		if cfg != nil && cfg.ApproximateCreationDateTimePrecision != nil {
			d.Precision = *cfg.ApproximateCreationDateTimePrecision
		}
		next.List = append([]kinesisDest{d}, next.List...)
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	echo := map[string]any{}
	if d.Precision != "" {
		echo["ApproximateCreationDateTimePrecision"] = d.Precision
	}
	return map[string]any{"TableName": name, "StreamArn": arn, "DestinationStatus": d.Status,
		"EnableKinesisStreamingConfiguration": echo}, nil
}

func (s *Service) disableKinesisStreamingDestination(body []byte) (any, error) {
	c, err := s.openDestCall(body, "enableKinesisStreamingConfiguration")
	if err != nil {
		return nil, err
	}
	if c.cfg != nil {
		return nil, validation(msgDisableConfig)
	}
	t, name, id, status := c.t, c.name, c.id, c.status
	arn := *c.in.StreamArn
	d, err := s.changeDests(t, name, id, arn, func(cur *kinesisDests) (*kinesisDests, error) {
		i := cur.find(arn)
		if status == "DELETING" || i < 0 || cur.List[i].Status != destActive && cur.List[i].Status != destDisabling {
			return nil, validation(msgDisableState)
		}
		next := cur.clone()
		next.List[i].Status = destDisabling
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"TableName": name, "StreamArn": arn, "DestinationStatus": d.Status}, nil
}

func (s *Service) updateKinesisStreamingDestination(body []byte) (any, error) {
	c, err := s.openDestCall(body, "updateKinesisStreamingConfiguration")
	if err != nil {
		return nil, err
	}
	if c.cfg == nil || c.cfg.ApproximateCreationDateTimePrecision == nil {
		return nil, validation(msgUpdateConfig)
	}
	t, name, id := c.t, c.name, c.id
	arn, want := *c.in.StreamArn, *c.cfg.ApproximateCreationDateTimePrecision
	d, err := s.changeDests(t, name, id, arn, func(cur *kinesisDests) (*kinesisDests, error) {
		i := cur.find(arn)
		switch {
		case i < 0:
			return nil, validation(msgDestState + "No streaming destination with streamArn: " + arn)
		case cur.List[i].Status != destActive:
			return nil, validation(msgDestState + "Kinesis streaming is not in ACTIVE state. Updates are only allowed in ACTIVE state. TableName: " + name + ", kdsArn: " + arn)
		case cur.List[i].precision() == want:
			return nil, validation("Invalid Request: Precision is already set to the desired value of " + want + " for tableId: " + id + ", kdsArn: " + arn)
		}
		next := cur.clone()
		next.List[i].Status, next.List[i].Precision = destUpdating, want
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"TableName": name, "StreamArn": arn, "DestinationStatus": d.Status,
		"UpdateKinesisStreamingConfiguration": map[string]any{"ApproximateCreationDateTimePrecision": want}}, nil
}

func (s *Service) describeKinesisStreamingDestination(body []byte) (any, error) {
	c, err := s.openDestCall(body, "")
	if err != nil {
		return nil, err
	}
	t, name := c.t, c.name
	list := []map[string]any{}
	if cur := t.kdests.Load(); cur != nil {
		for _, d := range cur.List {
			e := map[string]any{"StreamArn": d.StreamArn, "DestinationStatus": d.Status}
			if d.Description != "" {
				e["DestinationStatusDescription"] = d.Description
			}
			if d.Precision != "" {
				e["ApproximateCreationDateTimePrecision"] = d.Precision
			}
			list = append(list, e)
		}
	}
	return map[string]any{"TableName": name, "KinesisDataStreamDestinations": list}, nil
}
