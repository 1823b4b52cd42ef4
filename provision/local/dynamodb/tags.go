package dynamodb

import (
	"sort"

	"github.com/spk-cli/spk/provision/local/store"
)

type tagResourceInput struct {
	ResourceArn *string  `json:"ResourceArn"`
	Tags        []tag    `json:"Tags"`
	TagKeys     []string `json:"TagKeys"`
	NextToken   *string  `json:"NextToken"`
}

func validateTags(tags []tag) error {
	for _, t := range tags {
		if len(t.Key) < 1 || len(t.Key) > 128 {
			return validation("1 validation error detected: Value '" + t.Key + "' at 'tags.member.key' failed to satisfy constraint: Member must have length between 1 and 128")
		}
		if len(t.Value) > 256 {
			return validation("1 validation error detected: Value at 'tags.member.value' failed to satisfy constraint: Member must have length less than or equal to 256")
		}
	}
	return nil
}

// mergeTags returns a new tag list: old with tags added or replaced, sorted
// by key.
func mergeTags(old, add []tag) []tag {
	m := map[string]string{}
	for _, t := range old {
		m[t.Key] = t.Value
	}
	for _, t := range add {
		m[t.Key] = t.Value
	}
	out := make([]tag, 0, len(m))
	for k, v := range m {
		out = append(out, tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// tableByArn finds a table by ARN; the caller holds s.mu.
func (s *Service) tableByArn(arn *string) (*table, error) {
	if arn == nil {
		return nil, validation("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	for _, t := range s.tables {
		if t.meta.TableArn == *arn && t.meta.TableStatus != "DELETING" {
			return t, nil
		}
	}
	if len(*arn) < 4 || (*arn)[:4] != "arn:" {
		return nil, validation("Invalid TableArn: Invalid ResourceArn provided as input " + *arn)
	}
	return nil, notFound("Requested resource not found: ResourcArn: " + *arn + " not found")
}

func (s *Service) changeTags(body []byte, add bool) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.notNull("resourceArn", in.ResourceArn != nil)
	if add {
		c.notNull("tags", len(in.Tags) > 0)
	} else {
		c.notNull("tagKeys", in.TagKeys != nil)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if add {
		if err := validateTags(in.Tags); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tableByArn(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	m := t.meta
	if add {
		m.Tags = mergeTags(m.Tags, in.Tags)
		if len(m.Tags) > 50 {
			return nil, validation("One or more parameter values were invalid: The number of tags exceeds the limit of 50")
		}
	} else {
		drop := map[string]bool{}
		for _, k := range in.TagKeys {
			drop[k] = true
		}
		var kept []tag
		for _, tg := range m.Tags {
			if !drop[tg.Key] {
				kept = append(kept, tg)
			}
		}
		m.Tags = kept
	}
	if err := s.env.DB.Update(func(tx *store.Tx) error { return s.saveMeta(tx, &m) }); err != nil {
		return nil, err
	}
	t.meta = m
	return map[string]any{}, nil
}

func (s *Service) tagResource(body []byte) (any, error)   { return s.changeTags(body, true) }
func (s *Service) untagResource(body []byte) (any, error) { return s.changeTags(body, false) }

func (s *Service) listTagsOfResource(body []byte) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.tableByArn(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := t.meta.Tags
	if tags == nil {
		tags = []tag{}
	}
	return map[string]any{"Tags": tags}, nil
}
