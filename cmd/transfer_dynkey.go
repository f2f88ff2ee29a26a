package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/bulk"
	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/rfc2136"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// dynamicKeyOptions are transfer delegate's --dynamic-key flags.
type dynamicKeyOptions struct {
	Name     string
	InParent bool
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

// keyDir is where customers' key files go: key_dir, else keys/ beside the
// journal. (No flag: zones_conf is written from the grants found there by
// every later write, so every run must look in the same place.)
func (a *App) keyDir() string {
	if a.cfg.KeyDir != "" {
		return a.cfg.KeyDir
	}
	return filepath.Join(filepath.Dir(a.journalPath()), "keys")
}

// keyGrants is a customer key's grants file, KEY_DIR/NAME.grants.json:
// the zones and owners its update-policy grants, which rdnsctl writes into
// zones_conf.
type keyGrants struct {
	Key     string      `json:"key"`
	KeyFile string      `json:"key_file"`
	Grants  []grantSpec `json:"grants"`
}

type grantSpec struct {
	Zone  string `json:"zone"`
	Owner string `json:"owner"`
}

const grantsSuffix = ".grants.json"

// readKeyGrants reads every grants file of dir (none when dir does not
// exist), in name order.
func readKeyGrants(dir string) ([]keyGrants, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+grantsSuffix))
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	var out []keyGrants
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var kg keyGrants
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&kg); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if _, err := rfc2136.CheckKeyName(kg.Key); err != nil || kg.KeyFile == "" {
			return nil, fmt.Errorf("%s: not a grants file of rdnsctl (key %q, key_file %q)", p, kg.Key, kg.KeyFile)
		}
		out = append(out, kg)
	}
	return out, nil
}

// addKeyGrants adds the grants of zones to the key's grants file (made
// when missing), atomically; it says whether the file changed.
func addKeyGrants(dir, name, keyFile string, zones []bulk.ZoneGrants) (bool, error) {
	path := filepath.Join(dir, name+grantsSuffix)
	kg := keyGrants{Key: name, KeyFile: keyFile}
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &kg); err != nil {
			return false, fmt.Errorf("%s: %w", path, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	n := len(kg.Grants)
	for _, z := range zones {
		for _, o := range z.Owners {
			g := grantSpec{Zone: z.Zone, Owner: o}
			if !slices.Contains(kg.Grants, g) {
				kg.Grants = append(kg.Grants, g)
			}
		}
	}
	if len(kg.Grants) == n {
		return false, nil
	}
	slices.SortFunc(kg.Grants, func(a, b grantSpec) int {
		if c := zonefile.CompareNames(a.Zone, b.Zone); c != 0 {
			return c
		}
		return zonefile.CompareNames(a.Owner, b.Owner)
	})
	data, err := json.MarshalIndent(kg, "", "  ")
	if err != nil {
		return false, err
	}
	return true, zonefile.WriteFiles([]zonefile.FileWrite{{Path: path, Data: append(data, '\n')}})
}

// zonesConfPolicy is what zones_conf carries for the customers' keys: the
// key files to include (those granted a zone of files) and each zone's
// update-policy rules. A key whose file is gone (revoked) is left out: an
// include of a missing file would stop named from loading its
// configuration.
func zonesConfPolicy(grants []keyGrants, files map[string]string) ([]string, map[string][]string) {
	var includes []string
	policy := map[string][]string{}
	for _, kg := range grants {
		if !isFile(kg.KeyFile) {
			continue
		}
		used := false
		for _, g := range kg.Grants {
			if _, ok := files[g.Zone]; !ok {
				continue
			}
			rule := bulk.GrantStatement(kg.Key, g.Owner)
			if !slices.Contains(policy[g.Zone], rule) {
				policy[g.Zone] = append(policy[g.Zone], rule)
			}
			used = true
		}
		if used && !slices.Contains(includes, kg.KeyFile) {
			includes = append(includes, kg.KeyFile)
		}
	}
	for z := range policy {
		slices.Sort(policy[z])
	}
	return includes, policy
}

// refreshZonesConf writes zones_conf again after the grants changed, and
// runs the primary's reconfig_cmd when it changed.
func (a *App) refreshZonesConf(s *zoneset.Set, targets []apply.Target) error {
	if a.cfg.ZonesConf == "" {
		return nil
	}
	grants, err := readKeyGrants(a.keyDir())
	if err != nil {
		return err
	}
	changed, err := writeZonesConf(a.cfg.ZonesConf, s, targets, grants)
	if err != nil {
		return fmt.Errorf("zones_conf %s: %w", a.cfg.ZonesConf, err)
	}
	if p := a.filePrimary(); changed && p != nil && p.ReconfigCmd != "" {
		if err := runHook(a.context(), p.ReconfigCmd, "", a.cfg.ZonesConf); err != nil {
			return fmt.Errorf("reconfig_cmd failed on %s: %w", p.Name, err)
		}
	}
	return nil
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
	keyPath := filepath.Join(a.keyDir(), name+".key")
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
		return usageErrorf("--dynamic-key %s: %s exists and is not that key (%v): refusing to overwrite it; remove it, or give another NAME or key_dir", name, keyPath, err)
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
	f.afterWrite = func(targets []apply.Target) error {
		if doc.State == "planned" {
			if err := a.createKey(name, keyPath, doc, f); err != nil {
				return err
			}
		}
		if _, err := addKeyGrants(filepath.Dir(keyPath), name, doc.File, zones); err != nil {
			return err
		}
		return a.refreshZonesConf(s, targets)
	}
	f.extra = func() []report.KV { return []report.KV{{Key: "dynamic_key", Value: doc}} }
	if err := a.runPlan(s, cs, 0, f); err != nil {
		return err
	}
	return a.reportKey(doc)
}

// createKey makes the customer's key file and journals it.
func (a *App) createKey(name, keyPath string, doc *dynamicKeyDoc, f *changeFlags) error {
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
		Reason: fmt.Sprintf("dynamic key for the PTRs of %s: %s", doc.Prefix, strings.Join(grantList(doc), " "))}})
}

// reportKey says what became of the key, and prints its named.conf text
// after the plan (on stderr with -o csv; in the document with -o json).
func (a *App) reportKey(doc *dynamicKeyDoc) error {
	switch doc.State {
	case "created":
		a.info("TSIG key %s created in %s (mode 0600): give it to the customer's router (nsupdate -k FILE), and its grants to BIND", doc.Name, doc.File)
	case "exists":
		a.info("TSIG key %s: %s exists (an earlier run's), reused", doc.Name, doc.File)
	default:
		a.info("TSIG key %s: --write creates %s (hmac-sha256, 32 random octets, mode 0600)", doc.Name, doc.File)
	}
	if a.cfg.ZonesConf != "" {
		if doc.State == "planned" {
			a.info("with --write, zones_conf %s takes the grants of its zones (the key's include and their update-policy)", a.cfg.ZonesConf)
		} else {
			a.info("zones_conf %s holds the grants of its zones: do not paste them into named.conf again", a.cfg.ZonesConf)
		}
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
