package cmd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/rdnsctl/rdnsctl/bulk"
	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/rfc2136"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// dynamicKeyOptions are transfer delegate's --dynamic-key flags.
type dynamicKeyOptions struct {
	Name     string
	InParent bool
	KeyDir   string // --key-dir, else the config's key_dir
}

// dynamicKeyDoc is the dynamic_key member of transfer delegate -o json.
type dynamicKeyDoc struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	File      string `json:"file"`
	// State: created (by this run), exists (an earlier run's, reused), or
	// planned (a preview: --write creates it).
	State     string     `json:"state"`
	Prefix    string     `json:"prefix"`
	InParent  bool       `json:"in_parent"`
	Grants    []grantDoc `json:"grants"`
	NamedConf string     `json:"named_conf"`
}

type grantDoc struct {
	Zone      string  `json:"zone"`
	File      *string `json:"file"`
	Owner     string  `json:"owner"`
	Type      string  `json:"type"`
	Statement string  `json:"statement"`
}

// keyDir is where customers' key files go: --key-dir, else key_dir, else
// keys/ beside the journal.
func (a *App) keyDir(flag string) string {
	switch {
	case flag != "":
		return flag
	case a.cfg.KeyDir != "":
		return a.cfg.KeyDir
	}
	return filepath.Join(filepath.Dir(a.journalPath()), "keys")
}

// delegateDynamic is transfer delegate --dynamic-key: the delegation (to
// child zones hosted here, made when missing) or, with --in-parent, no
// delegation at all; a TSIG key for the customer, created with --write
// (0600, never overwritten; an earlier run's key of that name is reused);
// and the update-policy grants that restrict the key to the prefix's PTRs
// in the zones that hold them.
func (a *App) delegateDynamic(s *zoneset.Set, opt bulk.Delegate6Options, dk dynamicKeyOptions, f *changeFlags) error {
	p := opt.Prefix
	name, err := rfc2136.CheckKeyName(dk.Name)
	if err != nil {
		return usageErrorf("--dynamic-key: %v", err)
	}
	switch {
	case opt.External:
		return usageErrorf("--dynamic-key with --external: the customer's own servers hold the child zone, and their router updates it with keys of theirs; " +
			"drop --external to host the child zone here, or give --in-parent to keep the PTRs in our zone")
	case dk.InParent && (len(opt.NS) > 0 || opt.Move):
		return usageErrorf("--in-parent keeps %s in our zone above it, undelegated: it takes no --ns or --move", p)
	}
	keyPath := filepath.Join(a.keyDir(dk.KeyDir), name+".key")
	doc := &dynamicKeyDoc{Name: name, Algorithm: "hmac-sha256", File: keyPath, State: "planned", Prefix: p.String(), InParent: dk.InParent}
	if abs, err := filepath.Abs(keyPath); err == nil {
		doc.File = abs
	}
	switch k, err := rfc2136.ReadKeyFile(keyPath, name); {
	case err == nil:
		doc.State, doc.Algorithm = "exists", strings.TrimSuffix(k.Algorithm, ".")
		if st, err := os.Stat(keyPath); err == nil && st.Mode().Perm()&0o077 != 0 {
			a.warn(fmt.Sprintf("key file %s is readable by others (mode %04o): chmod 600 it", keyPath, st.Mode().Perm()))
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return usageErrorf("--dynamic-key %s: %s exists and is not that key (%v): refusing to overwrite it; remove it or give another --key-dir", name, keyPath, err)
	}
	cs := rdns.ChangeSet{}
	if !dk.InParent {
		opt.Host = true
		if cs, err = bulk.Delegate6(s, opt); err != nil {
			return &usageError{err}
		}
	}
	zones, err := bulk.DynamicGrants(s, bulk.DynamicGrantsOptions{Prefix: p, InParent: dk.InParent, NewFile: opt.NewFile})
	if err != nil {
		return &usageError{err}
	}
	doc.Grants = []grantDoc{}
	for _, z := range zones {
		var file *string
		if z.File != "" {
			abs, _ := filepath.Abs(z.File)
			file = &abs
		}
		for _, o := range z.Owners {
			doc.Grants = append(doc.Grants, grantDoc{Zone: z.Zone, File: file, Owner: o, Type: "PTR", Statement: bulk.GrantStatement(name, o)})
		}
	}
	doc.NamedConf = bulk.UpdatePolicyConf(name, doc.File, zones)
	f.afterWrite = func() error {
		if doc.State != "planned" {
			return nil
		}
		k, err := rfc2136.GenerateKey(name)
		if err != nil {
			return err
		}
		if err := rfc2136.CreateKeyFile(keyPath, k); err != nil {
			return &usageError{fmt.Errorf("--dynamic-key %s: %w", name, err)}
		}
		doc.State = "created"
		j, err := journal.Open(a.journalPath())
		if err != nil {
			return err
		}
		defer j.Close()
		return j.Append([]journal.Entry{{Time: a.Now().UTC(), Operator: journal.Operator(f.operator), Command: strings.Join(a.Args, " "), Ticket: f.ticket,
			Action: "key-created", Name: name, File: doc.File, Type: "TSIG",
			Reason: fmt.Sprintf("dynamic key for the PTRs of %s: %s", p, strings.Join(grantList(doc), " "))}})
	}
	f.extra = func() []report.KV { return []report.KV{{Key: "dynamic_key", Value: doc}} }
	if err := a.runPlan(s, cs, 0, f); err != nil {
		return err
	}
	switch doc.State {
	case "created":
		a.info("TSIG key %s created in %s (mode 0600): give it to the customer's router (nsupdate -k FILE), and its grants to BIND", name, doc.File)
	case "exists":
		a.info("TSIG key %s: %s exists (an earlier run's), reused", name, doc.File)
	default:
		a.info("TSIG key %s: --write creates %s (hmac-sha256, 32 random octets, mode 0600)", name, doc.File)
	}
	switch report.Format(a.cfg.Output) {
	case report.JSON:
		return nil
	case report.Table:
		return writeKeyConf(a.IO.Out, doc)
	default: // CSV on stdout is the changes only
		return writeKeyConf(a.IO.ErrOut, doc)
	}
}

func grantList(doc *dynamicKeyDoc) []string {
	var out []string
	for _, g := range doc.Grants {
		out = append(out, "zone "+g.Zone+": "+g.Statement)
	}
	return out
}

// writeKeyConf prints the key's named.conf text after the plan.
func writeKeyConf(w io.Writer, doc *dynamicKeyDoc) error {
	where := "the customer's PTRs below " + doc.Prefix + " are in our zone above it (no delegation)"
	if !doc.InParent {
		where = "the customer's PTRs are in the child zone(s) hosted here"
	}
	_, err := fmt.Fprintf(w, "\n// BIND: TSIG key %s (%s, %s) may change PTR records below %s, and nothing else;\n// %s. Merge with the zones' statements (one update-policy per zone).\n%s",
		doc.Name, doc.Algorithm, doc.State, doc.Prefix, where, doc.NamedConf)
	return err
}
