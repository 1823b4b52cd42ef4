package bucket

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestParseTimeRange checks the edges of the accepted times: the years 0001
// to 9999 once in UTC, and zone offsets up to ±23:59.
func TestParseTimeRange(t *testing.T) {
	cases := []struct {
		name, in string
		want     string // the bucket start of a minute bucket, when accepted
		reason   Reason
		detail   string // the whole rejection detail
	}{
		{"first instant", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000", "", ""},
		{"last instant", "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:00.000", "", ""},
		{"last second", "9999-12-31T23:59:59Z", "9999-12-31T23:59:00.000", "", ""},
		{"+23:59 onto the first instant", "0001-01-01T23:59:00+23:59", "0001-01-01T00:00:00.000", "", ""},
		{"-23:59 onto the last minute", "9999-12-31T00:00:59-23:59", "9999-12-31T23:59:00.000", "", ""},
		{"+23:59 mid-range", "2015-06-05T23:59:00+23:59", "2015-06-05T00:00:00.000", "", ""},
		{"-00:00", "2015-06-05T12:54:43-00:00", "2015-06-05T12:54:00.000", "", ""},

		{"year 0000 after UTC", "0000-01-01T00:00:00+01:00", "", TimeOutOfRange,
			`timestamp "0000-01-01T00:00:00+01:00" is -0001-12-31T23:00:00Z in UTC, outside the years 0001 to 9999`},
		{"year 0000 in UTC", "0000-06-01T00:00:00Z", "", TimeOutOfRange,
			`timestamp "0000-06-01T00:00:00Z" is 0000-06-01T00:00:00Z in UTC, outside the years 0001 to 9999`},
		{"one minute before year 1 after UTC", "0001-01-01T23:58:59+23:59", "", TimeOutOfRange,
			`timestamp "0001-01-01T23:58:59+23:59" is 0000-12-31T23:59:59Z in UTC, outside the years 0001 to 9999`},
		{"year 10000 after UTC", "9999-12-31T23:59:59-23:59", "", TimeOutOfRange,
			`timestamp "9999-12-31T23:59:59-23:59" is 10000-01-01T23:58:59Z in UTC, outside the years 0001 to 9999`},
		{"year 10000 by a minute", "9999-12-31T23:59:00-00:01", "", TimeOutOfRange,
			`timestamp "9999-12-31T23:59:00-00:01" is 10000-01-01T00:00:00Z in UTC, outside the years 0001 to 9999`},
		{"+24:00", "2015-06-05T12:54:43+24:00", "", BadTimestamp,
			`timestamp "2015-06-05T12:54:43+24:00" has zone offset +24:00 beyond ±23:59`},
		{"-24:00", "2015-06-05T12:54:43-24:00", "", BadTimestamp,
			`timestamp "2015-06-05T12:54:43-24:00" has zone offset -24:00 beyond ±23:59`},
		{"minute 60", "2015-06-05T12:54:43+05:60", "", BadTimestamp,
			`timestamp "2015-06-05T12:54:43+05:60" has zone offset +05:60 beyond ±23:59`},
		{"+99:99", "2015-06-05T12:54:43+99:99", "", BadTimestamp,
			`timestamp "2015-06-05T12:54:43+99:99" has zone offset +99:99 beyond ±23:59`},
		{"letters in the offset", "2015-06-05T12:54:43+ab:cd", "", BadTimestamp,
			`timestamp "2015-06-05T12:54:43+ab:cd": parsing time "2015-06-05T12:54:43+ab:cd" as "2006-01-02T15:04:05Z07:00": cannot parse "+ab:cd" as "Z07:00"`},
	}
	b := &Bucketer{Size: time.Minute, GroupBy: "type"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseTime(c.in)
			key, _, kerr := b.KeyTime([]byte(`{"timestamp":"` + c.in + `","type":"Red"}`))
			if c.reason == "" {
				if err != nil || kerr != nil {
					t.Fatalf("ParseTime(%q) = %v, %v; Key error %v", c.in, got, err, kerr)
				}
				if s := Format(Truncate(got, time.Minute)); s != c.want || key.Start != c.want {
					t.Fatalf("bucket of %q = %s (Key: %s), want %s", c.in, s, key.Start, c.want)
				}
				return
			}
			for _, e := range []error{err, kerr} {
				var rej *RejectError
				if !errors.As(e, &rej) || rej.Reason != c.reason || rej.Detail != c.detail {
					t.Fatalf("ParseTime(%q) error = %#v\nwant reason %s, detail %s", c.in, e, c.reason, c.detail)
				}
			}
			if key != (Key{}) {
				t.Errorf("a rejected event got row %+v", key)
			}
		})
	}
}

// TestBucketStartsSortAsText checks that every accepted time's bucket start,
// whatever the bucket size, has four year digits, so text order is time
// order (a "10000-…" start would sort before "2015-…").
func TestBucketStartsSortAsText(t *testing.T) {
	for _, size := range []time.Duration{time.Millisecond, time.Second, time.Minute, 5 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour} {
		for _, ts := range []time.Time{MinTime, MaxTime, MinTime.Add(size - 1), MaxTime.Add(-size)} {
			s := Format(Truncate(ts, size))
			if len(s) != len(Layout) || strings.HasPrefix(s, "0000") || s < "0001" || s > "9999-12-31T23:59:59.999" {
				t.Errorf("bucket of %s at %v is %q", ts.Format(time.RFC3339Nano), size, s)
			}
		}
	}
}

func TestCheckRange(t *testing.T) {
	if err := CheckRange(MinTime, "t"); err != nil {
		t.Errorf("MinTime: %v", err)
	}
	if err := CheckRange(MaxTime, "t"); err != nil {
		t.Errorf("MaxTime: %v", err)
	}
	err := CheckRange(MaxTime.Add(1), "the access log's time")
	want := "time_out_of_range: the access log's time is 10000-01-01T00:00:00Z in UTC, outside the years 0001 to 9999"
	if err == nil || err.Error() != want {
		t.Errorf("CheckRange(MaxTime+1ns) = %v, want %s", err, want)
	}
	if err := CheckRange(MinTime.Add(-1), "t"); err == nil || !strings.Contains(err.Error(), "0000-12-31T23:59:59.999999999Z") {
		t.Errorf("CheckRange(MinTime-1ns) = %v", err)
	}
}
