package namedconf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Zone is one zone statement, as BIND reads it.
type Zone struct {
	// Name is the zone's origin, lower-case and absolute ("." for the root).
	Name string
	// Class is IN unless the statement names another.
	Class string
	// View is the view the zone is in ("" outside views).
	View string
	// Type is primary, secondary, mirror, stub, static-stub, forward, hint,
	// redirect, delegation-only or in-view (master and slave are read as
	// primary and secondary).
	Type string
	// File is the zone file, absolute (relative names are resolved against
	// options' directory); "" when the statement names none.
	File string
	// Dynamic, for a primary, is "update-policy" or "allow-update" when the
	// zone takes dynamic updates (the zone's own, else its view's, else
	// options' allow-update, unless it is { none; }).
	Dynamic string
	// InView is the view an in-view zone is taken from.
	InView string
	// Where is FILE:LINE of the zone statement.
	Where string
}

// View is one view statement.
type View struct {
	Name  string
	Class string
	Where string
}

// Config is what rdnsctl reads from named.conf.
type Config struct {
	// Path is named.conf itself, absolute.
	Path string
	// Directory is options' directory (absolute), or named.conf's
	// directory when options do not name one.
	Directory string
	Views     []View
	Zones     []Zone // in the order they appear
	// Files are every file read: named.conf and its includes.
	Files []string
}

// Options tune Load.
type Options struct {
	// MaxIncludeDepth bounds nested includes (0 means 20).
	MaxIncludeDepth int
}

type loader struct {
	opt   Options
	base  string // named.conf's directory
	dir   string // options' directory once seen ("" before)
	stack []string
	files []string
}

// Load reads named.conf at path, following its include statements.
func Load(path string, opt Options) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if opt.MaxIncludeDepth <= 0 {
		opt.MaxIncludeDepth = 20
	}
	l := &loader{opt: opt, base: filepath.Dir(abs)}
	stmts, err := l.file(abs, path, "", 0)
	if err != nil {
		return nil, err
	}
	c := &Config{Path: abs, Directory: l.dir, Files: l.files}
	if c.Directory == "" {
		c.Directory = l.base
	}
	if err := c.interpret(stmts); err != nil {
		return nil, err
	}
	return c, nil
}

// file reads and parses one file and expands its includes. display is the
// name used in errors; where the include statement that names it.
func (l *loader) file(abs, display, where string, depth int) ([]*Stmt, error) {
	if slices.Contains(l.stack, abs) {
		return nil, fmt.Errorf("%s: include loop: %s includes itself (through %s)", where, display, strings.Join(l.stack, " -> "))
	}
	if depth > l.opt.MaxIncludeDepth {
		return nil, fmt.Errorf("%s: includes nested more than %d deep", where, l.opt.MaxIncludeDepth)
	}
	st, err := os.Stat(abs)
	if err == nil && !st.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	var data []byte
	if err == nil {
		data, err = os.ReadFile(abs)
	}
	if err != nil {
		if where != "" {
			return nil, fmt.Errorf("%s: include %s: %w", where, display, err)
		}
		return nil, err
	}
	l.files = append(l.files, abs)
	stmts, err := Parse(data, display)
	if err != nil {
		return nil, err
	}
	l.stack = append(l.stack, abs)
	defer func() { l.stack = l.stack[:len(l.stack)-1] }()
	return l.expand(stmts, depth)
}

// expand replaces include statements (at any level) by the statements of
// the files they name, in order, and notes options' directory as soon as it
// is read, as named does.
func (l *loader) expand(stmts []*Stmt, depth int) ([]*Stmt, error) {
	var out []*Stmt
	for _, s := range stmts {
		if s.Keyword() == "include" {
			if len(s.Values) != 2 || !s.Values[1].Quoted {
				return nil, &Error{File: s.File, Line: s.Line, Msg: "include wants one quoted file name"}
			}
			name := s.Values[1].Text
			p := name
			if !filepath.IsAbs(p) {
				p = filepath.Join(l.cwd(), p)
			}
			matches := []string{p}
			if strings.ContainsAny(name, "*?[") {
				m, err := filepath.Glob(p)
				if err != nil {
					return nil, &Error{File: s.File, Line: s.Line, Msg: fmt.Sprintf("include %s: %v", quote(name), err)}
				}
				matches = m // a glob that matches nothing includes nothing, as in BIND
			}
			for _, m := range matches {
				sub, err := l.file(m, m, s.Where(), depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, sub...)
			}
			continue
		}
		for i := range s.Values {
			if s.Values[i].IsBlock {
				b, err := l.expand(s.Values[i].Block, depth)
				if err != nil {
					return nil, err
				}
				s.Values[i].Block = b
			}
		}
		if s.Keyword() == "options" {
			for _, o := range s.Block() {
				if o.Keyword() == "directory" {
					if len(o.Values) != 2 || !o.Values[1].Quoted {
						return nil, &Error{File: o.File, Line: o.Line, Msg: "directory wants one quoted path"}
					}
					d := o.Values[1].Text
					if !filepath.IsAbs(d) {
						d = filepath.Join(l.cwd(), d)
					}
					l.dir = filepath.Clean(d)
				}
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// cwd is where named would be when it reads the next relative path.
func (l *loader) cwd() string {
	if l.dir != "" {
		return l.dir
	}
	return l.base
}

func errAt(s *Stmt, format string, args ...any) error {
	return &Error{File: s.File, Line: s.Line, Msg: fmt.Sprintf(format, args...)}
}

// interpret finds the options, views and zones.
func (c *Config) interpret(stmts []*Stmt) error {
	var defaultUpdate *Stmt
	for _, s := range stmts {
		if s.Keyword() == "options" {
			for _, o := range s.Block() {
				if o.Keyword() == "allow-update" {
					defaultUpdate = o
				}
			}
		}
	}
	var topZones []*Stmt
	for _, s := range stmts {
		switch s.Keyword() {
		case "zone":
			topZones = append(topZones, s)
			if err := c.zone(s, "", defaultUpdate); err != nil {
				return err
			}
		case "view":
			name, class, err := nameAndClass(s, "view")
			if err != nil {
				return err
			}
			for _, v := range c.Views {
				if v.Name == name && v.Class == class {
					return errAt(s, "view %s is already defined at %s", quote(name), v.Where)
				}
			}
			c.Views = append(c.Views, View{Name: name, Class: class, Where: s.Where()})
			upd := defaultUpdate
			for _, o := range s.Block() {
				if o.Keyword() == "allow-update" {
					upd = o
				}
			}
			for _, o := range s.Block() {
				if o.Keyword() == "zone" {
					if err := c.zone(o, name, upd); err != nil {
						return err
					}
				}
			}
		}
	}
	if len(c.Views) > 0 && len(topZones) > 0 {
		return errAt(topZones[0], "when using view statements, all zones must be in views")
	}
	return nil
}

// nameAndClass reads `KEYWORD "name" [class] { ... };`.
func nameAndClass(s *Stmt, what string) (name, class string, err error) {
	v := s.Values[1:]
	if len(v) < 2 || v[0].IsBlock || !v[len(v)-1].IsBlock || len(v) > 3 {
		return "", "", errAt(s, "%s wants a name, an optional class and a block", what)
	}
	name, class = v[0].Text, "IN"
	if len(v) == 3 {
		if v[1].IsBlock || v[1].Quoted {
			return "", "", errAt(s, "%s %s: bad class", what, quote(name))
		}
		class = strings.ToUpper(v[1].Text)
		switch class {
		case "IN", "CH", "CHAOS", "HS", "HESIOD", "ANY":
		default:
			return "", "", errAt(s, "%s %s: unknown class %s", what, quote(name), quote(v[1].Text))
		}
		if class == "CHAOS" {
			class = "CH"
		} else if class == "HESIOD" {
			class = "HS"
		}
	}
	return name, class, nil
}

// canonicalZoneName is the origin as rdnsctl writes it.
func canonicalZoneName(n string) string {
	n = strings.ToLower(n)
	if !strings.HasSuffix(n, ".") {
		n += "."
	}
	return n
}

func (c *Config) zone(s *Stmt, view string, inherited *Stmt) error {
	name, class, err := nameAndClass(s, "zone")
	if err != nil {
		return err
	}
	if name == "" {
		return errAt(s, "zone with an empty name")
	}
	z := Zone{Name: canonicalZoneName(name), Class: class, View: view, Where: s.Where()}
	upd := inherited
	for _, o := range s.Block() {
		arg := func() (string, error) {
			if len(o.Values) != 2 || o.Values[1].IsBlock {
				return "", errAt(o, "zone %s: %s wants one value", quote(name), o.Keyword())
			}
			return o.Values[1].Text, nil
		}
		switch o.Keyword() {
		case "type":
			t, err := arg()
			if err != nil {
				return err
			}
			z.Type = normalType(t)
		case "file":
			f, err := arg()
			if err != nil {
				return err
			}
			if !o.Values[1].Quoted {
				return errAt(o, "zone %s: file wants a quoted path", quote(name))
			}
			if !filepath.IsAbs(f) {
				f = filepath.Join(c.Directory, f)
			}
			z.File = filepath.Clean(f)
		case "in-view":
			v, err := arg()
			if err != nil {
				return err
			}
			z.InView = v
		case "allow-update":
			upd = o
		case "update-policy":
			z.Dynamic = "update-policy"
		}
	}
	switch {
	case z.InView != "":
		if z.Type != "" {
			return errAt(s, "zone %s: in-view and type cannot both be given", quote(name))
		}
		z.Type = "in-view"
	case z.Type == "":
		return errAt(s, "zone %s: type not present", quote(name))
	}
	switch z.Type {
	case "primary", "secondary", "mirror", "stub", "static-stub", "forward", "hint", "redirect", "delegation-only", "in-view":
	default:
		return errAt(s, "zone %s: unknown type %s", quote(name), quote(z.Type))
	}
	if z.Type == "primary" && z.File == "" {
		return errAt(s, "zone %s: primary zone without a file", quote(name))
	}
	if z.Type == "primary" && z.Dynamic == "" && upd != nil && !updateNone(upd) {
		z.Dynamic = "allow-update"
	}
	if z.Type != "primary" {
		z.Dynamic = ""
	}
	for _, o := range c.Zones {
		if o.Name == z.Name && o.View == z.View && o.Class == z.Class {
			return errAt(s, "zone %s is already defined at %s", quote(name), o.Where)
		}
	}
	c.Zones = append(c.Zones, z)
	return nil
}

// updateNone says whether an allow-update statement allows no one: its list
// is empty or only "none".
func updateNone(s *Stmt) bool {
	b := s.Block()
	for _, e := range b {
		if len(e.Values) != 1 || e.Values[0].IsBlock || strings.ToLower(e.Values[0].Text) != "none" {
			return false
		}
	}
	return true
}

func normalType(t string) string {
	switch t = strings.ToLower(t); t {
	case "master":
		return "primary"
	case "slave":
		return "secondary"
	}
	return t
}

// ViewNames lists the views, in order.
func (c *Config) ViewNames() []string {
	var n []string
	for _, v := range c.Views {
		n = append(n, v.Name)
	}
	return n
}

// Select returns the zones of one view (view "" when named.conf has no
// views, or exactly one), with in-view zones replaced by the zone they
// name. Only class IN zones are returned: rdnsctl's zones are IN.
func (c *Config) Select(view string) ([]Zone, error) {
	names := c.ViewNames()
	switch {
	case len(names) == 0 && view != "":
		return nil, fmt.Errorf("%s has no views; drop --view %s", c.Path, view)
	case len(names) == 0:
	case view == "" && len(names) == 1:
		view = names[0]
	case view == "":
		return nil, fmt.Errorf("%s has %d views (%s): choose one with --view", c.Path, len(names), strings.Join(names, ", "))
	case !slices.Contains(names, view):
		return nil, fmt.Errorf("%s has no view %q; its views are: %s", c.Path, view, strings.Join(names, ", "))
	}
	var out []Zone
	for _, z := range c.Zones {
		if z.View != view || z.Class != "IN" {
			continue
		}
		if z.InView != "" {
			target, ok := c.find(z.Name, z.InView)
			if !ok {
				return nil, fmt.Errorf("%s: zone %s: in-view %q: no such zone in that view", z.Where, z.Name, z.InView)
			}
			target.InView, target.View, target.Where = z.InView, view, z.Where
			z = target
		}
		out = append(out, z)
	}
	return out, nil
}

func (c *Config) find(name, view string) (Zone, bool) {
	for _, z := range c.Zones {
		if z.Name == name && z.View == view && z.Class == "IN" && z.InView == "" {
			return z, true
		}
	}
	return Zone{}, false
}
