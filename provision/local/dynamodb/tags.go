package dynamodb

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/spk-cli/spk/provision/local/store"
)

type tagResourceInput struct {
	ResourceArn *string    `json:"ResourceArn"`
	Tags        []tagInput `json:"Tags"`
	TagKeys     []string   `json:"TagKeys"`
	NextToken   *string    `json:"NextToken"`
}

// tagInput is a tag as a request gives it: a member may be missing.
type tagInput struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value"`
}

// Tag rules, as DynamoDB answers them (the tag service's own messages,
// not the member constraints'): keys of 1–128 and values of up to 256
// letters, digits, spaces and _ . : / = + - @; no key prefixed aws: in any
// case; no key twice; 50 tags a table.
const (
	maxTagSetSize = 10240 // bytes of keys and values together
	maxTags       = 50
	msgTagMax     = "Number of Tags exceed the current limit for the provided ResourceArn"
)

// tagSetSize is a table's tags' size as the limit counts it: the bytes of
// their keys and values.
func tagSetSize(tags []tag) int {
	n := 0
	for _, t := range tags {
		n += len(t.Key) + len(t.Value)
	}
	return n
}

// tagText reports whether s holds only the characters a tag may hold.
func tagText(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Zs, r) && !strings.ContainsRune("_.:/=+-@", r) {
			return false
		}
	}
	return true
}

func nullOr(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

// checkTagKey applies the key rules.
func checkTagKey(k *string) error {
	switch {
	case k != nil && len(*k) >= 4 && strings.EqualFold((*k)[:4], "aws:"):
		return validation("Tag Key cannot be prefixed with aws:, Key: " + *k)
	case k == nil || *k == "" || utf8.RuneCountInString(*k) > 128 || !tagText(*k):
		return validation("The Tag Key provided is invalid, Key: " + nullOr(k))
	}
	return nil
}

// validateTags checks the tags a request adds and returns them.
func validateTags(in []tagInput) ([]tag, error) {
	out := make([]tag, 0, len(in))
	seen := map[string]bool{}
	for _, t := range in {
		if err := checkTagKey(t.Key); err != nil {
			return nil, err
		}
		if t.Value == nil || utf8.RuneCountInString(*t.Value) > 256 || !tagText(*t.Value) {
			return nil, validation("The Tag Value provided is invalid, Value: " + nullOr(t.Value))
		}
		if seen[*t.Key] {
			return nil, validation("Duplicate Tag Keys provided as input: Duplicate Tag Key found " + *t.Key)
		}
		seen[*t.Key] = true
		out = append(out, tag{*t.Key, *t.Value})
	}
	if len(out) > maxTags {
		return nil, validation(msgTagMax)
	}
	return out, nil
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

// streamOfTable reports an ARN of a stream of an existing table: DynamoDB
// lists no tags for it and tags nothing when asked to. The caller holds
// s.mu.
func (s *Service) streamOfTable(arn *string) bool {
	if arn == nil {
		return false
	}
	table, _, ok := strings.Cut(*arn, "/stream/")
	if !ok {
		return false
	}
	for _, t := range s.tables {
		if t.meta.TableArn == table {
			return true
		}
	}
	return false
}

// tableByArn finds a table by ARN, a table being deleted too (its tags
// are still read then, not changed); the caller holds s.mu.
func (s *Service) tableByArn(arn *string) (*table, error) {
	if arn == nil {
		return nil, validation("1 validation error detected: Value null at 'resourceArn' failed to satisfy constraint: Member must not be null")
	}
	for _, t := range s.tables {
		if t.meta.TableArn == *arn {
			return t, nil
		}
	}
	const invalid = "One or more parameter values were invalid: "
	parts := strings.SplitN(*arn, ":", 6)
	switch {
	case !strings.HasPrefix(*arn, "arn:"):
		return nil, validation(invalid + "ARNs must start with 'arn:': " + *arn)
	case len(parts) < 6 || parts[2] != "dynamodb" || strings.Contains(parts[5], "/backup/"):
		return nil, validation(invalid + "Provided Arn is not a DynamoDB resource arn: " + *arn)
	case parts[3] != s.env.Region:
		return nil, validation("Invalid TableArn: Invalid ResourceArn provided as input " + *arn)
	case parts[4] != s.env.AccountID:
		return nil, &apiError{Type: "AccessDeniedException", Msg: "Access is denied"}
	case strings.Contains(parts[5], "/index/"):
		return nil, validation(invalid + "Invalid resource arn provided, only table or stream is accepted. Provided resource arn: " + *arn)
	}
	return nil, notFound("Requested resource not found: ResourceArn: " + *arn + " not found")
}

func (s *Service) changeTags(body []byte, add bool) (any, error) {
	var in tagResourceInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.notNull("resourceArn", in.ResourceArn != nil)
	if add {
		c.notNull("tags", in.Tags != nil)
	} else {
		c.notNull("tagKeys", in.TagKeys != nil)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	var tags []tag
	if add {
		if len(in.Tags) == 0 {
			return nil, validation("Atleast one Tag needs to be provided as Input.")
		}
		var err error
		if tags, err = validateTags(in.Tags); err != nil {
			return nil, err
		}
	} else {
		if len(in.TagKeys) == 0 {
			return nil, validation("Atleast one Tag Key needs to be provided as Input.")
		}
		for _, k := range in.TagKeys {
			if err := checkTagKey(&k); err != nil {
				return nil, err
			}
		}
		if len(in.TagKeys) > maxTags {
			return nil, validation(msgTagMax)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streamOfTable(in.ResourceArn) {
		return map[string]any{}, nil
	}
	t, err := s.tableByArn(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	switch t.meta.TableStatus {
	case "CREATING":
		return nil, stillInUse("Table is being created: " + t.meta.TableName)
	case "DELETING":
		return nil, stillInUse("Table is being deleted: " + t.meta.TableName)
	}
	m := t.meta
	if add {
		m.Tags = mergeTags(m.Tags, tags)
		if len(m.Tags) > maxTags {
			return nil, validation(msgTagMax)
		}
		if size := tagSetSize(m.Tags); size > maxTagSetSize {
			return nil, validation(fmt.Sprintf("Tag set size %d bytes is above max size limit of %d bytes", size, maxTagSetSize))
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
	if s.streamOfTable(in.ResourceArn) {
		return map[string]any{"Tags": []tag{}}, nil
	}
	t, err := s.tableByArn(in.ResourceArn)
	if err != nil {
		return nil, err
	}
	tags := t.meta.Tags
	if t.meta.TableStatus == "CREATING" {
		// The tags CreateTable was given are read once the table is ACTIVE.
		tags = nil
	}
	if tags == nil {
		tags = []tag{}
	}
	return map[string]any{"Tags": tags}, nil
}
