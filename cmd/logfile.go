package cmd

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/spk-cli/spk/config"
)

// upLogger writes logs to a file, never over the screen:
// $XDG_STATE_HOME/spk/NAME (~/.local/state/spk/NAME).
func upLogger(f *Factory, cfg *config.Loaded, name string) (*slog.Logger, string, func()) {
	dir, ok := f.lookupEnv("XDG_STATE_HOME")
	if !ok || dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return slog.New(slog.DiscardHandler), "", func() {}
		}
		dir = filepath.Join(home, ".local", "state")
	}
	path := filepath.Join(dir, "spk", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return slog.New(slog.DiscardHandler), "", func() {}
	}
	file, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return slog.New(slog.DiscardHandler), "", func() {}
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(io.Writer(file), &slog.HandlerOptions{Level: level})), path, func() { file.Close() }
}
