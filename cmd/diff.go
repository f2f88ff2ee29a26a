package cmd

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/audit"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/zonecheck"
	"github.com/rdnsctl/rdnsctl/zonediff"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

func init() { extraCommands = append(extraCommands, (*App).newDiffCmd) }

func (a *App) newDiffCmd() *cobra.Command {
	var gitBase string
	c := &cobra.Command{
		Use:   "diff OLD NEW | diff --git-base REF",
		Short: "Validate a zone change: PTR-level changes, zone check, audit delta",
		Long: `Compare two versions of the zones at the level of PTRs: for every address whose PTRs
differ, whether it was added, removed, or changed (old -> new). OLD and NEW are two
zone files or two directories; with --git-base REF, OLD is the --zones directories as
committed at REF (git archive) and NEW is the working tree.

Then the zone check findings of NEW, and with --ipam the audit findings the change
introduces or resolves. Exit 1 when the change introduces zone check errors or audit
findings (of the categories audit fails on by default).
` + exitStatusHelp,
		Example: `  rdnsctl diff zones.old/ zones/
  rdnsctl diff --git-base origin/main --zones zones/ --ipam netbox.csv
  rdnsctl diff db.198.51.100.orig db.198.51.100 -o json`,
		RunE: func(c *cobra.Command, args []string) error {
			var oldSpecs, newSpecs []zoneset.Spec
			switch {
			case gitBase != "" && len(args) == 0:
				if len(a.cfg.Zones) == 0 {
					return usageErrorf("--git-base needs --zones (the working tree side)")
				}
				tmp, err := os.MkdirTemp("", "rdnsctl-diff-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				for _, z := range a.cfg.Zones {
					old, err := gitExport(gitBase, z.Path, tmp)
					if err != nil {
						return inputError(err)
					}
					oldSpecs = append(oldSpecs, zoneset.Spec{Path: old, Origin: z.Origin})
					newSpecs = append(newSpecs, zoneset.Spec{Path: z.Path, Origin: z.Origin})
				}
			case gitBase == "" && len(args) == 2:
				oldSpecs = []zoneset.Spec{{Path: args[0]}}
				newSpecs = []zoneset.Spec{{Path: args[1]}}
			default:
				return usageErrorf("give OLD and NEW, or --git-base REF with --zones")
			}
			opt := zoneset.Options{Style: a.cfg.ClasslessStyle, ReadOnly: true}
			oldSet, err := zoneset.Load(oldSpecs, opt)
			if err != nil {
				return inputError(err)
			}
			newSet, err := zoneset.Load(newSpecs, opt)
			if err != nil {
				return inputError(err)
			}
			changes := zonediff.Diff(oldSet, newSet)
			newFindings := a.checkFindings(newSet)
			introducedErrs := introducedCheckErrors(a.checkFindings(oldSet), newFindings)
			var introduced, resolved []audit.Finding
			if len(a.cfg.IPAM) > 0 {
				exp, err := a.loadIPAMAddresses("diff's audit of the change")
				if err != nil {
					return err
				}
				introduced, resolved = auditDelta(oldSet, newSet, exp, a)
			}
			if err := a.renderDiff(changes, newFindings, introduced, resolved); err != nil {
				return err
			}
			failing := introducedErrs
			for _, f := range introduced {
				if !f.Category.Info() {
					failing++
				}
			}
			a.info("%d addresses changed; %d zone check errors introduced; %d audit findings introduced, %d resolved",
				len(changes), introducedErrs, len(introduced), len(resolved))
			if failing > 0 {
				return errFindings
			}
			return nil
		},
	}
	c.Flags().StringVar(&gitBase, "git-base", "", "compare the --zones directories as committed at REF with the working tree")
	return c
}

func (a *App) checkFindings(s *zoneset.Set) []zonecheck.Finding {
	return zonecheck.Check(s, zonecheck.Options{Severity: a.cfg.Checks})
}

// introducedCheckErrors counts the errors of NEW that OLD did not have
// (compared by code and message: line numbers move when lines are added).
func introducedCheckErrors(old, new []zonecheck.Finding) int {
	seen := map[string]int{}
	for _, f := range old {
		if f.Severity == zonecheck.Error {
			seen[f.Code+"\x00"+f.Message]++
		}
	}
	n := 0
	for _, f := range new {
		if f.Severity != zonecheck.Error {
			continue
		}
		k := f.Code + "\x00" + f.Message
		if seen[k] > 0 {
			seen[k]--
			continue
		}
		n++
	}
	return n
}

func auditDelta(oldSet, newSet *zoneset.Set, exp *ipam.Export, a *App) (introduced, resolved []audit.Finding) {
	key := func(f audit.Finding) string {
		return string(f.Category) + "\x00" + f.Addr.String() + "\x00" + strings.Join(f.PTR, " ")
	}
	opt := audit.Options{Defaults: a.cfg.Defaults, ShowInfo: true, Synthesized: a.cfg.synthesizedPrefixes()}
	o := audit.Run(oldSet, exp, opt).Findings
	n := audit.Run(newSet, exp, opt).Findings
	inOld := map[string]bool{}
	for _, f := range o {
		inOld[key(f)] = true
	}
	inNew := map[string]bool{}
	for _, f := range n {
		inNew[key(f)] = true
		if !inOld[key(f)] {
			introduced = append(introduced, f)
		}
	}
	for _, f := range o {
		if !inNew[key(f)] {
			resolved = append(resolved, f)
		}
	}
	return introduced, resolved
}

type diffReport struct {
	Changes  []report.DiffChange `json:"changes"`
	Findings []zonecheck.Finding `json:"findings"`
	Audit    struct {
		Introduced []audit.Finding `json:"introduced"`
		Resolved   []audit.Finding `json:"resolved"`
	} `json:"audit"`
	Summary map[string]int `json:"summary"`
}

func (a *App) renderDiff(changes []zonediff.Change, findings []zonecheck.Finding, introduced, resolved []audit.Finding) error {
	out := diffReport{Changes: report.DiffChanges(changes), Findings: findings}
	out.Audit.Introduced, out.Audit.Resolved = introduced, resolved
	if out.Findings == nil {
		out.Findings = []zonecheck.Finding{}
	}
	if out.Audit.Introduced == nil {
		out.Audit.Introduced = []audit.Finding{}
	}
	if out.Audit.Resolved == nil {
		out.Audit.Resolved = []audit.Finding{}
	}
	out.Summary = map[string]int{"added": 0, "removed": 0, "changed": 0, "check_errors": zonecheck.Errors(findings),
		"audit_introduced": len(introduced), "audit_resolved": len(resolved)}
	for _, c := range changes {
		out.Summary[string(c.Kind)]++
	}
	rows := report.Rows{Header: []string{"change", "ip", "old", "new", "zone"}}
	for _, c := range changes {
		rows.Add(string(c.Kind), c.Addr.String(), strings.Join(c.Old, " "), strings.Join(c.New, " "), c.Zone)
	}
	if a.cfg.Output != "table" {
		return a.render(out, rows)
	}
	if err := a.printer().Table(rows); err != nil {
		return err
	}
	if len(findings) > 0 {
		fmt.Fprintln(a.IO.Out)
		fr := report.Rows{Header: []string{"file", "line", "severity", "code", "message"}}
		for _, f := range findings {
			fr.Add(f.File, itoa(f.Line), string(f.Severity), f.Code, f.Message)
		}
		if err := a.printer().Table(fr); err != nil {
			return err
		}
	}
	if len(introduced)+len(resolved) > 0 {
		fmt.Fprintln(a.IO.Out)
		ar := report.Rows{Header: []string{"audit", "category", "ip", "ptr", "expected", "reason"}}
		for _, f := range introduced {
			ar.Add("introduced", string(f.Category), f.Addr.String(), strings.Join(f.PTR, " "), f.Expected, f.Reason)
		}
		for _, f := range resolved {
			ar.Add("resolved", string(f.Category), f.Addr.String(), strings.Join(f.PTR, " "), f.Expected, f.Reason)
		}
		return a.printer().Table(ar)
	}
	return nil
}

// gitExport writes path (a file or directory of the working tree) as
// committed at ref under dir, and returns where it went.
func gitExport(ref, path, dir string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	base := abs
	if st, err := os.Stat(abs); err == nil && !st.IsDir() {
		base = filepath.Dir(abs)
	}
	top, err := exec.Command("git", "-C", base, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("--git-base: %s is not in a git work tree", path)
	}
	root := strings.TrimSpace(string(top))
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return "", err
	}
	// the ref is the user's (or a pull request's) text: never let git read
	// it as an option (--output=FILE), and archive the commit it names
	if strings.HasPrefix(ref, "-") {
		return "", usageErrorf("--git-base %q: a ref does not start with '-'", ref)
	}
	commit, err := exec.Command("git", "-C", root, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}").Output()
	if err != nil {
		return "", usageErrorf("--git-base %q: not a commit of %s", ref, root)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("git", "-C", root, "archive", "--format=tar", strings.TrimSpace(string(commit)), "--", filepath.ToSlash(rel))
	cmd.Stderr = &stderr
	tarData, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git archive %s -- %s: %v: %s", ref, rel, err, strings.TrimSpace(stderr.String()))
	}
	tr := tar.NewReader(bytes.NewReader(tarData))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(target, filepath.Clean(dir)+string(os.PathSeparator)) {
			return "", fmt.Errorf("git archive: unsafe path %q", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return "", err
			}
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(target), 0o755)
			b, err := io.ReadAll(tr)
			if err != nil {
				return "", err
			}
			if err := os.WriteFile(target, b, 0o644); err != nil {
				return "", err
			}
		}
	}
	out := filepath.Join(dir, rel)
	if _, err := os.Stat(out); err != nil {
		// not in REF at all: an empty old side
		if err := os.MkdirAll(out, 0o755); err != nil {
			return "", err
		}
	}
	return out, nil
}
