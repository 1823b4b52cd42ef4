package kinesis

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf16"
)

// Kinesis's tag rules: keys of 1–128 and values of 0–256 characters, at
// most 200 tags per call that takes tags (the API model's bound for
// CreateStream, AddTagsToStream, TagResource and RegisterStreamConsumer;
// more than 50 then exceeds the resource's own) and 50 per resource. Sizes are
// ValidationExceptions; the alphabet and the per-stream count are checked
// once the stream is found, as InvalidArgumentExceptions.
const (
	maxTagsPerCall = 200
	maxStreamTags  = 50
)

// tagMap validates a Tags member: its entry count, then its keys' and its
// values' lengths, each reported once for the whole map as Kinesis does.
func (v *validation) tagMap(tags map[string]string, field string, min, max int) {
	v.count(len(tags), func() string { return renderMap(tags) }, field, min, max)
	keysOK, valuesOK := true, true
	for k, val := range tags {
		keysOK = keysOK && between(javaLen(k), 1, 128)
		valuesOK = valuesOK && between(javaLen(val), 0, 256)
	}
	if !keysOK {
		v.add(renderMap(tags), field, "Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
	}
	if !valuesOK {
		v.add(renderMap(tags), field, "Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]")
	}
}

// tooManyTags refuses tags past a resource's 50, in the words Kinesis
// answers AddTagsToStream and TagResource with ("Failed to add tags to
// stream s ... cannot have more than 50 tags ..."); CreateStream's and
// RegisterStreamConsumer's are worded the same way, with their action.
func tooManyTags(action, kind, name, account string) *apiError {
	return clientErr("InvalidArgumentException", "Failed to %s %s %s under account %s because a given %s cannot have more than %d tags associated with it.", action, kind, name, account, kind, maxStreamTags)
}

// tagKeys validates RemoveTagsFromStream's TagKeys.
func (v *validation) tagKeys(keys []string, field string) {
	render := func() string { return "[" + strings.Join(keys, ", ") + "]" }
	v.count(len(keys), render, field, 1, maxStreamTags)
	for _, k := range keys {
		if !between(javaLen(k), 1, 128) {
			v.add(render(), field, "Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]")
			return
		}
	}
}

func between(n, min, max int) bool { return n >= min && n <= max }

// javaLen is a string's length as Java counts it, in UTF-16 code units.
func javaLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// renderMap renders a map as Java's toString would ({k=v, k2=v2}), in key
// order so that messages are stable.
func renderMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + "=" + m[k])
	}
	b.WriteByte('}')
	return b.String()
}

// checkTags applies the tag alphabet to the keys and values of tags.
func checkTags(tags map[string]string, action, stream, account string) *apiError {
	texts := make([]string, 0, 2*len(tags))
	for k, val := range tags {
		texts = append(texts, k, val)
	}
	return checkTagChars(texts, action, stream, account)
}

// checkTagChars applies Kinesis's tag alphabet: Unicode letters, digits,
// white space and _ . / = + - % @ — so no ':' (which also refuses the
// reserved "aws:" prefix) and no control characters, tabs and newlines
// included — and, as the service does, refuses '%' with a message of its
// own even though it is listed.
func checkTagChars(texts []string, action, stream, account string) *apiError {
	for _, t := range texts {
		for _, r := range t {
			if !tagRune(r) {
				return clientErr("InvalidArgumentException", "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - %% @.")
			}
		}
	}
	for _, t := range texts {
		if strings.ContainsRune(t, '%') {
			return clientErr("InvalidArgumentException", "Failed to %s stream %s under account %s because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.", action, stream, account)
		}
	}
	return nil
}

func tagRune(r rune) bool {
	if unicode.IsControl(r) {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune("_./=+-%@", r)
}
