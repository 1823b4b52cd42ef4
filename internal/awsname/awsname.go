// Package awsname checks the names AWS gives rules for: tables, streams,
// regions. The checks are plain loops: a regular expression with a counted
// repetition such as {3,255} compiles to hundreds of states, which every
// spk command would pay for at start.
package awsname

import "regexp"

// Table reports whether s is a DynamoDB table name: 3 to 255 letters,
// digits, '_', '.' or '-'.
func Table(s string) bool { return len(s) >= 3 && len(s) <= 255 && Only(s, nameByte) }

// Stream reports whether s is a Kinesis stream name: 1 to 128 letters,
// digits, '_', '.' or '-'.
func Stream(s string) bool { return len(s) >= 1 && len(s) <= 128 && Only(s, nameByte) }

var regionRE = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-\d+$`) // eusc-de-east-1 too

// Region reports whether s looks like an AWS region, such as us-east-1.
func Region(s string) bool { return regionRE.MatchString(s) }

// Only reports whether every byte of s satisfies ok.
func Only(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// AlphaNum reports whether c is an ASCII letter or digit.
func AlphaNum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func nameByte(c byte) bool { return AlphaNum(c) || c == '_' || c == '.' || c == '-' }
