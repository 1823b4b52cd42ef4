package awsname

import (
	"regexp"
	"strings"
	"testing"
)

// The loops answer as the regular expressions they replace would.
func TestNamesMatchTheirPatterns(t *testing.T) {
	tableRE := regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)
	streamRE := regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)
	inputs := []string{"", "a", "ab", "abc", "my-table_1.x", "events", "a b", "tab\n", "é12", "ab/",
		"ab\x00", "ABC", strings.Repeat("x", 128), strings.Repeat("x", 129), strings.Repeat("x", 255), strings.Repeat("x", 256)}
	for _, in := range inputs {
		if got, want := Table(in), tableRE.MatchString(in); got != want {
			t.Errorf("Table(%q) = %v, want %v", in, got, want)
		}
		if got, want := Stream(in), streamRE.MatchString(in); got != want {
			t.Errorf("Stream(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRegion(t *testing.T) {
	for in, want := range map[string]bool{"us-east-1": true, "eu-central-2": true, "us-gov-west-1": true, "eusc-de-east-1": true, "cn-north-1": true, "local": false, "abcde-east-1": false, "us-east": false, "US-EAST-1": false, "": false} {
		if got := Region(in); got != want {
			t.Errorf("Region(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzTable(f *testing.F) {
	tableRE := regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)
	f.Add("events")
	f.Add("a\xffb")
	f.Fuzz(func(t *testing.T, s string) {
		if Table(s) != tableRE.MatchString(s) {
			t.Fatalf("Table(%q) = %v", s, Table(s))
		}
	})
}
