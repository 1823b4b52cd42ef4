// Package accesslog reads web-server access-log lines in the Common Log
// Format and the Combined Log Format:
//
//	127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"
//
// into an Entry, which a view reads as an event (view.Event and view.Timed)
// with the fields ip, ident, user, time, request, method, path, protocol,
// status, bytes, referer and agent.
//
// The fields of a line are numbered as the formats define them: 1 ip (%h),
// 2 ident (%l), 3 user (%u), 4 time (%t), 5 request (%r), 6 status (%>s),
// 7 bytes (%b), then in the Combined format 8 referer and 9 agent. Error
// messages name fields by these numbers.
//
// Decisions, for lines as servers really write them:
//   - bytes "-" is 0: Apache's %b writes "-" when no body was sent.
//   - ident, user, referer and agent keep "-" as written: it is a value one
//     can group by (anonymous users, direct visits).
//   - the request is split into method, path and protocol when it has the
//     shape "METHOD PATH PROTOCOL" or "METHOD PATH" (HTTP/0.9); otherwise
//     ("-", or bytes a client sent that are no request at all) only request
//     is set, and method, path and protocol are missing. Such lines still
//     carry a status worth counting.
//   - quoted fields undo the escaping Apache and nginx apply: \" is a quote
//     and \\ a backslash; other escapes (\xhh) are kept as written.
//   - ip is not checked to be an address: with HostnameLookups on it is a
//     name.
//   - a line with text after the agent is refused: this package reads the
//     two standard formats, not extensions of them.
package accesslog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spk-cli/spk/stream/view"
)

// TimeLayout is how the formats write field 4, without its brackets.
const TimeLayout = "02/Jan/2006:15:04:05 -0700"

// Entry is one access-log line.
type Entry struct {
	IP, Ident, User string
	Timestamp       time.Time // in the zone the line was written in
	Request         string    // the request line as logged
	// Method, Path and Protocol split Request; they are empty when it has
	// another shape.
	Method, Path, Protocol string
	Status                 int
	Bytes                  int64
	// Combined is set when the line has the referer and agent fields.
	Combined       bool
	Referer, Agent string
}

var names = [...]string{"", "ip", "ident", "user", "time", "request", "status", "bytes", "referer", "agent"}

// Error is a line that does not parse.
type Error struct {
	Field int // 1-based, as in the package documentation; 0 for the whole line
	Msg   string
}

func (e *Error) Error() string {
	if e.Field == 0 {
		return "access log: " + e.Msg
	}
	return fmt.Sprintf("access log: field %d (%s) %s", e.Field, names[e.Field], e.Msg)
}

// clip quotes text for an error message, cut to a readable length.
func clip(s string) string {
	const max = 60
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}

type scanner struct {
	line string
	pos  int
}

func (s *scanner) space() bool {
	start := s.pos
	for s.pos < len(s.line) && (s.line[s.pos] == ' ' || s.line[s.pos] == '\t') {
		s.pos++
	}
	return s.pos > start
}

func (s *scanner) atEnd() bool { return s.pos >= len(s.line) }

// token reads up to the next space.
func (s *scanner) token() string {
	start := s.pos
	for s.pos < len(s.line) && s.line[s.pos] != ' ' && s.line[s.pos] != '\t' {
		s.pos++
	}
	return s.line[start:s.pos]
}

// quoted reads a double-quoted field.
func (s *scanner) quoted(field int) (string, error) {
	if s.line[s.pos] != '"' {
		return "", &Error{field, fmt.Sprintf("%s does not start with a double quote", clip(s.rest()))}
	}
	var b strings.Builder
	for i := s.pos + 1; i < len(s.line); i++ {
		switch c := s.line[i]; {
		case c == '\\' && i+1 < len(s.line) && (s.line[i+1] == '"' || s.line[i+1] == '\\'):
			i++
			b.WriteByte(s.line[i])
		case c == '"':
			s.pos = i + 1
			return b.String(), nil
		default:
			b.WriteByte(c)
		}
	}
	return "", &Error{field, fmt.Sprintf("%s has no closing double quote", clip(s.line[s.pos:]))}
}

func (s *scanner) rest() string { return s.line[s.pos:] }

// next moves to field, which must be there.
func (s *scanner) next(field int, first bool) error {
	if !first && !s.space() && !s.atEnd() {
		return &Error{field - 1, fmt.Sprintf("is followed by %s without a space", clip(s.rest()))}
	}
	if s.atEnd() {
		return &Error{0, fmt.Sprintf("line ends before field %d (%s)", field, names[field])}
	}
	return nil
}

// Parse reads one line in the Common or Combined Log Format. A trailing
// newline is ignored. The error is an *Error that says which field is wrong
// and why.
func Parse(line string) (Entry, error) {
	line = validUTF8(strings.TrimRight(line, "\r\n"))
	s := &scanner{line: line}
	s.space()
	var e Entry
	var err error
	for field := 1; field <= 7; field++ {
		if err := s.next(field, field == 1); err != nil {
			return Entry{}, err
		}
		switch field {
		case 1:
			e.IP = s.token()
		case 2:
			e.Ident = s.token()
		case 3:
			e.User = s.token()
		case 4:
			if e.Timestamp, err = s.time(); err != nil {
				return Entry{}, err
			}
		case 5:
			if e.Request, err = s.quoted(5); err != nil {
				return Entry{}, err
			}
			e.Method, e.Path, e.Protocol = splitRequest(e.Request)
		case 6:
			tok := s.token()
			n, ok := digits(tok, 18)
			if !ok {
				return Entry{}, &Error{6, fmt.Sprintf("%s is not a number", clip(tok))}
			}
			if n < 100 || n > 999 {
				return Entry{}, &Error{6, fmt.Sprintf("%s is not an HTTP status (100 to 999)", clip(tok))}
			}
			e.Status = int(n)
		case 7:
			tok := s.token()
			if tok != "-" {
				n, ok := digits(tok, 18)
				if !ok {
					return Entry{}, &Error{7, fmt.Sprintf("%s is not a number or -", clip(tok))}
				}
				e.Bytes = n
			}
		}
	}
	if !s.space() && !s.atEnd() {
		return Entry{}, &Error{7, fmt.Sprintf("is followed by %s without a space", clip(s.rest()))}
	}
	if s.atEnd() {
		return e, nil
	}
	e.Combined = true
	if e.Referer, err = s.quoted(8); err != nil {
		return Entry{}, err
	}
	if err := s.next(9, false); err != nil {
		return Entry{}, err
	}
	if e.Agent, err = s.quoted(9); err != nil {
		return Entry{}, err
	}
	s.space()
	if !s.atEnd() {
		return Entry{}, &Error{0, fmt.Sprintf("unexpected %s after field 9 (agent): only the Common and Combined formats are read", clip(s.rest()))}
	}
	return e, nil
}

func (s *scanner) time() (time.Time, error) {
	if s.line[s.pos] != '[' {
		return time.Time{}, &Error{4, fmt.Sprintf("%s does not start with [", clip(s.token()))}
	}
	end := strings.IndexByte(s.line[s.pos:], ']')
	if end < 0 {
		return time.Time{}, &Error{4, fmt.Sprintf("%s has no closing ]", clip(s.rest()))}
	}
	text := s.line[s.pos+1 : s.pos+end]
	s.pos += end + 1
	if len(text) != len(TimeLayout) {
		return time.Time{}, &Error{4, fmt.Sprintf("%s is not a time like 10/Oct/2000:13:55:36 -0700", clip(text))}
	}
	t, err := time.Parse(TimeLayout, text)
	if err != nil {
		return time.Time{}, &Error{4, fmt.Sprintf("%s is not a time like 10/Oct/2000:13:55:36 -0700", clip(text))}
	}
	return t, nil
}

// digits reads a non-negative decimal of at most max digits.
func digits(s string, max int) (int64, bool) {
	if s == "" || len(s) > max {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

func splitRequest(r string) (method, path, protocol string) {
	parts := strings.Split(r, " ")
	for _, p := range parts {
		if p == "" {
			return "", "", ""
		}
	}
	switch len(parts) {
	case 3:
		return parts[0], parts[1], parts[2]
	case 2:
		return parts[0], parts[1], ""
	}
	return "", "", ""
}

// String writes the entry back as a line of its format.
func (e Entry) String() string {
	bytes := strconv.FormatInt(e.Bytes, 10)
	s := fmt.Sprintf("%s %s %s [%s] %s %03d %s", e.IP, e.Ident, e.User, e.Timestamp.Format(TimeLayout), quote(e.Request), e.Status, bytes)
	if e.Combined {
		s += " " + quote(e.Referer) + " " + quote(e.Agent)
	}
	return s
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Time returns when the request was logged: the event time of the line.
func (e Entry) Time() time.Time { return e.Timestamp }

// Get returns a field by name: ip, ident, user, time (ISO 8601 in UTC),
// request, method, path, protocol, referer and agent are strings, status
// and bytes numbers. method, path and protocol are missing when the
// request has no such parts, referer and agent in Common Log Format lines.
func (e Entry) Get(p view.Path) (view.Value, bool) {
	if len(p) != 1 {
		return view.Value{}, false
	}
	str := func(s string, ok bool) (view.Value, bool) {
		if !ok {
			return view.Value{}, false
		}
		return view.StringValue(s), true
	}
	switch p[0] {
	case "ip":
		return str(e.IP, true)
	case "ident":
		return str(e.Ident, true)
	case "user":
		return str(e.User, true)
	case "time":
		return str(e.Timestamp.UTC().Format(time.RFC3339Nano), true)
	case "request":
		return str(e.Request, true)
	case "method":
		return str(e.Method, e.Method != "")
	case "path":
		return str(e.Path, e.Path != "")
	case "protocol":
		return str(e.Protocol, e.Protocol != "")
	case "status":
		return view.IntValue(int64(e.Status)), true
	case "bytes":
		return view.IntValue(e.Bytes), true
	case "referer":
		return str(e.Referer, e.Combined)
	case "agent":
		return str(e.Agent, e.Combined)
	}
	return view.Value{}, false
}

// FieldNames lists the fields Get knows.
var FieldNames = []string{"ip", "ident", "user", "time", "request", "method", "path", "protocol", "status", "bytes", "referer", "agent"}

// Fields returns the entry as a flat event, with the fields Get has.
func (e Entry) Fields() view.Fields {
	f := view.Fields{}
	for _, n := range FieldNames {
		if v, ok := e.Get(view.Path{n}); ok {
			f[n] = v
		}
	}
	return f
}

var (
	_ view.Event = Entry{}
	_ view.Timed = Entry{}
)

// validUTF8 replaces each byte of s that is not part of valid UTF-8 with
// U+FFFD, as encoding/json and the SDK's encoder write it: a field is then
// grouped, sized and compared as DynamoDB stores it ("/caf\xe9" and
// "/caf\xe8" are one stored key, and must be one group).
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
