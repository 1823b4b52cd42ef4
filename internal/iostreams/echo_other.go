//go:build !linux && !darwin && !windows

package iostreams

import "errors"

// echoOff is left to term.ReadPassword on other systems.
func echoOff(int) (func(), error) { return nil, errors.ErrUnsupported }
