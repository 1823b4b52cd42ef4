package config

import (
	"fmt"
	"strings"
)

// Error is a configuration mistake a user can fix: it names where the bad
// value came from (file and line, environment variable or flag) and the key.
type Error struct {
	File string // configuration file, when the value came from one
	Line int    // 1-based line in File, 0 when unknown
	Env  string // environment variable, when the value came from one
	Flag string // flag name, when the value came from one
	Key  string // the key, as the user wrote it
	Msg  string // what is wrong and what was expected
	Hint string // how to fix it, when more than Msg can say
}

func (e *Error) Error() string {
	var where []string
	switch {
	case e.File != "" && e.Line > 0:
		where = append(where, fmt.Sprintf("%s, line %d", e.File, e.Line))
	case e.File != "":
		where = append(where, e.File)
	case e.Env != "":
		where = append(where, "environment variable "+e.Env)
	case e.Flag != "":
		where = append(where, "flag --"+e.Flag)
	}
	if e.Key != "" {
		where = append(where, fmt.Sprintf("key %q", e.Key))
	}
	msg := e.Msg
	if len(where) > 0 {
		msg = strings.Join(where, ": ") + ": " + msg
	}
	return "configuration: " + msg
}

// HintText returns how to fix the error, for the error printer.
func (e *Error) HintText() string { return e.Hint }

// ExitCode marks configuration errors as usage errors.
func (e *Error) ExitCode() int { return 2 }
