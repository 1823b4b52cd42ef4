package accesslog

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/stream/view"
)

const apacheExample = `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"`

func TestParse(t *testing.T) {
	at := time.Date(2000, 10, 10, 13, 55, 36, 0, time.FixedZone("", -7*3600))
	tests := []struct {
		name string
		line string
		want Entry
	}{
		{"combined", apacheExample, Entry{IP: "127.0.0.1", Ident: "-", User: "frank", Timestamp: at, Request: "GET /apache_pb.gif HTTP/1.0", Method: "GET", Path: "/apache_pb.gif", Protocol: "HTTP/1.0", Status: 200, Bytes: 2326, Combined: true, Referer: "http://www.example.com/start.html", Agent: "Mozilla/4.08"}},
		{"common", `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`, Entry{IP: "127.0.0.1", Ident: "-", User: "frank", Timestamp: at, Request: "GET /apache_pb.gif HTTP/1.0", Method: "GET", Path: "/apache_pb.gif", Protocol: "HTTP/1.0", Status: 200, Bytes: 2326}},
		{"newline and bytes dash", "::1 - - [10/Oct/2000:13:55:36 -0700] \"HEAD / HTTP/1.1\" 304 -\r\n", Entry{IP: "::1", Ident: "-", User: "-", Timestamp: at, Request: "HEAD / HTTP/1.1", Method: "HEAD", Path: "/", Protocol: "HTTP/1.1", Status: 304}},
		{"http 0.9", `h - - [10/Oct/2000:13:55:36 -0700] "GET /" 200 5`, Entry{IP: "h", Ident: "-", User: "-", Timestamp: at, Request: "GET /", Method: "GET", Path: "/", Status: 200, Bytes: 5}},
		{"request dash", `10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "-" 408 0 "-" "-"`, Entry{IP: "10.0.0.1", Ident: "-", User: "-", Timestamp: at, Request: "-", Status: 408, Combined: true, Referer: "-", Agent: "-"}},
		{"junk request", `10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "\x16\x03\x01\x02\x00" 400 226`, Entry{IP: "10.0.0.1", Ident: "-", User: "-", Timestamp: at, Request: `\x16\x03\x01\x02\x00`, Status: 400, Bytes: 226}},
		{"escaped quotes", `1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /q?a=\"b\" HTTP/1.1" 200 1 "-" "say \"hi\" \\o/"`, Entry{IP: "1.2.3.4", Ident: "-", User: "-", Timestamp: at, Request: `GET /q?a="b" HTTP/1.1`, Method: "GET", Path: `/q?a="b"`, Protocol: "HTTP/1.1", Status: 200, Bytes: 1, Combined: true, Referer: "-", Agent: `say "hi" \o/`}},
		{"empty agent, utc", `1.2.3.4 - - [01/Jan/2024:00:00:00 +0000] "POST /api HTTP/2.0" 201 17 "" ""`, Entry{IP: "1.2.3.4", Ident: "-", User: "-", Timestamp: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Request: "POST /api HTTP/2.0", Method: "POST", Path: "/api", Protocol: "HTTP/2.0", Status: 201, Bytes: 17, Combined: true}},
		{"extra spaces", `1.2.3.4  -  -  [10/Oct/2000:13:55:36 -0700]  "GET / HTTP/1.1"  200  1  `, Entry{IP: "1.2.3.4", Ident: "-", User: "-", Timestamp: at, Request: "GET / HTTP/1.1", Method: "GET", Path: "/", Protocol: "HTTP/1.1", Status: 200, Bytes: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.line)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Timestamp.Equal(tt.want.Timestamp) {
				t.Errorf("time %v, want %v", got.Timestamp, tt.want.Timestamp)
			}
			got.Timestamp, tt.want.Timestamp = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const head = `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0"`
	tests := []struct {
		name, line, want string
		field            int
	}{
		{"empty", "", `access log: line ends before field 1 (ip)`, 0},
		{"only ip", "127.0.0.1", `access log: line ends before field 2 (ident)`, 0},
		{"no time", "127.0.0.1 - frank", `access log: line ends before field 4 (time)`, 0},
		{"time without bracket", `127.0.0.1 - frank 10/Oct/2000:13:55:36 "GET / HTTP/1.0" 200 1`, `access log: field 4 (time) "10/Oct/2000:13:55:36" does not start with [`, 4},
		{"time unclosed", `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700 "GET /"`, `access log: field 4 (time) "[10/Oct/2000:13:55:36 -0700 \"GET /\"" has no closing ]`, 4},
		{"time bad month", `127.0.0.1 - frank [10/Foo/2000:13:55:36 -0700] "GET /" 200 1`, `access log: field 4 (time) "10/Foo/2000:13:55:36 -0700" is not a time like 10/Oct/2000:13:55:36 -0700`, 4},
		{"time no zone", `127.0.0.1 - frank [10/Oct/2000:13:55:36] "GET /" 200 1`, `access log: field 4 (time) "10/Oct/2000:13:55:36" is not a time like 10/Oct/2000:13:55:36 -0700`, 4},
		{"time glued", `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700]"GET /" 200 1`, `access log: field 4 (time) is followed by "\"GET /\" 200 1" without a space`, 4},
		{"request unquoted", `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] GET / 200 1`, `access log: field 5 (request) "GET / 200 1" does not start with a double quote`, 5},
		{"request unclosed", `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET / 200 1`, `access log: field 5 (request) "\"GET / 200 1" has no closing double quote`, 5},
		{"no status", head, `access log: line ends before field 6 (status)`, 0},
		{"status word", head + ` abc 1`, `access log: field 6 (status) "abc" is not a number`, 6},
		{"status small", head + ` 42 1`, `access log: field 6 (status) "42" is not an HTTP status (100 to 999)`, 6},
		{"status big", head + ` 2000 1`, `access log: field 6 (status) "2000" is not an HTTP status (100 to 999)`, 6},
		{"status negative", head + ` -200 1`, `access log: field 6 (status) "-200" is not a number`, 6},
		{"no bytes", head + ` 200`, `access log: line ends before field 7 (bytes)`, 0},
		{"bytes word", head + ` 200 lots`, `access log: field 7 (bytes) "lots" is not a number or -`, 7},
		{"bytes huge", head + ` 200 12345678901234567890`, `access log: field 7 (bytes) "12345678901234567890" is not a number or -`, 7},
		{"referer unquoted", head + ` 200 1 http://x`, `access log: field 8 (referer) "http://x" does not start with a double quote`, 8},
		{"no agent", head + ` 200 1 "-"`, `access log: line ends before field 9 (agent)`, 0},
		{"agent unclosed", head + ` 200 1 "-" "Mozilla`, `access log: field 9 (agent) "\"Mozilla" has no closing double quote`, 9},
		{"extra field", head + ` 200 1 "-" "Mozilla" "10.0.0.9"`, `access log: unexpected "\"10.0.0.9\"" after field 9 (agent): only the Common and Combined formats are read`, 0},
		{"long junk", head + ` 200 1 ` + strings.Repeat("x", 100), `access log: field 8 (referer) "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"… does not start with a double quote`, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.line)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err %v, want an *Error", err)
			}
			if err.Error() != tt.want {
				t.Errorf("\n got %s\nwant %s", err, tt.want)
			}
			if pe.Field != tt.field {
				t.Errorf("field %d, want %d", pe.Field, tt.field)
			}
		})
	}
}

func TestEvent(t *testing.T) {
	e, err := Parse(apacheExample)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]view.Value{
		"ip": view.StringValue("127.0.0.1"), "ident": view.StringValue("-"), "user": view.StringValue("frank"),
		"time": view.StringValue("2000-10-10T20:55:36Z"), "request": view.StringValue("GET /apache_pb.gif HTTP/1.0"),
		"method": view.StringValue("GET"), "path": view.StringValue("/apache_pb.gif"), "protocol": view.StringValue("HTTP/1.0"),
		"status": view.IntValue(200), "bytes": view.IntValue(2326),
		"referer": view.StringValue("http://www.example.com/start.html"), "agent": view.StringValue("Mozilla/4.08"),
	}
	for name, v := range want {
		got, ok := e.Get(view.Path{name})
		if !ok || got != v {
			t.Errorf("%s = %v, %v; want %v", name, got, ok, v)
		}
	}
	if !reflect.DeepEqual(map[string]view.Value(e.Fields()), want) {
		t.Errorf("Fields = %v", e.Fields())
	}
	for _, p := range []view.Path{{"nope"}, {"status", "x"}, nil} {
		if _, ok := e.Get(p); ok {
			t.Errorf("%v found", p)
		}
	}
	common, _ := Parse(`h - - [10/Oct/2000:13:55:36 -0700] "-" 408 -`)
	for _, n := range []string{"referer", "agent", "method", "path", "protocol"} {
		if _, ok := common.Get(view.Path{n}); ok {
			t.Errorf("%s found in a Common Log Format line without a request", n)
		}
	}
	// The line's own time is the event time, and the time field agrees.
	ts, err := view.EventTime(e, view.Path{"time"})
	if err != nil || !ts.Equal(time.Date(2000, 10, 10, 20, 55, 36, 0, time.UTC)) || ts.Location() != time.UTC {
		t.Errorf("EventTime = %v, %v", ts, err)
	}
	ts2, err := view.EventTime(e.Fields(), view.Path{"time"})
	if err != nil || !ts2.Equal(ts) {
		t.Errorf("EventTime of Fields = %v, %v", ts2, err)
	}
}

// TestView runs access-log lines through a view: errors per path, with bytes.
func TestView(t *testing.T) {
	v, err := view.Compile(view.Definition{
		Name: "errors", Where: "status >= 500", GroupBy: []string{"path", "status"},
		Window: view.Window{Size: time.Minute}, Metrics: []string{"count", "sum:bytes", "distinct:ip"},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := []string{
		`1.1.1.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 503 10`,
		`1.1.1.2 - - [10/Oct/2000:13:55:50 -0700] "GET /a HTTP/1.1" 503 -`,
		`1.1.1.2 - - [10/Oct/2000:13:55:51 -0700] "GET /a HTTP/1.1" 200 99`,
	}
	acc := v.NewAcc()
	for _, l := range lines {
		e, err := Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Match(e) {
			continue
		}
		keys, err := v.Keys(e, e.Time())
		if err != nil {
			t.Fatal(err)
		}
		if want := "2000-10-10T20:55:00.000"; len(keys) != 1 || keys[0].Start != want || keys[0].Group != "/a|503" {
			t.Errorf("keys %v", keys)
		}
		if err := acc.Observe(e); err != nil {
			t.Fatal(err)
		}
	}
	if acc.Count() != 2 || acc.Distinct(2) != 2 {
		t.Errorf("count %d, distinct %d", acc.Count(), acc.Distinct(2))
	}
	if sum, _ := acc.Sum(1); sum.String() != "10" {
		t.Errorf("sum %s", sum)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(apacheExample)
	f.Add(`::1 - - [10/Oct/2000:13:55:36 -0700] "-" 408 -`)
	f.Add(`1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /q?a=\"b\" HTTP/1.1" 200 1 "-" "say \"hi\" \\o/"`)
	f.Add(`a b c [01/Jan/2024:00:00:00 +0000] "\x16" 400 0`)
	f.Fuzz(func(t *testing.T, line string) {
		e, err := Parse(line)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Field < 0 || pe.Field > 9 || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%q: error %#v", line, err)
			}
			return
		}
		// What parses writes back to a line that parses to the same entry.
		again, err := Parse(e.String())
		if err != nil {
			t.Fatalf("%q -> %q: %v", line, e.String(), err)
		}
		if !again.Timestamp.Equal(e.Timestamp) {
			t.Fatalf("%q: time %v, then %v", line, e.Timestamp, again.Timestamp)
		}
		again.Timestamp, e.Timestamp = time.Time{}, time.Time{}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("%q:\n first %+v\n again %+v", line, e, again)
		}
		for _, n := range FieldNames {
			e.Get(view.Path{n})
		}
	})
}

// TestInvalidUTF8IsReadAsStored: bytes that are not UTF-8 (a Latin-1 path)
// are read as U+FFFD, one for each, as the SDK's JSON encoder sends them
// and DynamoDB stores them, so two paths that are one stored key are one
// group, and a key's size is its stored size.
func TestInvalidUTF8IsReadAsStored(t *testing.T) {
	var paths []string
	for _, b := range []string{"\xe9", "\xe8"} {
		e, err := Parse(`203.0.113.9 - - [05/Jun/2015:12:00:01 +0000] "GET /caf` + b + ` HTTP/1.1" 200 512 "-" "Mozilla/5.0"`)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, e.Path)
	}
	if paths[0] != "/caf\uFFFD" || paths[1] != paths[0] {
		t.Fatalf("paths %q, want both /caf\uFFFD", paths)
	}
	e, err := Parse("203.0.113.9 - - [05/Jun/2015:12:00:01 +0000] \"GET /\xe9\xe9 HTTP/1.1\" 200 512 \"-\" \"caf\xc3\xa9\"")
	if err != nil {
		t.Fatal(err)
	}
	if e.Path != "/\uFFFD\uFFFD" || e.Agent != "café" {
		t.Fatalf("path %q agent %q: want one U+FFFD per invalid byte and valid UTF-8 kept", e.Path, e.Agent)
	}
}
