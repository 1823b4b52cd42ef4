// Package version reports spk's version, commit and build date.
package version

import (
	"runtime"
	"runtime/debug"
)

// Set at link time by the release build:
//
//	-X github.com/spk-cli/spk/internal/version.version=v1.2.3
var (
	version = ""
	commit  = ""
	date    = ""
)

// Info describes this build of spk.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Get returns the link-time values, filling gaps from the module build info
// that `go install` and `go build` record.
func Get() Info {
	info := Info{Version: version, Commit: commit, Date: date, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			}
		}
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	if info.Date == "" {
		info.Date = "unknown"
	}
	return info
}

// String is the one-line form `spk version` prints.
func (i Info) String() string {
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	return "spk " + i.Version + " (commit " + c + ", built " + i.Date + ", " + i.GoVersion + " " + i.Platform + ")"
}
