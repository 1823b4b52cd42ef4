package tui

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/spk-cli/spk/stream/results"
)

// shuffled are the fixture rows out of order, as a Scan returns them.
func shuffled() []results.Row {
	rows := tableRows()
	out := make([]results.Row, 0, len(rows))
	for i := range rows {
		out = append(out, rows[(i*7)%len(rows)])
	}
	return out
}

func TestShowGolden(t *testing.T) {
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"table", func(b *bytes.Buffer) error { return WriteTable(b, shuffled()) }},
		{"table_empty", func(b *bytes.Buffer) error { return WriteTable(b, nil) }},
		{"json", func(b *bytes.Buffer) error { return WriteJSON(b, shuffled()) }},
		{"json_empty", func(b *bytes.Buffer) error { return WriteJSON(b, nil) }},
		{"csv", func(b *bytes.Buffer) error { return WriteCSV(b, shuffled(), false) }},
		{"chart_80", func(b *bytes.Buffer) error {
			return WriteChart(b, shuffled(), ChartOptions{Width: 80, Colors: ColorNone})
		}},
		{"chart_40", func(b *bytes.Buffer) error {
			return WriteChart(b, shuffled(), ChartOptions{Width: 40, Colors: ColorNone})
		}},
		{"chart_empty", func(b *bytes.Buffer) error { return WriteChart(b, nil, ChartOptions{Colors: ColorNone}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, b.Bytes())
		})
	}
}

func TestShowRoundTrips(t *testing.T) {
	want := tableRows()
	var j bytes.Buffer
	if err := WriteRows(&j, FormatJSON, shuffled()); err != nil {
		t.Fatal(err)
	}
	var got []results.Row
	if err := json.Unmarshal(j.Bytes(), &got); err != nil {
		t.Fatalf("json output does not parse: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("json round trip:\n got %v\nwant %v", got, want)
	}

	var c bytes.Buffer
	if err := WriteRows(&c, FormatCSV, shuffled()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatalf("csv output does not parse: %v", err)
	}
	if len(recs) != len(want)+1 || strings.Join(recs[0], ",") != "BucketStart,EventType,Count,CreatedAt,UpdatedAt" {
		t.Fatalf("csv has %d records, header %v", len(recs), recs[0])
	}
	for i, r := range want {
		if got := recs[i+1]; got[0] != r.BucketStart || got[1] != r.EventType {
			t.Errorf("csv row %d = %v, want %s/%s", i, got, r.BucketStart, r.EventType)
		}
	}
}

func TestShowTableAligned(t *testing.T) {
	rows := []results.Row{
		{BucketStart: "2015-06-05T12:54:00.000", EventType: "Ultraviolet", Count: 1234567, CreatedAt: "a", UpdatedAt: "b"},
		{BucketStart: "2015-06-05T12:54:00.000", EventType: "Red", Count: 7, CreatedAt: "a", UpdatedAt: "b"},
	}
	var b bytes.Buffer
	WriteTable(&b, rows)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("table has %d lines, want 3:\n%s", len(lines), b.String())
	}
	if !strings.Contains(lines[1], "Red") || !strings.Contains(lines[2], "Ultraviolet") {
		t.Fatalf("rows are not sorted by type:\n%s", b.String())
	}
	// Counts end in the column where the header's Count ends.
	end := strings.Index(lines[0], "Count") + len("Count")
	if got := strings.Index(lines[2], "1234567") + len("1234567"); got != end {
		t.Errorf("the long count ends at %d, Count at %d:\n%s", got, end, b.String())
	}
	if got := strings.Index(lines[1], "7  a") + 1; got != end {
		t.Errorf("the short count ends at %d, Count at %d:\n%s", got, end, b.String())
	}
}

func TestChartColours(t *testing.T) {
	var plain, ansi bytes.Buffer
	WriteChart(&plain, tableRows(), ChartOptions{Width: 60, Colors: ColorNone})
	WriteChart(&ansi, tableRows(), ChartOptions{Width: 60, Colors: ColorANSI})
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("the plain chart holds escape sequences")
	}
	if !strings.Contains(ansi.String(), "\x1b[31m") { // Red in red
		t.Errorf("the ANSI chart does not draw Red in red:\n%q", ansi.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(plain.String()), "\n") {
		if n := displayWidth(l); n > 60 {
			t.Errorf("chart line is %d cells wide, more than 60: %q", n, l)
		}
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr string
	}{
		{"table", FormatTable, ""},
		{"JSON", FormatJSON, ""},
		{" csv ", FormatCSV, ""},
		{"", FormatTable, ""},
		{"yaml", "", `output format "yaml" is not known: use table, json or csv`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFormat(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseFormat(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	var b bytes.Buffer
	if err := WriteRows(&b, Format("xml"), tableRows()); err == nil || b.Len() != 0 {
		t.Errorf("WriteRows with an unknown format: error %v, wrote %d bytes", err, b.Len())
	}
}

func TestBarAndSparkline(t *testing.T) {
	tests := []struct {
		name       string
		value, top int64
		width      int
		want       string
	}{
		{"full", 10, 10, 5, "█████"},
		{"half", 5, 10, 4, "██"},
		{"eighths", 1, 8, 1, "▏"},
		{"sliver for a small value", 1, 1000, 5, "▏"},
		{"zero", 0, 10, 5, ""},
		{"above top is clamped", 20, 10, 3, "███"},
		{"no width", 5, 10, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bar(tt.value, tt.top, tt.width); got != tt.want {
				t.Errorf("bar(%d, %d, %d) = %q, want %q", tt.value, tt.top, tt.width, got, tt.want)
			}
		})
	}
	if got := sparkline([]float64{0, 1, 2, 4, 8}, 5); got != "▁▂▃▅█" {
		t.Errorf("sparkline = %q", got)
	}
	if got := sparkline([]float64{1, 2}, 4); got != "  ▅█" {
		t.Errorf("short sparkline = %q", got)
	}
	if got := sparkline([]float64{9, 0, 0, 0}, 2); got != "▁▁" {
		t.Errorf("sparkline keeps the last values only: %q", got)
	}
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := count(in); got != want {
			t.Errorf("count(%d) = %q, want %q", in, got, want)
		}
	}
}
