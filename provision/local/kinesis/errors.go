package kinesis

import (
	"fmt"
	"math"
	"net/http"
	"strings"
)

// apiError is an error answered to the client as AWS would.
type apiError struct {
	Status  int
	Type    string
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func clientErr(typ, format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Type: typ, Message: fmt.Sprintf(format, args...)}
}

func internalFailure() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Type: "InternalFailure", Message: "Internal Service Failure"}
}

func (s *Service) streamNotFound(name string) *apiError {
	return clientErr("ResourceNotFoundException", "Stream %s under account %s not found.", name, s.env.AccountID)
}

func (s *Service) streamNotActive(name, status string) *apiError {
	return clientErr("ResourceInUseException", "Stream %s under account %s not ACTIVE, instead in state %s", name, s.env.AccountID, status)
}

func (s *Service) shardNotFound(shard, stream string) *apiError {
	return clientErr("ResourceNotFoundException", "Could not find shard %s in stream %s under account %s.", shard, stream, s.env.AccountID)
}

func (s *Service) shardDoesNotExist(shard, stream string) *apiError {
	return clientErr("ResourceNotFoundException", "Shard %s in stream %s under account %s does not exist", shard, stream, s.env.AccountID)
}

// validation collects constraint violations in AWS's
// "N validation errors detected: Value 'v' at 'field' failed to satisfy constraint: …" form.
type validation []string

func (v *validation) add(value any, field, constraint string) {
	if len(*v) >= 10 {
		return
	}
	val := "null"
	if value != nil {
		val = fmt.Sprintf("'%v'", value)
	}
	*v = append(*v, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", val, field, constraint))
}

func (v validation) err() *apiError {
	if len(v) == 0 {
		return nil
	}
	s := "s"
	if len(v) == 1 {
		s = ""
	}
	return clientErr("ValidationException", "%d validation error%s detected: %s", len(v), s, strings.Join(v, "; "))
}

func (v *validation) notNull(present bool, field string) {
	if !present {
		v.add(nil, field, "Member must not be null")
	}
}

// length checks a string's length as Java counts it (UTF-16 code units).
func (v *validation) length(val string, field string, min, max int) {
	n := javaLen(val)
	if n < min {
		v.add(val, field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if n > max {
		v.add(val, field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// intRange checks an Integer member. Kinesis reads a number too large for
// Java's int as its maximum, so the value is capped first, in place.
func (v *validation) intRange(val *int64, field string, min, max int64) {
	if val == nil {
		return
	}
	*val = min64(*val, math.MaxInt32)
	if *val < min {
		v.add(*val, field, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	}
	if *val > max {
		v.add(*val, field, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

func (v *validation) pattern(val, field, pattern string, ok bool) {
	if !ok {
		v.add(val, field, "Member must satisfy regular expression pattern: "+pattern)
	}
}

func (v *validation) enum(val, field string, allowed ...string) {
	for _, a := range allowed {
		if val == a {
			return
		}
	}
	v.add(val, field, "Member must satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

const streamNamePattern = "[a-zA-Z0-9_.-]+"

func isStreamName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// isDecimal reports whether s matches 0|([1-9]\d{0,max-1}).
func isDecimal(s string, maxDigits int) bool {
	if s == "0" {
		return true
	}
	if s == "" || len(s) > maxDigits || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Kinesis checks a member's constraints in this order: not null, pattern,
// minimum length, maximum length (an empty name so fails both the pattern
// and the minimum length). The members themselves are checked in the order
// Kinesis reports them, which is neither alphabetical nor the order of the
// API reference: each operation lists them in that order (as recorded by
// kinesalite against the real service).

// streamName validates a stream name field (with its usual constraints).
func (v *validation) streamName(name string, field string) {
	v.pattern(name, field, streamNamePattern, isStreamName(name))
	v.length(name, field, 1, 128)
}

// optStreamName validates an optional stream name member.
func (v *validation) optStreamName(name *string, field string) {
	if name != nil {
		v.streamName(*name, field)
	}
}

// shardID validates a shard id member, which has the stream name's
// constraints; required members must be present.
func (v *validation) shardID(id *string, field string, required bool) {
	if id == nil {
		if required {
			v.notNull(false, field)
		}
		return
	}
	v.streamName(*id, field)
}

const streamARNPattern = "arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+"

// streamARN validates a StreamARN member.
// member validates a string member: not null when required, then its
// pattern, then its lengths, the order in which Kinesis reports them (so
// an empty value fails both the pattern and the minimum length).
func (v *validation) member(val *string, field string, required bool, min, max int, pattern string, ok func(string) bool) {
	if val == nil {
		if required {
			v.notNull(false, field)
		}
		return
	}
	v.pattern(*val, field, pattern, ok(*val))
	v.length(*val, field, min, max)
}

func (v *validation) streamARN(arn *string) {
	if arn == nil {
		return
	}
	_, ok := parseStreamARN(*arn)
	v.pattern(*arn, "streamARN", streamARNPattern, ok)
	v.length(*arn, "streamARN", 1, 2048)
}

// optLength validates the length of an optional string member.
func (v *validation) optLength(val *string, field string, min, max int) {
	if val != nil {
		v.length(*val, field, min, max)
	}
}

// decimal validates an optional member with pattern 0|([1-9]\d{0,digits-1}).
func (v *validation) decimal(val *string, field string, digits int) {
	if val != nil {
		v.pattern(*val, field, fmt.Sprintf("0|([1-9]\\d{0,%d})", digits-1), isDecimal(*val, digits))
	}
}

// count validates the number of entries of a list or map member, whose
// value Kinesis renders as Java would.
func (v *validation) count(n int, rendered func() string, field string, min, max int) {
	if n < min {
		v.add(rendered(), field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if n > max {
		v.add(rendered(), field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}
