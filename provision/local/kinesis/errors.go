package kinesis

import (
	"fmt"
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

func (v *validation) length(val string, field string, min, max int) {
	if len(val) < min {
		v.add(val, field, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	}
	if len(val) > max {
		v.add(val, field, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

func (v *validation) intRange(val *int64, field string, min, max int64) {
	if val == nil {
		return
	}
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

// streamName validates a stream name field (with its usual constraints).
func (v *validation) streamName(name string, field string) {
	v.length(name, field, 1, 128)
	if name != "" {
		v.pattern(name, field, streamNamePattern, isStreamName(name))
	}
}
