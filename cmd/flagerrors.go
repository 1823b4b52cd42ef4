package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagError rewords pflag's errors for a flag value it could not parse
// ("invalid argument "abc" for "--rate" flag: strconv.ParseFloat: parsing
// "abc": invalid syntax") as `invalid value "abc" for --rate: not a
// number`, a usage error (exit 2).
func flagError(c *cobra.Command, err error) error {
	hint := helpHint(c)
	var iv *pflag.InvalidValueError
	if errors.As(err, &iv) {
		fl := iv.GetFlag()
		err = fmt.Errorf("invalid value %q for --%s: %s", iv.GetValue(), fl.Name, valueProblem(fl.Value, iv.Unwrap()))
	}
	return &usageError{err: err, hint: hint}
}

// valueProblem says what a flag's value should have been.
func valueProblem(v pflag.Value, cause error) string {
	var ee *enumError
	if errors.As(cause, &ee) {
		return ee.Error()
	}
	switch v.Type() {
	case "int", "int8", "int16", "int32", "int64":
		return "not a whole number"
	case "uint", "uint8", "uint16", "uint32", "uint64":
		return "not a whole number of 0 or more"
	case "float32", "float64":
		return "not a number"
	case "duration":
		return "not a duration such as 500ms, 30s, 5m or 1h30m"
	case "bool":
		return "not true or false"
	case "intSlice", "int64Slice", "int32Slice", "uintSlice":
		return "not a comma-separated list of whole numbers"
	case "durationSlice":
		return "not a comma-separated list of durations such as 30s,5m"
	}
	if cause != nil {
		return cause.Error()
	}
	return "not a valid " + v.Type()
}
