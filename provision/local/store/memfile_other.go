//go:build !linux

package store

import (
	"errors"
	"os"
)

// memFile is Linux-only; elsewhere an in-memory store uses a temporary file.
func memFile() (*os.File, error) { return nil, errors.ErrUnsupported }
