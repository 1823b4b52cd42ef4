package view

import (
	"fmt"
	"strings"

	"github.com/spk-cli/spk/stream/bucket"
)

// AllGroup is the group key of a view without group fields: DynamoDB keys
// cannot be empty, so its single group needs a name.
const AllGroup = "*"

// GroupKey returns the range key of ev's row. A value's canonical text is
// used (see Value.Canonical), so a number and a string written alike (200
// and "200") share a group, as they would on screen.
//
//   - no fields: AllGroup;
//   - one field: the value's text, unchanged (the tutorial's EventType);
//   - more: the values joined by |, each with \ and | escaped by a \.
//
// A missing field, an empty single value or a key longer than
// bucket.MaxGroupBytes is a *bucket.RejectError (bucket.MissingGroup).
func (v *View) GroupKey(ev Event) (string, error) {
	if len(v.groupBy) == 0 {
		return AllGroup, nil
	}
	if len(v.groupBy) == 1 {
		// The common case, without allocating: the value's text is the key.
		val, ok := ev.Get(v.groupBy[0])
		if !ok {
			return "", &bucket.RejectError{Reason: bucket.MissingGroup, Detail: fmt.Sprintf("view %q: field %q is missing or not a string, number or boolean", v.def.Name, v.groupBy[0])}
		}
		text := val.Canonical()
		if text == "" {
			return "", &bucket.RejectError{Reason: bucket.MissingGroup, Detail: fmt.Sprintf("view %q: field %q is empty", v.def.Name, v.groupBy[0])}
		}
		if len(text) > bucket.MaxGroupBytes {
			return "", &bucket.RejectError{Reason: bucket.MissingGroup, Detail: fmt.Sprintf("view %q: group key is %d bytes, limit %d", v.def.Name, len(text), bucket.MaxGroupBytes)}
		}
		return text, nil
	}
	texts := make([]string, len(v.groupBy))
	for i, p := range v.groupBy {
		val, ok := ev.Get(p)
		if !ok {
			return "", &bucket.RejectError{Reason: bucket.MissingGroup, Detail: fmt.Sprintf("view %q: field %q is missing or not a string, number or boolean", v.def.Name, p)}
		}
		texts[i] = val.Canonical()
	}
	if len(texts) == 1 && texts[0] == "" {
		return "", &bucket.RejectError{Reason: bucket.MissingGroup, Detail: fmt.Sprintf("view %q: field %q is empty", v.def.Name, v.groupBy[0])}
	}
	key := EncodeGroup(texts)
	if len(key) > bucket.MaxGroupBytes {
		return "", &bucket.RejectError{Reason: bucket.MissingGroup, Detail: fmt.Sprintf("view %q: group key is %d bytes, limit %d", v.def.Name, len(key), bucket.MaxGroupBytes)}
	}
	return key, nil
}

// EncodeGroup writes group values as a range key, as GroupKey does.
func EncodeGroup(texts []string) string {
	switch len(texts) {
	case 0:
		return AllGroup
	case 1:
		return texts[0]
	}
	var b strings.Builder
	for i, t := range texts {
		if i > 0 {
			b.WriteByte('|')
		}
		for j := 0; j < len(t); j++ {
			if t[j] == '\\' || t[j] == '|' {
				b.WriteByte('\\')
			}
			b.WriteByte(t[j])
		}
	}
	return b.String()
}

// DecodeGroup splits a range key written by EncodeGroup for n fields back
// into the values' texts.
func DecodeGroup(key string, n int) ([]string, error) {
	switch n {
	case 0:
		if key != AllGroup {
			return nil, fmt.Errorf("group key %q: a view without group fields has only the group %q", key, AllGroup)
		}
		return []string{}, nil
	case 1:
		return []string{key}, nil
	}
	out := make([]string, 0, n)
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		switch c := key[i]; c {
		case '\\':
			if i+1 == len(key) || (key[i+1] != '\\' && key[i+1] != '|') {
				return nil, fmt.Errorf("group key %q: stray \\ at byte %d", key, i)
			}
			i++
			b.WriteByte(key[i])
		case '|':
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	out = append(out, b.String())
	if len(out) != n {
		return nil, fmt.Errorf("group key %q has %d values, want %d", key, len(out), n)
	}
	return out, nil
}

// Group decodes a row's range key into the values of the view's group
// fields, in GroupBy order.
func (v *View) Group(key string) ([]string, error) { return DecodeGroup(key, len(v.groupBy)) }
