package cmd

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

func (a *App) newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print rdnsctl's version and the VCS revision it was built from",
		Long: `Print the module version, the VCS revision (with "modified" when the work tree had
uncommitted changes) and its time, and the Go version, from the build
information Go embeds in the binary. rdnsctl --version prints the same.

A binary built with -buildvcs=false, or outside a git checkout, has no revision
and says so.
` + exitStatusHelp,
		Example: "  rdnsctl version\n  rdnsctl --version",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(a.IO.Out, "rdnsctl %s\n", versionString())
			return err
		},
	}
}

// versionString is the version line: module version, VCS revision, time,
// Go version.
func versionString() string {
	info, _ := debug.ReadBuildInfo()
	return formatVersion(Version, info)
}

func formatVersion(ldVersion string, info *debug.BuildInfo) string {
	if info == nil {
		v := ldVersion
		if v == "" {
			v = "(unknown)"
		}
		return v + " (no build information)"
	}
	version := info.Main.Version
	if version == "" || version == "(devel)" {
		if ldVersion != "" {
			version = ldVersion
		} else if version == "" {
			version = "(devel)"
		}
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var parts []string
	if rev := settings["vcs.revision"]; rev != "" {
		r := "revision " + rev
		if settings["vcs.modified"] == "true" {
			r += " (modified)"
		}
		parts = append(parts, r)
		if t := settings["vcs.time"]; t != "" {
			parts = append(parts, t)
		}
	} else if !strings.HasPrefix(version, "v") || version == "(devel)" {
		parts = append(parts, "no VCS revision: built with -buildvcs=false or outside a git checkout")
	}
	if info.GoVersion != "" {
		parts = append(parts, info.GoVersion)
	}
	if len(parts) == 0 {
		return version
	}
	return version + " (" + strings.Join(parts, ", ") + ")"
}
