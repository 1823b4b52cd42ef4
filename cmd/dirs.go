package cmd

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// makeDirs makes dir and its missing parents with perm, and returns those
// it made, outermost first, so that a command that then fails can remove
// them again: a directory another process made meanwhile is not among
// them, as it is not this command's to remove. On failure nothing it made
// is left, and the error is the *fs.PathError of the directory that could
// not be made.
func makeDirs(dir string, perm fs.FileMode) (made []string, err error) {
	var missing []string
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		}
		missing = append(missing, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		err := os.Mkdir(missing[i], perm)
		switch {
		case err == nil:
			made = append(made, missing[i])
		case errors.Is(err, fs.ErrExist):
			// Made by another process meanwhile: not ours to remove.
		default:
			removeDirs(made)
			return nil, err
		}
	}
	return made, nil
}

// removeDirs removes the directories makeDirs made, innermost first, each
// only while it is empty.
func removeDirs(made []string) {
	for i := len(made) - 1; i >= 0; i-- {
		os.Remove(made[i])
	}
}
