package bucket

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	cases := []struct {
		name, in, want string // want in RFC 3339 with nanoseconds, UTC
	}{
		{"tutorial six digits no zone", "2015-06-05T12:54:43.064528", "2015-06-05T12:54:43.064528Z"},
		{"no fraction no zone", "2015-06-05T12:54:43", "2015-06-05T12:54:43Z"},
		{"one digit", "2015-06-05T12:54:43.5", "2015-06-05T12:54:43.5Z"},
		{"three digits Z", "2015-06-05T12:54:43.064Z", "2015-06-05T12:54:43.064Z"},
		{"nine digits Z", "2015-06-05T12:54:43.123456789Z", "2015-06-05T12:54:43.123456789Z"},
		{"lower case t and z", "2015-06-05t12:54:43z", "2015-06-05T12:54:43Z"},
		{"positive offset", "2015-06-05T14:54:43.1+02:00", "2015-06-05T12:54:43.1Z"},
		{"negative offset crossing day", "2015-06-05T23:30:00-05:30", "2015-06-06T05:00:00Z"},
		{"zero offset", "2015-06-05T12:54:43+00:00", "2015-06-05T12:54:43Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseTime(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if s := got.Format(time.RFC3339Nano); s != c.want {
				t.Fatalf("ParseTime(%q) = %s, want %s", c.in, s, c.want)
			}
		})
	}
}

func TestParseTimeRejects(t *testing.T) {
	cases := []struct{ name, in, msg string }{
		{"empty", "", "not ISO 8601"},
		{"date only", "2015-06-05", "not ISO 8601"},
		{"space separator", "2015-06-05 12:54:43", "not ISO 8601"},
		{"ten fraction digits", "2015-06-05T12:54:43.1234567890", "more than 9 fraction digits"},
		{"compact offset", "2015-06-05T12:54:43+0200", "unknown zone"},
		{"zone name", "2015-06-05T12:54:43 UTC", "unknown zone"},
		{"month 13", "2015-13-05T12:54:43", "month out of range"},
		{"hour 25", "2015-06-05T25:54:43Z", "hour out of range"},
		{"unix seconds", "1433508883", "not ISO 8601"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseTime(c.in)
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("ParseTime(%q) error = %v, want one containing %q", c.in, err, c.msg)
			}
		})
	}
}

func TestTruncateAndFormat(t *testing.T) {
	cases := []struct {
		name string
		in   string
		size time.Duration
		want string
	}{
		{"tutorial minute", "2015-06-05T12:54:43.064528", time.Minute, "2015-06-05T12:54:00.000"},
		{"exactly on the edge", "2015-06-05T12:54:00", time.Minute, "2015-06-05T12:54:00.000"},
		{"last nanosecond of a minute", "2015-06-05T12:54:59.999999999", time.Minute, "2015-06-05T12:54:00.000"},
		{"offset moves minute edge", "2015-06-05T12:55:00.000000001+00:01", time.Minute, "2015-06-05T12:54:00.000"},
		{"five minutes", "2015-06-05T12:54:43", 5 * time.Minute, "2015-06-05T12:50:00.000"},
		{"fifteen seconds", "2015-06-05T12:54:43", 15 * time.Second, "2015-06-05T12:54:30.000"},
		{"hour", "2015-06-05T12:54:43", time.Hour, "2015-06-05T12:00:00.000"},
		{"six hours in UTC not local", "2015-06-05T05:59:59-01:00", 6 * time.Hour, "2015-06-05T06:00:00.000"},
		{"day from an offset", "2015-06-06T01:00:00+02:00", 24 * time.Hour, "2015-06-05T00:00:00.000"},
		{"millisecond bucket", "2015-06-05T12:54:43.0645", time.Millisecond, "2015-06-05T12:54:43.064"},
		{"end of year", "2015-12-31T23:59:59.9", time.Minute, "2015-12-31T23:59:00.000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ts, err := ParseTime(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := Format(Truncate(ts, c.size)); got != c.want {
				t.Fatalf("bucket of %s by %v = %s, want %s", c.in, c.size, got, c.want)
			}
		})
	}
}

func TestValidateSize(t *testing.T) {
	cases := []struct {
		name string
		size time.Duration
		msg  string // empty when valid
	}{
		{"minute", time.Minute, ""},
		{"second", time.Second, ""},
		{"twenty minutes", 20 * time.Minute, ""},
		{"two hours", 2 * time.Hour, ""},
		{"eight hours", 8 * time.Hour, ""},
		{"day", 24 * time.Hour, ""},
		{"zero", 0, "must be positive"},
		{"negative", -time.Minute, "must be positive"},
		{"seven minutes", 7 * time.Minute, "divides neither"},
		{"five hours", 5 * time.Hour, "divides neither"},
		{"two days", 48 * time.Hour, "divides neither"},
		{"microsecond", time.Microsecond, "whole number of milliseconds"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateSize(c.size)
			if c.msg == "" {
				if err != nil {
					t.Fatalf("ValidateSize(%v) = %v, want nil", c.size, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("ValidateSize(%v) = %v, want error containing %q", c.size, err, c.msg)
			}
		})
	}
}

func TestBucketerKey(t *testing.T) {
	b := &Bucketer{Size: time.Minute, GroupBy: "type", MaxBytes: 200}
	cases := []struct {
		name   string
		in     string
		want   Key
		reason Reason
	}{
		{"tutorial event", `{"timestamp": "2015-06-05T12:54:43.064528", "type": "Green", "id": "4ec80fb1-0963-4e35-8f54-ce760499d974"}`, Key{"2015-06-05T12:54:00.000", "Green"}, ""},
		{"zone offset", `{"timestamp":"2015-06-05T12:54:43+01:00","type":"Red"}`, Key{"2015-06-05T11:54:00.000", "Red"}, ""},
		{"not json", `Event sent to Kinesis`, Key{}, NotJSON},
		{"json array", `[1,2]`, Key{}, NotJSON},
		{"json null", `null`, Key{}, NotJSON},
		{"no timestamp", `{"type":"Red"}`, Key{}, MissingTimestamp},
		{"epoch milliseconds, as every view reads them", `{"timestamp":1718020830000,"type":"Red"}`, Key{"2024-06-10T12:00:00.000", "Red"}, ""},
		{"a fraction of a millisecond", `{"timestamp":1718020859999.9,"type":"Red"}`, Key{"2024-06-10T12:00:00.000", "Red"}, ""},
		{"negative milliseconds", `{"timestamp":-1,"type":"Red"}`, Key{}, BadTimestamp},
		{"milliseconds past 9999", `{"timestamp":253402300800000,"type":"Red"}`, Key{}, BadTimestamp},
		{"a boolean timestamp", `{"timestamp":true,"type":"Red"}`, Key{}, MissingTimestamp},
		{"bad timestamp", `{"timestamp":"yesterday","type":"Red"}`, Key{}, BadTimestamp},
		{"no type", `{"timestamp":"2015-06-05T12:54:43"}`, Key{}, MissingGroup},
		{"empty type", `{"timestamp":"2015-06-05T12:54:43","type":""}`, Key{}, MissingGroup},
		{"oversized", `{"timestamp":"2015-06-05T12:54:43","type":"` + strings.Repeat("x", 200) + `"}`, Key{}, Oversized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := b.Key([]byte(c.in))
			if c.reason == "" {
				if err != nil || got != c.want {
					t.Fatalf("Key = %+v, %v; want %+v", got, err, c.want)
				}
				return
			}
			var rej *RejectError
			if !errors.As(err, &rej) || rej.Reason != c.reason {
				t.Fatalf("Key error = %v, want reason %s", err, c.reason)
			}
		})
	}
}
